// Every way the relay's start can fail ends the same way: one line on stderr that
// says what is wrong and what to do, no stack trace, exit status 1 (2 for a bad
// command line), and nothing on stdout.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupTemp, RELAY_BIN, spawnRelay, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [RELAY_BIN, "--port", "0", ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLine(r: ReturnType<typeof run>, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^caro-sync-relay: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("relay start-up errors", () => {
  it("port in use", async () => {
    const first = await spawnRelay();
    try {
      const r = spawnSync(process.execPath, [RELAY_BIN, "--port", String(first.port)], { encoding: "utf8", timeout: 30_000 });
      expectOneLine({ code: r.status, stdout: r.stdout, stderr: r.stderr }, new RegExp(`port ${first.port} on 127\\.0\\.0\\.1 is already in use: .*--port`));
    } finally {
      await first.stop();
    }
  });

  it("a --db in a directory that does not exist", () => {
    const dir = join(tempDir("caro-relay-"), "missing", "deeper");
    expectOneLine(run("--db", join(dir, "relay.sqlite")), new RegExp(`the directory ${dir} for --db does not exist: create it first`));
  });

  it("a --db that is not SQLite", () => {
    const db = join(tempDir("caro-relay-"), "notes.txt");
    writeFileSync(db, "these are my notes, not a database\n".repeat(200), { mode: 0o644 });
    chmodSync(db, 0o644);
    expectOneLine(run("--db", db), /notes\.txt is not a SQLite database/);
    // Left as it was: not made private, no -wal beside it, no token file.
    expect(statSync(db).mode & 0o777).toBe(0o644);
    expect(readdirSync(dirname(db))).toEqual(["notes.txt"]);
  });

  it("a --db that is a directory", () => {
    const dir = tempDir("caro-relay-");
    expectOneLine(run("--db", dir), /is a directory: pass a file path/);
  });

  it("a token file that cannot be read, one that others can read, one that holds no token", () => {
    const dir = tempDir("caro-relay-");
    const asDir = join(dir, "token-dir");
    mkdirSync(asDir);
    expectOneLine(run("--token-file", asDir), /cannot read the token file .*token-dir: it is a directory/);

    const loose = join(dir, "loose.token");
    writeFileSync(loose, "a".repeat(43) + "\n");
    chmodSync(loose, 0o644);
    expectOneLine(run("--token-file", loose), /loose\.token is readable by others \(mode 644\): run chmod 600/);

    const empty = join(dir, "empty.token");
    writeFileSync(empty, "", { mode: 0o600 });
    expectOneLine(run("--token-file", empty), /empty\.token holds no valid token .*delete it/);
  });

  it("a bad command line exits 2 with the usage", () => {
    for (const args of [["--bogus"], ["--port", "http"], ["--port", "70000"], ["--open", "--token-file", "x"], ["--max-account-bytes", "-5"]]) {
      const r = run(...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^caro-sync-relay: /);
      expect(r.stderr).toContain("usage: caro-sync-relay");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
