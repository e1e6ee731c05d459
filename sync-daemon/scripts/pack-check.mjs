// `npm pack`, then `npm install ./caro-sync-daemon-*.tgz` into an empty project,
// then use it there: the API, the daemon and the relay binary, against each other,
// and the `./testing` subpath export. A script, not a vitest test: the install
// compiles better-sqlite3 and takes most of a minute, so `make js-test` runs it
// once after vitest. Exit 0 when every check holds; otherwise the failed check
// on stderr and exit 1.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");
const MAX_INSTALL_BYTES = 100 * 1024 * 1024;

function check(ok, what) {
  if (!ok) throw new Error(`pack check failed: ${what}`);
}

function duBytes(dir) {
  return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
}

const MAIN = `
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as root from "caro-sync-daemon";
import { cryptoTesting } from "caro-sync-daemon/testing";
const { SyncClient, startRelay, deriveKeys, generatePhrase, sealRecord, openRecord, parseEnvelope, GENESIS_PREV } = root;
if ("sealCommand" in root) throw new Error("the package root still exports sync v1's sealCommand");

// The nonce-choosing functions come from ./testing only.
if ("cryptoTesting" in root) throw new Error("cryptoTesting is exported from the package root");
const nonce = new Uint8Array(12).fill(5);
const fixed = cryptoTesting.sealWithNonce(new Uint8Array(32), nonce, "x", "aad");
if (Buffer.compare(parseEnvelope(fixed).nonce, nonce) !== 0) throw new Error("testing: sealWithNonce ignored the nonce");

// The relay binary from node_modules/.bin, on a free port.
const relayProc = spawn(join("node_modules", ".bin", "caro-sync-relay"), ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((res) => relayProc.stdout.on("data", (d) => { const m = /listening (ws:\\S+)/.exec(String(d)); if (m) res(m[1]); }));
const health = await fetch(new URL("/health", url.replace("ws:", "http:"))).then((r) => r.json());
if (health.status !== "ok") throw new Error("health");

const keys = deriveKeys(generatePhrase());
const jazzAuthKey = Buffer.from(keys.jazzAuthKey).toString("base64");
const a = SyncClient.spawn({ dataDir: mkdtempSync(join(tmpdir(), "a-")) });
await a.init({ relay: url, jazzAuthKey, deviceId: "a", create: true });
const { item } = sealRecord(keys, { kind: "entry", id: "0190f0a1-0000-7000-8000-000000000001", deviceId: "a", seq: 0, epoch: 1,
  prev: GENESIS_PREV, createdAt: Date.now(), body: { command: "echo packed" } });
const pushed = await a.push([item]);
if (!pushed.acknowledged) throw new Error("not acknowledged");

// A second relay through the in-process API too.
const relay2 = await startRelay({ port: 0 });
await relay2.close();

const b = SyncClient.spawn({ dataDir: mkdtempSync(join(tmpdir(), "b-")) });
await b.init({ relay: url, jazzAuthKey, deviceId: "b" });
const { items } = await b.pullAll(null);
const record = openRecord(keys, items[0]);
await Promise.all([a.close(), b.close()]);
relayProc.kill("SIGTERM");
console.log("RESULT " + record.body.command);
`;

const out = mkdtempSync(join(tmpdir(), "caro-pack-"));
try {
  execFileSync("npm", ["pack", "--pack-destination", out], { cwd: PKG, stdio: ["ignore", "ignore", "inherit"] });
  const tgz = readdirSync(out).find((f) => /^caro-sync-daemon-.*\.tgz$/.test(f));
  check(tgz !== undefined, "npm pack wrote no caro-sync-daemon-*.tgz");

  const proj = join(out, "proj");
  mkdirSync(proj);
  writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "empty", version: "1.0.0", private: true, type: "module" }));
  execFileSync("npm", ["install", join(out, tgz), "--legacy-peer-deps", "--no-audit", "--no-fund"], {
    cwd: proj,
    stdio: ["ignore", "ignore", "inherit"],
    // better-sqlite3 compiles from source here (no prebuilt download): use every core.
    env: { ...process.env, JOBS: "max" },
  });

  // No React Native binaries anywhere: every cojson-core-rn is the stub.
  const found = execFileSync("find", [join(proj, "node_modules"), "-type", "d", "-name", "cojson-core-rn"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  check(found.length > 0, "no cojson-core-rn installed (the stub should be)");
  for (const d of found) check(readFileSync(join(d, "package.json"), "utf8").includes("Empty stand-in"), `${d} is not the stub`);
  const bytes = duBytes(join(proj, "node_modules"));
  process.stderr.write(`pack check: node_modules of a fresh install = ${(bytes / 1e6).toFixed(1)} MB\n`);
  check(bytes < MAX_INSTALL_BYTES, `node_modules is ${bytes} bytes, over ${MAX_INSTALL_BYTES}`);
  check(existsSync(join(proj, "node_modules", "caro-sync-daemon", "PROTOCOL.md")), "PROTOCOL.md is not in the package");

  writeFileSync(join(proj, "main.js"), MAIN);
  const r = spawnSync(process.execPath, ["main.js"], {
    cwd: proj,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, CARO_SYNC_LOG_LEVEL: "warn" },
  });
  check(!/Error/.test(r.stderr), `the installed package's run wrote an error:\n${r.stderr}`);
  check(r.stdout.includes("RESULT echo packed"), `the entry did not travel between the installed daemons:\n${r.stdout}`);
  check(r.status === 0, `the installed package's run exited ${r.status}`);
  process.stderr.write("pack check: ok\n");
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
