// Real v2 records end to end: A seals a chain of every kind with the package's
// record API and pushes it with its sealed head through its daemon; a fresh
// device reads the user's history the way a JS tool would (pullAll, openRecord,
// verifyChain): every record opens, the chain and the head agree.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { GENESIS_PREV, openHead, openRecord, sealRecord, verifyChain, type NewRecord } from "../src/client/records.js";
import { deriveKeys, generatePhrase } from "../src/crypto.js";
import type { HeadItem, RecordItem } from "../src/protocol/types.js";
import { startRelay } from "../src/relay/server.js";
import { b64, cleanupTemp, spawnDaemon, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

const keys = deriveKeys(generatePhrase());
const T = 1_763_790_000_000;

/** Seals `bodies` as dev-a's chain from seq 0; returns the items and the head after them. */
function chain(bodies: Omit<NewRecord, "deviceId" | "seq" | "epoch" | "prev" | "createdAt">[]): { items: RecordItem[]; head: HeadItem } {
  let prev = GENESIS_PREV;
  const items = bodies.map((b, seq) => {
    const { item, hash } = sealRecord(keys, { ...b, deviceId: "dev-a", seq, epoch: 1, prev, createdAt: T + seq } as NewRecord);
    prev = hash;
    return item;
  });
  const last = items.length - 1;
  const sealedHead = sealRecord(keys, { kind: "head", id: "head", deviceId: "dev-a", seq: last, epoch: 1, prev, createdAt: T + last, body: {} });
  return { items, head: { seq: last, epoch: 1, envelope: sealedHead.item.envelope } };
}

describe("a user's history through two daemons", () => {
  it("opens record by record, and the chain and head check out", async () => {
    const relay = await startRelay({ port: 0 });
    const a = spawnDaemon(tempDir());
    const b = spawnDaemon(tempDir());
    try {
      const jazzAuthKey = b64(keys.jazzAuthKey);
      await a.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-a", create: true });
      const kept = randomUUID();
      const deleted = randomUUID();
      const { items, head } = chain([
        { kind: "device", id: "dev-a", body: { name: "laptop", platform: "linux" } },
        { kind: "entry", id: kept, body: { command: "git status", cwd: "/src", exitCode: 0 } },
        { kind: "entry", id: deleted, body: { command: "echo secret" } },
        { kind: "delete", id: deleted, body: {} },
        { kind: "pref", id: "secrets_filter", body: { value: true } },
      ]);
      expect(await a.push(items, { head })).toMatchObject({ accepted: 5, rejected: [], acknowledged: true, nextSeq: 5 });

      await b.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-b" });
      const pulled = await b.pullAll(null);
      expect(pulled.items).toEqual(items);
      const records = pulled.items.map((i) => openRecord(keys, i));
      expect(records.map((r) => [r.kind, r.id, r.seq])).toEqual([
        ["device", "dev-a", 0],
        ["entry", kept, 1],
        ["entry", deleted, 2],
        ["delete", deleted, 3],
        ["pref", "secrets_filter", 4],
      ]);
      expect(records[1].body).toEqual({ command: "git status", cwd: "/src", exitCode: 0 });
      const heads = pulled.heads.map((h) => openHead(keys, h));
      const report = verifyChain([...records, ...heads]);
      expect(report).toMatchObject({ broken: [], withheld: [], forks: [] });
      expect(report.positions["dev-a"]).toEqual({ nextSeq: 5, lastHash: records[4].hash });
      expect([pulled.gaps, pulled.forks]).toEqual([[], []]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await relay.close();
    }
  });
});
