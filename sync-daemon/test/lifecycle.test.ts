// Process lifecycle: SIGTERM and stdin EOF exit 0 and release the lock; state after restart.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, spawnDaemon, tempDir } from "./helpers.js";

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({ port: 0 });
});
afterAll(async () => {
  await relay.close();
  cleanupTemp();
});

describe("daemon lifecycle", () => {
  it("SIGTERM: exit 0, lock released; stdin EOF: exit 0; restart loads from disk", async () => {
    const dir = tempDir();
    const seed = b64(randomBytes(32));
    const a = spawnDaemon(dir);
    await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a", create: true });
    expect(existsSync(join(dir, "daemon.lock"))).toBe(true);
    const code = new Promise((r) => a.child.once("exit", (c) => r(c)));
    a.child.kill("SIGTERM");
    expect(await code).toBe(0);
    expect(existsSync(join(dir, "daemon.lock"))).toBe(false);

    const b = spawnDaemon(dir);
    const st = await b.status();
    expect(st.state).toBe("UNINITIALIZED");
    expect((await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a" })).state).toBe("ONLINE");
    const code2 = new Promise((r) => b.child.once("exit", (c) => r(c)));
    b.child.stdin!.end();
    expect(await code2).toBe(0);
    expect(existsSync(join(dir, "daemon.lock"))).toBe(false);
  });

  it("a stale lock (dead pid) is taken over", async () => {
    const dir = tempDir();
    const seed = b64(randomBytes(32));
    const a = spawnDaemon(dir);
    await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a", create: true });
    await a.kill("SIGKILL");
    expect(existsSync(join(dir, "daemon.lock"))).toBe(true);
    const b = spawnDaemon(dir);
    expect((await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a" })).state).toBe("ONLINE");
    await b.close();
  });
});
