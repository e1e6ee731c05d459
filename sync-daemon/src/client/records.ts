// Sync protocol v2's records for JS (V2.md §1): seal a record into a wire item,
// open a wire item into a typed record, hash envelopes, check a device's chain
// and the time policy. Sealing, opening and the format's rules run in
// crypto-core's WASM build, the same code the caro CLI runs natively, so a
// record JS writes is one the CLI reads and the reverse. Only the chain check
// is plain TypeScript: it compares numbers and hashes.
//
// Every failure is thrown as an `Error` whose `name` is crypto-core's error kind.

import { cryptoCore, type KeySet } from "../crypto.js";

/** What a record is; each kind is sealed under one key of the `KeySet`. */
export type RecordKind = "entry" | "delete" | "pref" | "device" | "head" | "retired";

/** The fields every record has. */
interface RecordFields {
  /** entry: the entry's UUIDv7; delete: the deleted entry's; pref: the preference's name; device: the device id; head: "head"; retired: "retired". */
  id: string;
  /** The author, whose log holds the record. */
  deviceId: string;
  /** Position in the author's log: 0, 1, 2… without holes. */
  seq: number;
  /** The key epoch (1 until keys rotate). */
  epoch: number;
  /** `recordHash` of the previous record's envelope in the author's log, or `GENESIS_PREV`. */
  prev: string;
  /** Unix ms. */
  createdAt: number;
  /** `recordHash` of this record's envelope (not part of the plaintext): the next record's `prev`. */
  hash: string;
}

/** A command of history. Fields this version does not know are kept in the object. */
export interface EntryBody {
  command: string;
  prompt?: string;
  explanation?: string;
  executed?: boolean;
  success?: boolean;
  /** An integer. */
  exitCode?: number;
  /** An integer. */
  durationMs?: number;
  cwd?: string;
  shell?: string;
  platform?: string;
  hostname?: string;
  /** The author's rating; readers rate again. */
  safetyLevel?: string;
  safetyWarnings?: string[];
  tags?: string[];
  /** The device that recorded it, when another device's log carries it (a key rotation). */
  recordedBy?: string;
  [field: string]: unknown;
}

export interface EntryRecord extends RecordFields {
  kind: "entry";
  body: EntryBody;
}
/** The deletion of the entry whose id is `id`. */
export interface DeleteRecord extends RecordFields {
  kind: "delete";
  body: Record<string, unknown>;
}
/** A preference's new value (any JSON; `null` included). */
export interface PrefRecord extends RecordFields {
  kind: "pref";
  body: { value: unknown; [field: string]: unknown };
}
/** How the device `id` (= `deviceId`) calls itself. */
export interface DeviceRecord extends RecordFields {
  kind: "device";
  body: { name: string; platform: string; [field: string]: unknown };
}
/** The seq and hash of the last record of its author's log; not itself in the chain. */
export interface HeadRecord extends RecordFields {
  kind: "head";
  id: "head";
  body: Record<string, unknown>;
}
/**
 * The account's retirement notice (its keys were rotated): the last record of
 * its author's log. Says why and which device ids were removed, nothing of the
 * new keys; a reader stops syncing this account when it meets one.
 */
export interface RetiredRecord extends RecordFields {
  kind: "retired";
  id: "retired";
  body: { reason: "rotated" | "device-removed"; removedDevices: string[]; [field: string]: unknown };
}
export type SyncRecord = EntryRecord | DeleteRecord | PrefRecord | DeviceRecord | HeadRecord | RetiredRecord;

type WithoutHash<R> = R extends unknown ? Omit<R, "hash"> : never;
/** A record to seal: a `SyncRecord` without the `hash` of an envelope that does not exist yet. */
export type NewRecord = WithoutHash<SyncRecord>;

/** A record on the wire (V2.md §2): the hints in the clear and the base64 envelope. */
export interface WireItem {
  deviceId: string;
  seq: number;
  kind: string;
  id: string;
  epoch: number;
  envelope: string;
}

/** A device's head as `sync.pull` returns it: a wire item without kind and id, which are "head". */
export interface WireHead {
  deviceId: string;
  seq: number;
  epoch: number;
  envelope: string;
}

/** The `prev` of a log's first record. */
export const GENESIS_PREV = "0".repeat(64);

const KEY_OF: Record<RecordKind, keyof KeySet> = {
  entry: "commandKey",
  delete: "commandKey",
  pref: "preferenceKey",
  device: "deviceKey",
  head: "deviceKey",
  retired: "deviceKey",
};

function error(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** The key a record of `kind` is sealed under; throws `UnknownRecordKind`. */
export function keyFor(kind: string, keys: KeySet): Uint8Array {
  const name = Object.hasOwn(KEY_OF, kind) ? KEY_OF[kind as RecordKind] : undefined;
  if (name === undefined) {
    throw error("UnknownRecordKind", `unknown record kind "${kind}" (this build knows entry, delete, pref, device, head and retired)`);
  }
  return keys[name] as Uint8Array;
}

function recordJson(record: NewRecord | SyncRecord): string {
  const { kind, id, deviceId, seq, epoch, prev, createdAt, body } = record;
  return JSON.stringify({ kind, id, deviceId, seq, epoch, prev, createdAt, body });
}

function hintsJson(item: Omit<WireItem, "envelope">): string {
  const { kind, id, deviceId, seq, epoch } = item;
  return JSON.stringify({ kind, id, deviceId, seq, epoch });
}

function envelopeBytes(envelope: string): Uint8Array {
  const bytes = typeof envelope === "string" ? Buffer.from(envelope, "base64") : undefined;
  // Buffer skips what is not base64; a reader that did not would see other bytes.
  if (bytes === undefined || bytes.toString("base64") !== envelope) {
    throw error("InvalidRecord", "the item's envelope is not canonical base64");
  }
  return bytes;
}

/**
 * Seals a record under its kind's key, its AAD built from its own hints, and
 * returns the wire item to push and the envelope's hash (the next record's `prev`).
 */
export function sealRecord(keys: KeySet, record: NewRecord): { item: WireItem; hash: string } {
  const envelope = cryptoCore.sealRecord(keyFor(record.kind, keys), recordJson(record));
  const { deviceId, seq, kind, id, epoch } = record;
  return {
    item: { deviceId, seq, kind, id, epoch, envelope: Buffer.from(envelope).toString("base64") },
    hash: cryptoCore.recordHash(envelope),
  };
}

/**
 * Opens a wire item under its hints with its kind's key: throws
 * `AuthenticationFailed` (wrong key, a hint changed, tampered bytes),
 * `InvalidRecord`, `UnsupportedRecordVersion`, `UnknownRecordKind` or
 * `HintMismatch`. The time policy is separate: `checkTime`.
 */
export function openRecord(keys: KeySet, item: WireItem): SyncRecord {
  const envelope = envelopeBytes(item.envelope);
  const text = cryptoCore.openRecord(keyFor(item.kind, keys), hintsJson(item), envelope);
  return { ...(JSON.parse(text) as Omit<SyncRecord, "hash">), hash: cryptoCore.recordHash(envelope) } as SyncRecord;
}

/** Opens a device's head from `sync.pull`'s `heads`. */
export function openHead(keys: KeySet, head: WireHead): HeadRecord {
  return openRecord(keys, { ...head, kind: "head", id: "head" }) as HeadRecord;
}

/** Lowercase hex SHA-256 of an envelope (bytes, or the wire's base64). Needs no key. */
export function recordHash(envelope: Uint8Array | string): string {
  return cryptoCore.recordHash(typeof envelope === "string" ? envelopeBytes(envelope) : envelope);
}

/** Throws `TimeOutOfRange` unless `createdAt` is from 1990-01-01 to a day after `nowMs`. */
export function checkTime(createdAt: number, nowMs: number = Date.now()): void {
  cryptoCore.checkTime(createdAt, nowMs);
}

/** How far a device's chain is verified: the next seq it needs and the hash of the last record. */
export interface ChainPosition {
  nextSeq: number;
  lastHash: string;
}

/** What `verifyChain` found. */
export interface ChainReport {
  /** Per device, where its chain stands; feed it back as `from` for the next page. */
  positions: Record<string, ChainPosition>;
  /** A device whose record did not follow: a hole (`OutOfSequence`) or a fork or forgery (`BrokenChain`). Later records of that device are not verified. */
  broken: { deviceId: string; seq: number; error: "OutOfSequence" | "BrokenChain" }[];
  /** A head says the device wrote records `from`..`to` that were not delivered. */
  withheld: { deviceId: string; from: number; to: number }[];
  /** A head names another last record than the one delivered at its seq. */
  forks: { deviceId: string; seq: number }[];
}

/**
 * Checks opened records (in delivery order, any devices mixed) against each
 * device's chain: seq is the device's next, prev the hash of its previous
 * record (`GENESIS_PREV` before seq 0). Heads are compared with where each
 * chain ends. `from` carries the positions of earlier pages.
 */
export function verifyChain(records: readonly SyncRecord[], from: Record<string, ChainPosition> = {}): ChainReport {
  const positions: Record<string, ChainPosition> = structuredClone(from);
  const report: ChainReport = { positions, broken: [], withheld: [], forks: [] };
  const broken = new Set<string>();
  const heads: HeadRecord[] = [];
  for (const record of records) {
    if (record.kind === "head") {
      heads.push(record);
      continue;
    }
    if (broken.has(record.deviceId)) continue;
    const at = (positions[record.deviceId] ??= { nextSeq: 0, lastHash: GENESIS_PREV });
    const error = record.seq !== at.nextSeq ? "OutOfSequence" : record.prev !== at.lastHash ? "BrokenChain" : undefined;
    if (error !== undefined) {
      broken.add(record.deviceId);
      report.broken.push({ deviceId: record.deviceId, seq: record.seq, error });
      continue;
    }
    at.nextSeq += 1;
    at.lastHash = record.hash;
  }
  for (const head of heads) {
    if (broken.has(head.deviceId)) continue;
    const at = positions[head.deviceId] ?? { nextSeq: 0, lastHash: GENESIS_PREV };
    if (head.seq >= at.nextSeq) {
      report.withheld.push({ deviceId: head.deviceId, from: at.nextSeq, to: head.seq });
    } else if (head.seq === at.nextSeq - 1 && head.prev !== at.lastHash) {
      report.forks.push({ deviceId: head.deviceId, seq: head.seq });
    }
  }
  return report;
}

/**
 * Deterministic entry points for test vectors, exported only through the
 * `caro-sync-daemon/testing` subpath. Never seal real data with a chosen nonce.
 */
export const recordsTesting = {
  sealRecordWithNonce: (key: Uint8Array, nonce: Uint8Array, record: NewRecord): Uint8Array =>
    cryptoCore.sealRecordWithNonce(key, nonce, recordJson(record)),
  /** The padded canonical plaintext `sealRecord` encrypts. */
  recordPlaintext: (record: NewRecord): Uint8Array => cryptoCore.recordPlaintext(recordJson(record)),
  /** The AAD of a record's hints. */
  recordAad: (hints: Omit<WireItem, "envelope">): Uint8Array => cryptoCore.recordAad(hintsJson(hints)),
};
