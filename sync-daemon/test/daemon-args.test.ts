// The daemon's command line (src/bin/daemon.ts, node:util parseArgs in strict
// mode): a bad flag is one clear line on stderr and exit 2, before any store is
// touched; --help is the usage and exit 0.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupTemp, DAEMON, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

function run(...args: string[]) {
  return spawnSync(process.execPath, [DAEMON, ...args], { input: "", encoding: "utf8", timeout: 30_000 });
}

describe("caro-sync-daemon arguments", () => {
  it.each([
    [["--bogus"], "'--bogus'"],
    [["--data-dir"], "--data-dir"],
    [["--data-dir="], "--data-dir needs a directory"],
    [["stray"], "'stray'"],
  ])("%j is refused with one line naming it and exit 2", (args, named) => {
    const dir = tempDir();
    const r = run(...args, ...(args[0] === "--bogus" ? ["--data-dir", join(dir, "d")] : []));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(named);
    expect(lines[0]).toContain("usage: caro-sync-daemon [--data-dir DIR]");
    expect(existsSync(join(dir, "d"))).toBe(false);
  });

  it("--help prints the usage and exits 0", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^usage: caro-sync-daemon \[--data-dir DIR\]/);
  });

  it("takes --data-dir DIR and --data-dir=DIR alike", () => {
    for (const args of [["--data-dir", tempDir()], [`--data-dir=${tempDir()}`]]) {
      const r = spawnSync(process.execPath, [DAEMON, ...args], {
        input: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "daemon.ping" }) + "\n",
        encoding: "utf8",
        timeout: 30_000,
        env: { ...process.env, CARO_SYNC_LOG_LEVEL: "warn" },
      });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ jsonrpc: "2.0", id: 1, result: { pong: true } });
    }
  });
});
