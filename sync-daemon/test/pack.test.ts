// `npm pack`, then `npm install ./caro-sync-daemon-*.tgz` into an empty project,
// then use it there: the API, the daemon and the relay binary, against each other.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupTemp, PKG, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

function duBytes(dir: string): number {
  return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
}

describe("npm pack install", () => {
  it("installs into an empty project and works there", { timeout: 600_000 }, () => {
    const out = tempDir("caro-pack-");
    execFileSync("npm", ["pack", "--pack-destination", out], { cwd: PKG, stdio: ["ignore", "ignore", "inherit"] });
    const tgz = readdirSync(out).find((f) => /^caro-sync-daemon-.*\.tgz$/.test(f));
    expect(tgz).toBeDefined();

    const proj = join(out, "proj");
    execFileSync("mkdir", ["-p", proj]);
    writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "empty", version: "1.0.0", private: true, type: "module" }));
    execFileSync("npm", ["install", join(out, tgz!), "--legacy-peer-deps", "--no-audit", "--no-fund"], {
      cwd: proj,
      stdio: ["ignore", "ignore", "inherit"],
      // better-sqlite3 compiles from source here (no prebuilt download): use every core.
      env: { ...process.env, JOBS: "max" },
    });

    // No React Native binaries anywhere: every cojson-core-rn is the stub.
    const found = execFileSync("find", [join(proj, "node_modules"), "-type", "d", "-name", "cojson-core-rn"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    expect(found.length).toBeGreaterThan(0);
    for (const d of found) expect(readFileSync(join(d, "package.json"), "utf8")).toContain("Empty stand-in");
    const bytes = duBytes(join(proj, "node_modules"));
    process.stderr.write(`pack test: node_modules of a fresh install = ${(bytes / 1e6).toFixed(1)} MB\n`);
    expect(bytes).toBeLessThan(100 * 1024 * 1024);

    writeFileSync(
      join(proj, "main.js"),
      `
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SyncClient, startRelay, deriveKeys, generatePhrase, sealCommand, openCommand } from "caro-sync-daemon";

// The relay binary from node_modules/.bin, on a free port.
const relayProc = spawn(join("node_modules", ".bin", "caro-sync-relay"), ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((res) => relayProc.stdout.on("data", (d) => { const m = /listening (ws:\\S+)/.exec(String(d)); if (m) res(m[1]); }));
const health = await fetch(new URL("/health", url.replace("ws:", "http:"))).then((r) => r.json());
if (health.status !== "ok") throw new Error("health");

const keys = deriveKeys(generatePhrase());
const jazzAuthKey = Buffer.from(keys.jazzAuthKey).toString("base64");
const a = SyncClient.spawn({ dataDir: mkdtempSync(join(tmpdir(), "a-")) });
await a.init({ relay: url, jazzAuthKey, deviceId: "a", create: true });
const env = Buffer.from(sealCommand(keys.commandKey, "e1", { command: "echo packed", createdAt: 1 })).toString("base64");
const pushed = await a.push([{ id: "e1", deviceId: "a", createdAt: 1, envelope: env }]);
if (!pushed.acknowledged) throw new Error("not acknowledged");

// A second device through the in-process relay API too.
const relay2 = await startRelay({ port: 0 });
await relay2.close();

const b = SyncClient.spawn({ dataDir: mkdtempSync(join(tmpdir(), "b-")) });
await b.init({ relay: url, jazzAuthKey, deviceId: "b" });
const { entries } = await b.pullAll();
const cmd = openCommand(keys.commandKey, entries[0].id, Buffer.from(entries[0].envelope, "base64"));
await Promise.all([a.close(), b.close()]);
relayProc.kill("SIGTERM");
console.log("RESULT " + cmd.command);
`,
    );
    const r = spawnSync(process.execPath, ["main.js"], { cwd: proj, encoding: "utf8", timeout: 120_000, env: { ...process.env, CARO_SYNC_LOG_LEVEL: "warn" } });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toContain("RESULT echo packed");
    expect(r.status).toBe(0);
    expect(existsSync(join(proj, "node_modules", "caro-sync-daemon", "PROTOCOL.md"))).toBe(true);
  });
});
