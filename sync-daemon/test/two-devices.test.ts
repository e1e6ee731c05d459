// Two daemons with separate stores and the same seed: A pushes 10,000 entries in
// batches, B pulls all of them byte for byte; B is notified of A's pushes.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncClient } from "../src/client/SyncClient.js";
import type { Entry } from "../src/protocol/types.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, spawnDaemon, tempDir, waitFor } from "./helpers.js";

let relay: Relay;
let a: SyncClient;
let b: SyncClient;
const seed = b64(randomBytes(32));

// Envelope-shaped blobs (version 1, 12-byte nonce, ciphertext+tag) of varying size.
function envelope(i: number): string {
  const body = randomBytes(16 + 180 + (i % 97));
  return b64(Buffer.concat([Buffer.from([1]), randomBytes(12), body]));
}

beforeAll(async () => {
  relay = await startRelay({ port: 0 });
  a = spawnDaemon(tempDir());
  b = spawnDaemon(tempDir());
  expect(await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a", create: true })).toMatchObject({ state: "ONLINE" });
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await relay?.close();
  cleanupTemp();
});

describe("two devices, same seed", () => {
  const entries: Entry[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: randomUUID(),
    deviceId: "dev-a",
    createdAt: 1_763_790_000_000 + i,
    envelope: envelope(i),
  }));

  it("A pushes 10,000 entries in batches; all acknowledged", async () => {
    for (let i = 0; i < entries.length; i += 500) {
      const r = await a.push(entries.slice(i, i + 500));
      expect(r).toEqual({ accepted: 500, duplicates: 0, rejected: [], acknowledged: true });
    }
    // Pushing again stores nothing twice.
    const again = await a.push(entries.slice(0, 1000));
    expect(again).toEqual({ accepted: 0, duplicates: 1000, rejected: [], acknowledged: true });
    expect((await a.health()).storage.entries).toBe(10_000);
    expect((await a.status()).pending).toBe(0);
  });

  it("B (fresh store) pulls all 10,000 byte for byte, in A's order", async () => {
    const init = await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
    expect(init.state).toBe("ONLINE");
    const { entries: got, cursor } = await b.pullAll(null, { limit: 2500 });
    expect(got.length).toBe(10_000);
    expect(got).toEqual(entries);
    const again = await b.pull(cursor);
    expect(again.entries).toEqual([]);
    expect(again.hasMore).toBe(false);
  });

  it("B is notified when A pushes, and pulls exactly the new entries", async () => {
    await b.subscribe();
    const { cursor } = await b.pullAll(null);
    const changed = new Promise<{ devices: string[] }>((r) => b.once("sync.changed", r));
    const fresh: Entry[] = [{ id: randomUUID(), deviceId: "dev-a", createdAt: 1, envelope: envelope(1) }];
    expect((await a.push(fresh)).acknowledged).toBe(true);
    expect((await changed).devices).toEqual(["dev-a"]);
    const got = await waitFor(async () => {
      const r = await b.pull(cursor);
      return r.entries.length ? r : undefined;
    }, 10_000, "B to see the new entry");
    expect(got.entries).toEqual(fresh);
  });

  it("B's pushes and tombstones reach A; A stops seeing a deleted entry", async () => {
    const fromB: Entry = { id: randomUUID(), deviceId: "dev-b", createdAt: 2, envelope: envelope(2) };
    expect((await b.push([fromB, { id: entries[0].id, deviceId: "dev-b", createdAt: 3, op: "delete" }])).acknowledged).toBe(true);
    const all = await waitFor(async () => {
      const r = await a.pullAll(null, { limit: 10_000 });
      return r.entries.some((e) => e.id === fromB.id) ? r.entries : undefined;
    }, 10_000, "A to see B's entry");
    expect(all.filter((e) => e.id === entries[0].id)).toEqual([{ id: entries[0].id, deviceId: "dev-b", createdAt: 3, op: "delete" }]);
    expect(all.length).toBe(10_000 + 1 + 1);
  });
});
