// Relay capacity benchmark (not a test): one relay binary on loopback (SQLite
// store, token required), N simulated devices (N/2 accounts x 2) as cojson
// LocalNodes spread over a few worker processes, each device with its own
// WebSocket. Every device appends one ~600-byte entry a second to its account's
// list for the run; the other device of the account is subscribed, and the
// delay from append to its notification is recorded (both devices of an account
// live in one worker, so one clock). The relay's RSS and CPU are sampled from
// /proc. Prints a markdown table.
// Usage: node bench/relay.mjs [--devices 200] [--seconds 60] [--workers 4]   (after `npm run build`)
import { fork, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const PKG = join(SELF, "..", "..");

if (process.argv[2] === "--worker") await worker();
else await main();

async function main() {
  const { values } = parseArgs({
    options: { devices: { type: "string", default: "200" }, seconds: { type: "string", default: "60" }, workers: { type: "string", default: "4" } },
  });
  const devices = Number(values.devices);
  const seconds = Number(values.seconds);
  const workers = Number(values.workers);
  const accounts = devices / 2;
  const dir = mkdtempSync(join(tmpdir(), "caro-relay-bench-"));
  const relay = spawn(process.execPath, [join(PKG, "dist", "bin", "relay.js"), "--port", "0", "--db", join(dir, "relay.sqlite")], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CARO_SYNC_LOG_LEVEL: "error" },
  });
  const [line] = await once(createInterface({ input: relay.stdout }), "line");
  const url = line.replace(/^listening /, "");
  const load0 = loadavg();

  const children = [];
  for (let w = 0; w < workers; w++) {
    const first = Math.floor((w * accounts) / workers);
    const last = Math.floor(((w + 1) * accounts) / workers);
    children.push(fork(SELF, ["--worker", url, String(last - first), String(seconds)], { stdio: "inherit" }));
  }
  const ready = children.map((c) => once(c, "message"));
  const t0 = performance.now();
  await Promise.all(ready);
  const setupS = (performance.now() - t0) / 1000;

  // Sample the relay while every worker runs its pushes.
  const cpu0 = relayCpu(relay.pid);
  const wall0 = performance.now();
  let maxRss = rss(relay.pid);
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rss(relay.pid))), 500);
  const results = children.map((c) => once(c, "message"));
  for (const c of children) c.send("go");
  const reports = (await Promise.all(results)).map(([m]) => m);
  clearInterval(sampler);
  const cpuS = relayCpu(relay.pid) - cpu0;
  const wallS = (performance.now() - wall0) / 1000;
  const endRss = rss(relay.pid);
  const load1 = loadavg();
  relay.kill("SIGTERM");
  await once(relay, "exit");
  rmSync(dir, { recursive: true, force: true });

  const lat = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const pushed = reports.reduce((n, r) => n + r.pushed, 0);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  const f = (x) => x.toFixed(0);
  console.log(`| measure (${devices} devices = ${accounts} accounts x 2, ${workers} worker processes, ${seconds} s) | result | target |`);
  console.log("|---|---|---|");
  console.log(`| entries pushed / seen by the other device | ${pushed} / ${lat.length} | all |`);
  console.log(`| push → other device notified, p50 / p99 / max | ${f(pct(0.5))} / ${f(pct(0.99))} / ${f(lat[lat.length - 1])} ms | p99 ≤ 100 ms |`);
  console.log(`| relay RSS, max / at the end | ${f(maxRss)} / ${f(endRss)} MB | ≤ 300 MB |`);
  console.log(`| relay CPU over the run | ${((cpuS / wallS) * 100).toFixed(0)} % of one core | |`);
  const workerCpuS = reports.reduce((n, r) => n + r.cpuS, 0);
  console.log(`| the ${workers} simulating processes' CPU over the run | ${((workerCpuS / wallS) * 100).toFixed(0)} % of one core | |`);
  console.log(`| set-up (create ${accounts} accounts, load them on the second devices) | ${setupS.toFixed(1)} s | |`);
  console.log(`| load average before / after (${cpus().length} cores) | ${load0.map((x) => x.toFixed(1)).join(" ")} / ${load1.map((x) => x.toFixed(1)).join(" ")} | |`);
  process.exit(0);
}

function rss(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
}

/** utime + stime of a process, in seconds. */
function relayCpu(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function worker() {
  const [, , , url, count, secondsText] = process.argv;
  const seconds = Number(secondsText);
  const { LocalNode } = await import("cojson");
  const { createWebSocketPeer } = await import("cojson-transport-ws");
  const { WebSocket } = await import("ws");
  const { jazzCrypto } = await import(join(PKG, "dist", "jazz", "crypto.js"));
  const crypto = await jazzCrypto();
  const connect = async () => {
    const ws = new WebSocket(url);
    await once(ws, "open");
    return createWebSocketPeer({ id: "relay", role: "server", websocket: ws, expectPings: false });
  };

  const latencies = [];
  const devices = [];
  const setUp = async (a) => {
    const { node: first } = await LocalNode.withNewlyCreatedAccount({ creationProps: { name: `bench-${a}` }, crypto, peers: [await connect()] });
    const list = first.createGroup().createList();
    await first.syncManager.waitForAllCoValuesSync(60_000);
    const accountID = first.getCurrentAccountOrAgentID();
    const second = await LocalNode.withLoadedAccount({
      accountID,
      accountSecret: first.getCurrentAgent().agentSecret,
      sessionID: crypto.newRandomSessionID(accountID),
      peers: [await connect()],
      crypto,
    });
    const pair = [first, second];
    for (let d = 0; d < 2; d++) {
      const node = pair[d];
      const mine = d === 0 ? list : await node.load(list.id);
      if (mine === "unavailable") throw new Error("the second device could not load the list");
      const device = { node, list: mine, me: `${a}:${d}`, seen: new Set(), pushed: 0 };
      // Concurrent appends can land before items already seen: look at every item.
      node.subscribe(list.id, (content) => {
        const now = Date.now();
        for (const item of content.asArray()) {
          if (item.from === device.me || device.seen.has(item.seq)) continue;
          device.seen.add(item.seq);
          latencies.push(now - item.t);
        }
      });
      devices.push(device);
    }
  };
  // A few accounts at a time: set-up is not what is measured.
  for (let a = 0; a < Number(count); a += 5) {
    await Promise.all(Array.from({ length: Math.min(5, Number(count) - a) }, (_, i) => setUp(a + i)));
  }
  process.send("ready");
  await new Promise((r) => process.once("message", r));

  const { randomBytes } = await import("node:crypto");
  const payload = () => randomBytes(450).toString("base64");
  const cpu0 = process.cpuUsage();
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    devices.map(async (device) => {
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      while (Date.now() < end) {
        device.list.append({ from: device.me, seq: device.pushed++, t: Date.now(), e: payload() });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }),
  );
  // Let the last pushes arrive.
  await new Promise((r) => setTimeout(r, 3000));
  const cpu = process.cpuUsage(cpu0);
  process.send({ latencies, pushed: devices.reduce((n, d) => n + d.pushed, 0), cpuS: (cpu.user + cpu.system) / 1e6 });
  for (const d of devices) await d.node.gracefulShutdown().catch(() => undefined);
  process.exit(0);
}
