// Create exactly once; a wrong seed never makes a new, empty account.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DaemonError, type SyncClient } from "../src/client/SyncClient.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, spawnDaemon, tempDir } from "./helpers.js";

let relay: Relay;
const clients: SyncClient[] = [];
const open = () => {
  const c = spawnDaemon(tempDir());
  clients.push(c);
  return c;
};
const kindOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    return (e as DaemonError).kind;
  }
};

beforeAll(async () => {
  relay = await startRelay({ port: 0 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await relay.close();
  cleanupTemp();
});

describe("accounts", () => {
  it("create is refused with account-exists when the relay has the account", async () => {
    const seed = b64(randomBytes(32));
    const a = open();
    const created = await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a", create: true });
    expect(created.state).toBe("ONLINE");
    const b = open();
    expect(await kindOf(b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "b", create: true }))).toBe("account-exists");
    // The refused daemon is still usable: a load works and gives the same account.
    const loaded = await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "b" });
    expect(loaded.accountId).toBe(created.accountId);
  });

  it("a load with an unknown seed gives account-not-found within 5 s and leaves nothing behind", async () => {
    const dir = tempDir();
    const c = spawnDaemon(dir);
    clients.push(c);
    const t0 = Date.now();
    expect(await kindOf(c.init({ relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: "c" }))).toBe("account-not-found");
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await c.status()).state).toBe("UNINITIALIZED");
    expect(existsSync(join(dir, "meta.json"))).toBe(false);
    expect(existsSync(join(dir, "jazz.sqlite"))).toBe(false);
  });

  it("relay unreachable: create and first load fail with relay-unreachable", async () => {
    const dead = await startRelay({ port: 0 });
    const url = dead.url;
    await dead.close();
    const d = open();
    const seed = b64(randomBytes(32));
    expect(await kindOf(d.init({ relay: url, jazzAuthKey: seed, deviceId: "d", create: true }))).toBe("relay-unreachable");
    expect(await kindOf(d.init({ relay: url, jazzAuthKey: seed, deviceId: "d" }))).toBe("relay-unreachable");
  });

  it("one daemon per data directory", async () => {
    const dir = tempDir();
    const seed = b64(randomBytes(32));
    const first = spawnDaemon(dir);
    const second = spawnDaemon(dir);
    clients.push(first, second);
    await first.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "e", create: true });
    expect(await kindOf(second.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "e" }))).toBe("store-locked");
    await first.close();
    // The lock is released on shutdown; the store opens offline-capable from disk.
    const again = await second.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "e" });
    expect(again.state).toBe("ONLINE");
  });

  it("a store of another account is refused with account-mismatch", async () => {
    const dir = tempDir();
    const x = spawnDaemon(dir);
    await x.init({ relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: "f", create: true });
    await x.close();
    const y = spawnDaemon(dir);
    clients.push(y);
    expect(await kindOf(y.init({ relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: "f" }))).toBe("account-mismatch");
  });
});
