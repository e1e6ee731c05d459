// The relay binary: loopback by default, prints its URL (with the token), GET
// /health without a token, clean SIGTERM, --help.
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { startRelay } from "../src/relay/server.js";
import { cleanupTemp, RELAY_BIN, spawnRelay, tempDir } from "./helpers.js";
import { join } from "node:path";
import { existsSync } from "node:fs";

afterAll(() => cleanupTemp());

const TOKEN_URL = /^ws:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/;

describe("caro-sync-relay", () => {
  it("binds loopback, answers /health without a token, exits 0 on SIGTERM", async () => {
    const db = join(tempDir("caro-relay-"), "relay.sqlite");
    const relay = await spawnRelay({ db });
    expect(relay.url).toMatch(TOKEN_URL);
    const http = `http://127.0.0.1:${relay.port}`;
    const health = await fetch(`${http}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect((await fetch(`${http}/nope`)).status).toBe(404);
    const exit = new Promise<number | null>((r) => relay.child.once("exit", (code) => r(code)));
    relay.child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(existsSync(db)).toBe(true);
  });

  it("startRelay(): a token URL, a new token each start without a store, and close()", async () => {
    const relay = await startRelay({ port: 0 });
    const other = await startRelay({ port: 0 });
    expect(relay.url).toMatch(TOKEN_URL);
    expect(relay.url).toBe(`ws://127.0.0.1:${relay.port}/?token=${relay.token}`);
    expect(other.token).not.toBe(relay.token);
    await other.close();
    expect((await fetch(`http://127.0.0.1:${relay.port}/health`)).status).toBe(200);
    await relay.close();
    await expect(fetch(`http://127.0.0.1:${relay.port}/health`)).rejects.toThrow();
  });

  it("--help prints every flag and exits 0", () => {
    const out = execFileSync(process.execPath, [RELAY_BIN, "--help"], { encoding: "utf8" });
    for (const flag of ["--host", "--port", "--db", "--in-memory", "--token-file", "--open", "--max-connection-bytes", "--max-account-bytes"]) {
      expect(out).toContain(flag);
    }
  });
});
