// Two daemons with separate stores and the same seed: A pushes 10,000 records in
// batches with its head, B pulls all of them byte for byte with A's head; B is
// notified of A's pushes; each pull carries every device's records, the puller's
// own included.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncClient } from "../src/client/SyncClient.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, head, record, records, spawnDaemon, tempDir, waitFor } from "./helpers.js";

let relay: Relay;
let a: SyncClient;
let b: SyncClient;
const seed = b64(randomBytes(32));

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
  const fromA = records("dev-a", 0, 10_000);
  let headA = head(9_999);

  it("A pushes 10,000 records in batches with its head; all acknowledged", async () => {
    for (let i = 0; i < fromA.length; i += 500) {
      const h = i + 500 === fromA.length ? headA : head(i + 499);
      const r = await a.push(fromA.slice(i, i + 500), { head: h });
      expect(r).toEqual({ accepted: 500, duplicates: 0, rejected: [], acknowledged: true, nextSeq: i + 500 });
    }
    // Pushing again stores nothing twice.
    const again = await a.push(fromA.slice(0, 1000));
    expect(again).toEqual({ accepted: 0, duplicates: 1000, rejected: [], acknowledged: true, nextSeq: 10_000 });
    expect((await a.health()).storage.entries).toBe(10_000);
    expect((await a.status()).pending).toBe(0);
  });

  it("B (fresh store) pulls all 10,000 byte for byte, in A's order, with A's head", async () => {
    const init = await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
    expect(init.state).toBe("ONLINE");
    const got = await b.pullAll(null, { limit: 2500 });
    expect(got.items.length).toBe(10_000);
    expect(got.items).toEqual(fromA);
    expect(got.heads).toEqual([{ deviceId: "dev-a", ...headA }]);
    expect(got.gaps).toEqual([]);
    expect(got.forks).toEqual([]);
    const again = await b.pull(got.cursor);
    expect(again).toMatchObject({ items: [], hasMore: false, cursor: got.cursor });
  });

  it("B is notified when A pushes, and pulls exactly the new record and the new head", async () => {
    await b.subscribe();
    const { cursor } = await b.pullAll(null);
    const changed = new Promise<{ devices: string[] }>((r) => b.once("sync.changed", r));
    const fresh = [record("dev-a", 10_000)];
    headA = head(10_000);
    expect((await a.push(fresh, { head: headA })).acknowledged).toBe(true);
    expect((await changed).devices).toEqual(["dev-a"]);
    const got = await waitFor(async () => {
      const r = await b.pull(cursor);
      return r.items.length ? r : undefined;
    }, 10_000, "B to see the new record");
    expect(got.items).toEqual(fresh);
    expect(got.heads).toEqual([{ deviceId: "dev-a", ...headA }]);
  });

  it("B's records reach A, and A's pull carries its own records too", async () => {
    const fromB = [record("dev-b", 0), record("dev-b", 1, { kind: "delete", id: fromA[0].id, bytes: 300 })];
    const headB = head(1);
    expect(await b.push(fromB, { head: headB })).toMatchObject({ accepted: 2, acknowledged: true, nextSeq: 2 });
    const all = await waitFor(async () => {
      const r = await a.pullAll(null, { limit: 10_000 });
      return r.items.length === 10_003 ? r : undefined;
    }, 10_000, "A to see B's records");
    expect(all.items.filter((i) => i.deviceId === "dev-b")).toEqual(fromB);
    expect(all.items.filter((i) => i.deviceId === "dev-a").length).toBe(10_001);
    expect(all.heads).toEqual([
      { deviceId: "dev-a", ...headA },
      { deviceId: "dev-b", ...headB },
    ]);
  });
});
