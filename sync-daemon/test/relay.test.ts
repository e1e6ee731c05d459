// The relay binary: loopback by default, prints its URL, GET /health, clean SIGTERM.
import { afterAll, describe, expect, it } from "vitest";
import { startRelay } from "../src/relay/server.js";
import { cleanupTemp, spawnRelay, tempDir } from "./helpers.js";
import { join } from "node:path";
import { existsSync } from "node:fs";

afterAll(() => cleanupTemp());

describe("caro-sync-relay", () => {
  it("binds loopback, answers /health, exits 0 on SIGTERM", async () => {
    const db = join(tempDir("caro-relay-"), "relay.sqlite");
    const relay = await spawnRelay({ db });
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const http = relay.url.replace("ws:", "http:");
    const health = await fetch(`${http}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect((await fetch(`${http}/nope`)).status).toBe(404);
    const exit = new Promise<number | null>((r) => relay.child.once("exit", (code) => r(code)));
    relay.child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(existsSync(db)).toBe(true);
  });

  it("startRelay(): url and close()", async () => {
    const relay = await startRelay({ port: 0 });
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(relay.url.replace("ws:", "http:") + "/health")).status).toBe(200);
    await relay.close();
    await expect(fetch(relay.url.replace("ws:", "http:") + "/health")).rejects.toThrow();
  });
});
