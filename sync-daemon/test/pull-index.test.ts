// A pull reads the chunks after its cursor and loads the rest of the store's
// index only when it delivers entries: an entry deleted by a tombstone that was
// delivered earlier, from an older chunk, must stay hidden in a daemon that has
// just started and loaded nothing but each log's newest chunk.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Entry, Tombstone } from "../src/protocol/types.js";
import { startRelay } from "../src/relay/server.js";
import { b64, cleanupTemp, spawnDaemon, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

function entry(deviceId: string, createdAt: number): Entry {
  return { id: randomUUID(), deviceId, createdAt, envelope: b64(Buffer.concat([Buffer.from([1]), randomBytes(12 + 32)])) };
}

function cursor(positions: Record<string, number>): string {
  return Buffer.from(JSON.stringify({ v: 1, p: positions })).toString("base64url");
}

describe("pull after a cursor", () => {
  it("hides an entry whose tombstone lies in an older, not yet loaded chunk", async () => {
    const relay = await startRelay({ port: 0 });
    const seed = b64(randomBytes(32));
    const a = spawnDaemon(tempDir());
    const c = spawnDaemon(tempDir());
    const b = spawnDaemon(tempDir());
    try {
      await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a", create: true });
      const deleted = entry("dev-a", 1);
      const kept = entry("dev-a", 2);
      expect((await a.push([deleted, kept])).acknowledged).toBe(true);

      // dev-c's log: chunk 0 (1,000 items, one of them the tombstone), chunk 1 (one item).
      await c.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-c" });
      const first = Array.from({ length: 999 }, (_, i) => entry("dev-c", 10 + i));
      const tombstone: Tombstone = { id: deleted.id, deviceId: "dev-c", createdAt: 5_000, op: "delete" };
      expect((await c.push([...first, tombstone])).acknowledged).toBe(true);
      const last = entry("dev-c", 6_000);
      expect((await c.push([last])).acknowledged).toBe(true);

      // B has delivered all of dev-c (the tombstone included) and nothing of dev-a.
      await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
      const { entries } = await b.pullAll(cursor({ "dev-c": 1_001 }));
      expect(entries).toEqual([kept]);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
      await relay.close();
    }
  });
});
