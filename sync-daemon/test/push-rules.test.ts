// sync.push's seq rules on this device's own log (PROTOCOL.md): the next seq is
// appended, an earlier one is a duplicate (same record) or a seq-conflict (not),
// a later one a seq-gap, another device's record wrong-device; a head is stored
// only when it names the log's last record. A copied home (two daemons writing
// one device's log) shows as a fork on every other device.
import { cpSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncClient } from "../src/client/SyncClient.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, head, record, records, spawnDaemon, tempDir, waitFor } from "./helpers.js";

let relay: Relay;
let a: SyncClient;
const seed = b64(randomBytes(32));
const dirA = tempDir();
const clients: SyncClient[] = [];

beforeAll(async () => {
  relay = await startRelay({ port: 0 });
  a = spawnDaemon(dirA);
  clients.push(a);
  await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a", create: true });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await relay?.close();
  cleanupTemp();
});

describe("sync.push on the own log", () => {
  const first = records("dev-a", 0, 3);

  it("appends the next seqs and says where the log ends", async () => {
    expect(await a.push(first, { head: head(2) })).toEqual({ accepted: 3, duplicates: 0, rejected: [], acknowledged: true, nextSeq: 3 });
    expect(await a.push([], {})).toMatchObject({ accepted: 0, nextSeq: 3 });
  });

  it("tells duplicates, conflicts, gaps and other devices' records apart, item by item", async () => {
    const next = record("dev-a", 3);
    const r = await a.push([
      first[1],
      { ...first[2], envelope: record("dev-a", 2).envelope },
      { ...first[0], kind: "delete" },
      next,
      next,
      { ...next, id: "another" },
      record("dev-a", 9),
      record("dev-b", 4),
    ]);
    expect(r.accepted).toBe(1);
    expect(r.duplicates).toBe(2);
    expect(r.nextSeq).toBe(4);
    expect(r.acknowledged).toBe(true);
    expect(r.rejected.map((x) => [x.seq, x.kind])).toEqual([
      [2, "seq-conflict"],
      [0, "seq-conflict"],
      [3, "seq-conflict"],
      [9, "seq-gap"],
      [4, "wrong-device"],
    ]);
    const pulled = await a.pullAll(null);
    expect(pulled.items).toEqual([...first, next]);
  });

  it("stores a head only when it names the last record", async () => {
    const stored = await a.pullAll(null);
    expect(stored.heads.map((h) => h.seq)).toEqual([2]);
    const ahead = await a.push([], { head: head(7) });
    expect(ahead.rejected).toEqual([{ seq: 7, id: "head", kind: "seq-gap", message: expect.any(String) }]);
    const stale = await a.push([], { head: head(1) });
    expect(stale.rejected).toEqual([{ seq: 1, id: "head", kind: "seq-conflict", message: expect.any(String) }]);
    expect((await a.pullAll(null)).heads.map((h) => h.seq)).toEqual([2]);
    const h = head(3);
    expect((await a.push([], { head: h })).rejected).toEqual([]);
    expect((await a.pullAll(null)).heads).toEqual([{ deviceId: "dev-a", ...h }]);
  });

  it("a copied home writing the same seq is reported as a fork on another device", async () => {
    await a.close();
    const dirCopy = tempDir();
    cpSync(dirA, dirCopy, { recursive: true });
    a = spawnDaemon(dirA);
    const copy = spawnDaemon(dirCopy);
    const b = spawnDaemon(tempDir());
    clients.push(a, copy, b);
    await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a" });
    await copy.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a" });
    const mine = record("dev-a", 4);
    const theirs = record("dev-a", 4);
    expect(await a.push([mine])).toMatchObject({ accepted: 1, acknowledged: true });
    expect(await copy.push([theirs])).toMatchObject({ accepted: 1, acknowledged: true });
    await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
    const seen = await waitFor(async () => {
      const r = await b.pullAll(null);
      return r.forks.length ? r : undefined;
    }, 10_000, "B to see the fork");
    expect(seen.forks).toEqual([{ deviceId: "dev-a", seq: 4 }]);
    expect(seen.items.length).toBe(5);
    expect([mine, theirs]).toContainEqual(seen.items[4]);
  });
});
