// The package's v2 record API (src/client/records.ts) beyond the vectors: what
// a wire item looks like, which key each kind takes, what a reader is told
// about a changed hint or a mangled envelope, what sealing refuses, and how
// verifyChain reports holes, forks and withheld tails across pages.
import { describe, expect, it } from "vitest";

import {
  GENESIS_PREV,
  checkTime,
  keyFor,
  openHead,
  openRecord,
  recordHash,
  sealRecord,
  verifyChain,
  type EntryRecord,
  type NewRecord,
  type SyncRecord,
  type WireItem,
} from "../src/client/records.js";
import { cryptoTesting } from "../src/testing.js";

const keys = cryptoTesting.keySetFromMasterKey(new Uint8Array(32).fill(7));
const other = cryptoTesting.keySetFromMasterKey(new Uint8Array(32).fill(8));
const NOW = Date.now();
const A = "0190f0a0-0000-7000-8000-00000000000a";
const B = "0190f0a0-0000-7000-8000-00000000000b";

function entry(deviceId: string, seq: number, prev: string, command = "ls"): Omit<EntryRecord, "hash"> {
  const id = `0190f0a1-7c2e-7b3a-9f10-${String(seq).padStart(12, "0")}`;
  return { kind: "entry", id, deviceId, seq, epoch: 1, prev, createdAt: NOW, body: { command } };
}

/** Seals `count` entries of one device as a chain; returns the wire items and the opened records. */
function chain(deviceId: string, count: number): { items: WireItem[]; records: SyncRecord[] } {
  const items: WireItem[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 0; seq < count; seq++) {
    const sealed = sealRecord(keys, entry(deviceId, seq, prev, `echo ${seq}`));
    items.push(sealed.item);
    prev = sealed.hash;
  }
  return { items, records: items.map((item) => openRecord(keys, item)) };
}

function head(deviceId: string, seq: number, prev: string): SyncRecord {
  const { item } = sealRecord(keys, { kind: "head", id: "head", deviceId, seq, epoch: 1, prev, createdAt: NOW, body: {} });
  return openHead(keys, { deviceId, seq, epoch: 1, envelope: item.envelope });
}

const nameOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).name;
  }
  return "no error";
};

describe("sealRecord and openRecord", () => {
  it("seal to a wire item of hints and a padded base64 envelope, and open to the record and its hash", () => {
    const record = entry(A, 0, GENESIS_PREV, "git status");
    const { item, hash } = sealRecord(keys, record);
    expect(Object.keys(item).sort()).toEqual(["deviceId", "envelope", "epoch", "id", "kind", "seq"]);
    expect(item).toMatchObject({ deviceId: A, seq: 0, kind: "entry", id: record.id, epoch: 1 });
    expect(Buffer.from(item.envelope, "base64")).toHaveLength(512 + 29);
    expect(hash).toBe(recordHash(item.envelope));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(openRecord(keys, item)).toEqual({ ...record, hash });
  });

  it("take each kind's key", () => {
    expect(keyFor("entry", keys)).toBe(keys.commandKey);
    expect(keyFor("delete", keys)).toBe(keys.commandKey);
    expect(keyFor("pref", keys)).toBe(keys.preferenceKey);
    expect(keyFor("device", keys)).toBe(keys.deviceKey);
    expect(keyFor("head", keys)).toBe(keys.deviceKey);
    expect(keyFor("retired", keys)).toBe(keys.deviceKey);
    const pref = sealRecord(keys, { ...entry(A, 0, GENESIS_PREV), kind: "pref", id: "theme", body: { value: "dark" } } as NewRecord).item;
    expect(nameOf(() => openRecord({ ...keys, preferenceKey: keys.commandKey }, pref))).toBe("AuthenticationFailed");
    expect(openRecord({ ...keys, commandKey: other.commandKey }, pref).body).toEqual({ value: "dark" });
    expect(nameOf(() => openRecord(other, sealRecord(keys, entry(A, 0, GENESIS_PREV)).item))).toBe("AuthenticationFailed");
  });

  it("refuse an item moved on the wire, of an unknown kind, or whose envelope is not canonical base64", () => {
    const { item } = sealRecord(keys, entry(A, 3, GENESIS_PREV));
    expect(nameOf(() => openRecord(keys, { ...item, seq: 4 }))).toBe("AuthenticationFailed");
    expect(nameOf(() => openRecord(keys, { ...item, deviceId: B }))).toBe("AuthenticationFailed");
    expect(nameOf(() => openRecord(keys, { ...item, kind: "future" }))).toBe("UnknownRecordKind");
    expect(nameOf(() => openRecord(keys, { ...item, envelope: `${item.envelope}!` }))).toBe("InvalidRecord");
    expect(nameOf(() => openRecord(keys, { ...item, envelope: item.envelope.slice(0, 40) }))).toBe("AuthenticationFailed");
  });

  it("refuse to seal what no reader would accept, and seal an opened record again", () => {
    const good = entry(A, 0, GENESIS_PREV);
    expect(nameOf(() => sealRecord(keys, { ...good, id: "" }))).toBe("InvalidRecord");
    expect(nameOf(() => sealRecord(keys, { ...good, epoch: 0 }))).toBe("InvalidRecord");
    expect(nameOf(() => sealRecord(keys, { ...good, seq: 1.5 }))).toBe("InvalidRecord");
    expect(nameOf(() => sealRecord(keys, { ...good, prev: "abc" }))).toBe("InvalidRecord");
    expect(nameOf(() => sealRecord(keys, { ...good, body: { command: "ls", durationMs: 2.5 } }))).toBe("InvalidRecord");
    expect(nameOf(() => sealRecord(keys, { ...good, kind: "head", id: "head", body: {}, seq: -1 } as NewRecord))).toBe("InvalidRecord");
    const opened = openRecord(keys, sealRecord(keys, good).item);
    expect(openRecord(keys, sealRecord(keys, opened).item)).toMatchObject(good);
  });
});

describe("verifyChain", () => {
  it("follows each device's chain in delivery order and resumes from a page's positions", () => {
    const a = chain(A, 3);
    const b = chain(B, 2);
    const interleaved = [a.records[0], b.records[0], a.records[1], b.records[1], a.records[2]] as SyncRecord[];
    const whole = verifyChain(interleaved);
    expect(whole).toEqual({
      positions: { [A]: { nextSeq: 3, lastHash: a.records[2]?.hash }, [B]: { nextSeq: 2, lastHash: b.records[1]?.hash } },
      broken: [],
      withheld: [],
      forks: [],
    });
    const first = verifyChain(interleaved.slice(0, 2));
    const second = verifyChain(interleaved.slice(2), first.positions);
    expect(second.positions).toEqual(whole.positions);
    expect(first.positions[A]?.nextSeq).toBe(1);
  });

  it("stops a device at a hole or a foreign prev and goes on with the others", () => {
    const a = chain(A, 3);
    const b = chain(B, 2);
    const hole = verifyChain([a.records[0], a.records[2], b.records[0], b.records[1]] as SyncRecord[]);
    expect(hole.broken).toEqual([{ deviceId: A, seq: 2, error: "OutOfSequence" }]);
    expect(hole.positions[B]?.nextSeq).toBe(2);
    const forged = openRecord(keys, sealRecord(keys, entry(A, 1, recordHash("AAAA"))).item);
    const fork = verifyChain([a.records[0], forged, a.records[2]] as SyncRecord[]);
    expect(fork.broken).toEqual([{ deviceId: A, seq: 1, error: "BrokenChain" }]);
    expect(fork.positions[A]).toEqual({ nextSeq: 1, lastHash: a.records[0]?.hash });
  });

  it("reports a head beyond the delivered records as withheld, and one naming another last record as a fork", () => {
    const a = chain(A, 3);
    const delivered = a.records.slice(0, 2);
    const lastHash = a.records[1]?.hash as string;
    expect(verifyChain([...delivered, head(A, 1, lastHash)])).toMatchObject({ withheld: [], forks: [] });
    expect(verifyChain([...delivered, head(A, 0, a.records[0]?.hash as string)])).toMatchObject({ withheld: [], forks: [] });
    expect(verifyChain([...delivered, head(A, 2, a.records[2]?.hash as string)]).withheld).toEqual([
      { deviceId: A, from: 2, to: 2 },
    ]);
    expect(verifyChain([head(B, 4, GENESIS_PREV)]).withheld).toEqual([{ deviceId: B, from: 0, to: 4 }]);
    expect(verifyChain([...delivered, head(A, 1, recordHash("AAAA"))]).forks).toEqual([{ deviceId: A, seq: 1 }]);
  });

  it("leaves the positions it was given untouched", () => {
    const a = chain(A, 2);
    const from = verifyChain(a.records.slice(0, 1)).positions;
    const before = structuredClone(from);
    verifyChain(a.records.slice(1), from);
    expect(from).toEqual(before);
  });
});

describe("checkTime", () => {
  it("accepts 1990 to a day ahead of now and refuses the rest", () => {
    expect(() => checkTime(NOW)).not.toThrow();
    expect(() => checkTime(631152000000)).not.toThrow();
    expect(nameOf(() => checkTime(631151999999))).toBe("TimeOutOfRange");
    expect(nameOf(() => checkTime(NOW + 2 * 86400000))).toBe("TimeOutOfRange");
    expect(nameOf(() => checkTime(5_000, 4_000 - 86_400_000 + 1_000))).toBe("TimeOutOfRange");
    expect(nameOf(() => checkTime(NOW + 0.5))).toBe("InvalidRecord");
  });
});
