// Benchmark of caro-sync-daemon (sync protocol v2) against a real relay on loopback. Prints markdown tables.
// Usage: node bench/daemon.mjs   (after `npm run build`)
//   BENCH_SKIP_FOOTPRINT=1 skips the npm install; BENCH_SCALES="1000,100000" sets the history sizes
//   of the cost-by-history table (each scale builds its own account).
// Records are envelope-shaped blobs of the size of a sealed 512-byte plaintext (the smallest
// padding bucket): the daemon never opens one, so their content does not change its cost.
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SyncClient, startRelay } from "../dist/index.js";

const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");
const N = 10_000;
const SCALES = (process.env.BENCH_SCALES ?? "1000,100000").split(",").map(Number);
const root = mkdtempSync(join(tmpdir(), "caro-bench-"));
const dir = (n) => join(root, n);
const spawnD = (d) => SyncClient.spawn({ dataDir: d, env: { CARO_SYNC_LOG_LEVEL: "error" } });
const now = () => performance.now();
const ms = (x) => `${x.toFixed(0)} ms`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const status = (pid, key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const rssMB = (pid) => status(pid, "VmRSS");
/** Peak RSS of the process so far. */
const peakMB = (pid) => status(pid, "VmHWM");
const seedB64 = () => randomBytes(32).toString("base64");

/** A sealed-record-sized envelope (version 1, nonce, 512 + 16 bytes of ciphertext and tag). */
const envelope = () => Buffer.concat([Buffer.from([1]), randomBytes(12 + 512 + 16)]).toString("base64");
const records = (deviceId, from, n) => Array.from({ length: n }, (_, i) => ({ deviceId, seq: from + i, kind: "entry", id: randomUUID(), epoch: 1, envelope: envelope() }));
const head = (seq) => ({ seq, epoch: 1, envelope: envelope() });

/** Pushes in calls of 500 (~420 KB: under sync.push's 512 KiB), each with its head. */
async function pushAll(client, list, from = 0) {
  for (let i = 0; i < list.length; i += 500) {
    const part = list.slice(i, i + 500);
    const r = await client.push(part, { head: head(from + i + part.length - 1) });
    if (!r.acknowledged || r.accepted !== part.length) throw new Error(`push not acknowledged: ${JSON.stringify(r).slice(0, 200)}`);
  }
}

const rows = [];
const row = (what, value, target) => rows.push(`| ${what} | ${value} | ${target} |`);

const relay = await startRelay({ port: 0 });
const jazzAuthKey = seedB64();
const entries = records("dev-a", 0, N);
const avgLen = entries.reduce((n, e) => n + e.envelope.length, 0) / N;

// 1. push 10,000 (batches of 1,000), each call waits for the relay's acknowledgement.
let a = spawnD(dir("a"));
await a.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-a", create: true });
let t = now();
await pushAll(a, entries);
const pushMs = now() - t;
row(`A pushes ${N.toLocaleString("en")} records (20 calls of 500 with a head, ~${avgLen.toFixed(0)} base64 chars each), all acknowledged by the relay`, ms(pushMs), "≤ 600 ms");
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
if (pulled.items.length !== N) throw new Error(`pulled ${pulled.items.length}`);
row(`fresh device (daemon already started): sync.init (load account from relay) + pull all ${N.toLocaleString("en")}`, `${ms(initB + pullMs)} (init ${ms(initB)}, pull ${ms(pullMs)})`, "≤ 500 ms (pull)");
const rssB = rssMB(b.pid);

// 3. A push → B notification latency.
await b.subscribe();
const lat = [];
for (let i = 0; i < 50; i++) {
  const got = new Promise((r) => b.once("sync.changed", r));
  const t0 = now();
  await Promise.all([a.push(records("dev-a", N + i, 1), { ackTimeoutMs: 0, head: head(N + i) }), got]);
  lat.push(now() - t0);
}
row("A push (1 record) → B `sync.changed` notification, 50 runs", `p50 ${median(lat).toFixed(1)} ms, p95 ${pct(lat, 0.95).toFixed(1)} ms`, "p50 ≤ 50 ms");
row(`daemon RSS holding ${N.toLocaleString("en")} records`, `A ${rssA.toFixed(0)} MB (after pushing), B ${rssB.toFixed(0)} MB (after pulling)`, "≤ 200 MB");
await b.close();

// 4. spawn → ONLINE with an existing account (local store holding 10,000 records).
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
row("daemon spawn → ONLINE, existing account (store with 10,000 records), median of 5", `${ms(median(spawnTimes))} (spawn → first ping answered: ${ms(median(pingTimes))})`, "≤ 250 ms");

// 5. cost by history size: A holds `n` records; each step is a cold daemon process.
const scaleRows = [];
for (const n of SCALES) {
  const key = seedB64();
  const [dA, dB, dC] = [dir(`s${n}a`), dir(`s${n}b`), dir(`s${n}c`)];
  let pusher = spawnD(dA);
  await pusher.init({ relay: relay.url, jazzAuthKey: key, deviceId: "dev-a", create: true });
  await pushAll(pusher, records("dev-a", 0, n));
  const peakPush = peakMB(pusher.pid);
  await pusher.close();
  // B joins once and is up to date: the cursor the CLI keeps.
  let puller = spawnD(dB);
  await puller.init({ relay: relay.url, jazzAuthKey: key, deviceId: "dev-b" });
  const { cursor } = await puller.pullAll(null, { limit: 1000 });
  await puller.close();
  // A, cold: spawn, init, push one record with its head, pull with an up-to-date cursor.
  const cursorA = Buffer.from(JSON.stringify({ v: 2, p: { "dev-a": n } })).toString("base64url");
  t = now();
  pusher = spawnD(dA);
  await pusher.init({ relay: relay.url, jazzAuthKey: key, deviceId: "dev-a" });
  const one = await pusher.push(records("dev-a", n, 1), { head: head(n) });
  const mine = await pusher.pull(cursorA);
  const coldA = now() - t;
  if (!one.acknowledged || mine.items.length !== 1) throw new Error("cold push not acknowledged");
  const peakA = peakMB(pusher.pid);
  await pusher.close();
  // B, cold: spawn, init, pull from its cursor: exactly A's new record.
  t = now();
  puller = spawnD(dB);
  await puller.init({ relay: relay.url, jazzAuthKey: key, deviceId: "dev-b" });
  const fresh = await puller.pullAll(cursor, { limit: 1000 });
  const coldB = now() - t;
  if (fresh.items.length !== 1) throw new Error(`B pulled ${fresh.items.length}`);
  const peakB = peakMB(puller.pid);
  await puller.close();
  // C joins: the whole history, in pages of 1,000 as the CLI pulls.
  const joiner = spawnD(dC);
  await joiner.ping();
  t = now();
  await joiner.init({ relay: relay.url, jazzAuthKey: key, deviceId: "dev-c" });
  const all = await joiner.pullAll(null, { limit: 1000 });
  const joinMs = now() - t;
  if (all.items.length !== n + 1) throw new Error(`C pulled ${all.items.length}`);
  const peakC = peakMB(joiner.pid);
  await joiner.close();
  scaleRows.push(
    `| ${n.toLocaleString("en")} | ${ms(coldA)} (peak ${peakA.toFixed(0)} MB) | ${ms(coldB)} (peak ${peakB.toFixed(0)} MB) | ${ms(joinMs)} (peak ${peakC.toFixed(0)} MB) | ${peakPush.toFixed(0)} MB |`,
  );
}
await relay.close();

// 6. install footprint: a fresh install of the npm tarball into an empty project.
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
console.log("");
console.log("Cost by history size (each a cold daemon process: spawn + sync.init + the calls; peak = VmHWM):");
console.log("");
console.log("| records of A | A: push 1 + pull (up to date) | B: pull the 1 new (up to date) | fresh C: init + pull all | A while pushing all |");
console.log("|---|---|---|---|---|");
for (const r of scaleRows) console.log(r);
