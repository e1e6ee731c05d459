// Benchmark of caro-sync-daemon against a real relay on loopback. Prints a markdown table.
// Usage: node bench/daemon.mjs   (after `npm run build`; BENCH_SKIP_FOOTPRINT=1 skips the npm install)
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SyncClient, startRelay, deriveKeys, generatePhrase, sealCommand } from "../dist/index.js";

const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");
const N = 10_000;
const root = mkdtempSync(join(tmpdir(), "caro-bench-"));
const dir = (n) => join(root, n);
const spawnD = (d) => SyncClient.spawn({ dataDir: d, env: { CARO_SYNC_LOG_LEVEL: "error" } });
const now = () => performance.now();
const ms = (x) => `${x.toFixed(0)} ms`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const rssMB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

const rows = [];
const row = (what, value, target) => rows.push(`| ${what} | ${value} | ${target} |`);

const relay = await startRelay({ port: 0 });
const keys = deriveKeys(generatePhrase());
const jazzAuthKey = Buffer.from(keys.jazzAuthKey).toString("base64");
const entries = Array.from({ length: N }, (_, i) => {
  const id = randomUUID();
  const record = { command: `git log --oneline --graph --decorate -n ${i} -- src/some/path/${i}.rs`, createdAt: 1_763_790_000_000 + i, cwd: "/home/user/projects/caro", shell: "zsh", exitCode: 0 };
  return { id, deviceId: "dev-a", createdAt: record.createdAt, envelope: Buffer.from(sealCommand(keys.commandKey, id, record)).toString("base64") };
});
const avgLen = entries.reduce((n, e) => n + e.envelope.length, 0) / N;

// 1. push 10,000 (batches of 1,000), each call waits for the relay's acknowledgement.
let a = spawnD(dir("a"));
await a.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-a", create: true });
let t = now();
for (let i = 0; i < N; i += 1000) {
  const r = await a.push(entries.slice(i, i + 1000));
  if (!r.acknowledged || r.accepted !== 1000) throw new Error("push not acknowledged");
}
const pushMs = now() - t;
row(`A pushes ${N.toLocaleString("en")} entries (10 calls of 1,000, ~${avgLen.toFixed(0)} base64 chars each), all acknowledged by the relay`, ms(pushMs), "≤ 600 ms");
const rssA = rssMB(a.pid);

// 2. a fresh device loads the account and pulls everything.
let b = spawnD(dir("b"));
await b.ping(); // started: what follows excludes process start-up
t = now();
await b.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-b" });
const initB = now() - t;
const t2 = now();
const pulled = await b.pullAll(null, { limit: 10_000 });
const pullMs = now() - t2;
if (pulled.entries.length !== N) throw new Error(`pulled ${pulled.entries.length}`);
row(`fresh device (daemon already started): sync.init (load account from relay) + pull all ${N.toLocaleString("en")}`, `${ms(initB + pullMs)} (init ${ms(initB)}, pull ${ms(pullMs)})`, "≤ 500 ms (pull)");
const rssB = rssMB(b.pid);

// 3. A push → B notification latency.
await b.subscribe();
const lat = [];
for (let i = 0; i < 50; i++) {
  const id = randomUUID();
  const e = { id, deviceId: "dev-a", createdAt: i, envelope: entries[i].envelope };
  const got = new Promise((r) => b.once("sync.changed", r));
  const t0 = now();
  await Promise.all([a.push([e], { ackTimeoutMs: 0 }), got]);
  lat.push(now() - t0);
}
row("A push (1 entry) → B `sync.changed` notification, 50 runs", `p50 ${lat.length ? median(lat).toFixed(1) : "?"} ms, p95 ${pct(lat, 0.95).toFixed(1)} ms`, "p50 ≤ 50 ms");
row(`daemon RSS holding ${N.toLocaleString("en")} entries`, `A ${rssA.toFixed(0)} MB (after pushing), B ${rssB.toFixed(0)} MB (after pulling)`, "≤ 200 MB");
await b.close();

// 4. spawn → ONLINE with an existing account (local store holding 10,000 entries).
await a.close();
const spawnTimes = [];
for (let i = 0; i < 5; i++) {
  t = now();
  a = spawnD(dir("a"));
  const r = await a.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-a" });
  spawnTimes.push(now() - t);
  if (r.state !== "ONLINE") throw new Error(`state ${r.state}`);
  await a.close();
}
const pingTimes = [];
for (let i = 0; i < 5; i++) {
  t = now();
  const c = spawnD(dir(`p${i}`));
  await c.ping();
  pingTimes.push(now() - t);
  await c.close();
}
row("daemon spawn → ONLINE, existing account (store with 10,000 entries), median of 5", `${ms(median(spawnTimes))} (spawn → first ping answered: ${ms(median(pingTimes))})`, "≤ 250 ms");
await relay.close();

// 5. install footprint: a fresh install of the npm tarball into an empty project.
if (!process.env.BENCH_SKIP_FOOTPRINT) {
  const out = dir("pack");
  mkdirSync(join(out, "proj"), { recursive: true });
  execFileSync("npm", ["pack", "--pack-destination", out], { cwd: PKG, stdio: "ignore" });
  const tgz = readdirSync(out).find((f) => f.endsWith(".tgz"));
  writeFileSync(join(out, "proj", "package.json"), '{"name":"empty","version":"1.0.0","private":true}');
  t = now();
  execFileSync("npm", ["install", join(out, tgz), "--legacy-peer-deps", "--no-audit", "--no-fund"], { cwd: join(out, "proj"), stdio: "ignore" });
  const installS = (now() - t) / 1000;
  const du = (p) => Number(execFileSync("du", ["-sb", p], { encoding: "utf8" }).split("\t")[0]) / 1e6;
  const nm = join(out, "proj", "node_modules");
  const tgzMB = du(join(out, tgz));
  row("install footprint: `npm install ./caro-sync-daemon-*.tgz` into an empty project", `${du(nm).toFixed(1)} MB node_modules (better-sqlite3 ${du(join(nm, "better-sqlite3")).toFixed(1)} MB; tarball ${tgzMB.toFixed(1)} MB; install ${installS.toFixed(0)} s incl. compiling better-sqlite3)`, "≤ 100 MB");
}
rmSync(root, { recursive: true, force: true });

console.log("| measure | result | target |");
console.log("|---|---|---|");
for (const r of rows) console.log(r);
