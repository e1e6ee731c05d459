// test-vectors/records-v2.json decided by an implementation that shares no
// code with crypto-core: node:crypto's AES-256-GCM and SHA-256, the strict JSON
// reader and canonical JSON of crypto-independent-json.ts, and the record rules
// of test-vectors/README.md written out again here. Every case must come out
// as the vectors say: the same bytes when sealing, the same record or the same
// error kind when opening, the same first failure of a chain.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { canonical, nodeOpen, nodeSeal, parseJson, type Json } from "./crypto-independent-json.js";

type Obj = Record<string, unknown>;
type Test = Obj & { tcId: number; comment: string; result: "valid" | "invalid"; error?: string };
interface Group extends Obj {
  type: string;
  tests: Test[];
}

const root = JSON.parse(readFileSync(new URL("../../test-vectors/records-v2.json", import.meta.url), "utf8")) as {
  numberOfTests: number;
  testGroups: Group[];
};
const hex = (value: unknown): Buffer => Buffer.from(value as string, "hex");
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

class Refused extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
const refuse = (kind: string, message: string, field?: string): never => {
  throw new Refused(kind, message, field);
};
const invalid = (message: string): never => refuse("InvalidRecord", message);

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;
const SAFE = 2n ** 53n - 1n;
const KINDS = ["entry", "delete", "pref", "device", "head", "retired"];
const FIELDS = ["body", "createdAt", "deviceId", "epoch", "id", "kind", "pad", "prev", "seq", "v"];

/** Strict JSON to plain values: integers become bigints; duplicates and non-integers are refused. */
function plain(json: Json): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map(plain);
  if ("num" in json) {
    if (!/^-?(?:0|[1-9]\d*)$/.test(json.num)) invalid(`${json.num} is not an integer`);
    const n = BigInt(json.num);
    if (n < I64_MIN || n > U64_MAX) invalid(`${json.num} is beyond 64 bits`);
    return n;
  }
  const seen = new Set<string>();
  for (const [key] of json.pairs) {
    if (seen.has(key)) invalid(`the key "${key}" appears twice`);
    seen.add(key);
  }
  return Object.fromEntries(json.pairs.map(([key, value]) => [key, plain(value)]));
}

const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function entryBody(body: Obj): void {
  const strings = ["command", "prompt", "explanation", "cwd", "shell", "platform", "hostname", "safetyLevel"];
  for (const [field, value] of Object.entries(body)) {
    if (value === null) continue;
    const ok = strings.includes(field)
      ? typeof value === "string"
      : ["executed", "success"].includes(field)
        ? typeof value === "boolean"
        : ["exitCode", "durationMs"].includes(field)
          ? typeof value === "bigint" && value >= I64_MIN && value <= I64_MAX
          : ["safetyWarnings", "tags"].includes(field)
            ? Array.isArray(value) && value.every((v) => typeof v === "string")
            : true;
    if (!ok) invalid(`entry body: ${field} has the wrong type`);
  }
  if (typeof body.command !== "string") invalid("entry body: missing command");
}

/** The rules of README.md#records-v2json, steps 2 to 6. */
function decode(plaintext: Uint8Array, hints: Obj): Obj {
  let json: Json;
  try {
    json = parseJson(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch (e) {
    return invalid(String(e));
  }
  const r = plain(json);
  if (!isObject(r)) return invalid("not an object");
  if (!("v" in r)) invalid("missing v");
  if (typeof r.v !== "bigint" || r.v < 0n) invalid("v is not a version number");
  if (r.v !== 2n) refuse("UnsupportedRecordVersion", `v ${String(r.v)}`);
  const unknown = Object.keys(r).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) invalid(`unknown field ${unknown}`);
  const need = (field: string, ok: (v: unknown) => boolean) => {
    if (!(field in r) || !ok(r[field])) invalid(`${field} missing or of the wrong type`);
  };
  need("kind", (v) => typeof v === "string");
  if (!KINDS.includes(r.kind as string)) refuse("UnknownRecordKind", `kind ${String(r.kind)}`);
  need("id", (v) => typeof v === "string");
  need("deviceId", (v) => typeof v === "string");
  need("seq", (v) => typeof v === "bigint" && v >= 0n);
  need("epoch", (v) => typeof v === "bigint" && v >= 0n && v < 2n ** 32n);
  need("prev", (v) => typeof v === "string");
  need("createdAt", (v) => typeof v === "bigint" && v >= I64_MIN && v <= I64_MAX);
  need("body", () => true);
  need("pad", (v) => typeof v === "string");
  if (!/^ *$/.test(r.pad as string)) invalid("pad holds more than spaces");
  const chars = (s: unknown) => [...(s as string)].length;
  if (chars(r.id) < 1 || chars(r.id) > 256) invalid("id length");
  if (chars(r.deviceId) < 1 || chars(r.deviceId) > 128) invalid("deviceId length");
  if ((r.seq as bigint) > SAFE) invalid("seq beyond 2^53 - 1");
  if (r.epoch === 0n) invalid("epoch 0");
  const createdAt = r.createdAt as bigint;
  if (createdAt > SAFE || createdAt < -SAFE) invalid("createdAt beyond 2^53 - 1");
  if (!/^[0-9a-f]{64}$/.test(r.prev as string)) invalid("prev is not a hash");
  if (r.kind === "head" && r.id !== "head") invalid("head id");
  if (r.kind === "device" && r.id !== r.deviceId) invalid("device id");
  if (r.kind === "retired" && r.id !== "retired") invalid("retired id");
  const body = r.body;
  if (!isObject(body)) return invalid("body is not an object");
  if (r.kind === "entry") entryBody(body);
  if (r.kind === "device" && (typeof body.name !== "string" || typeof body.platform !== "string")) invalid("device body");
  if (r.kind === "pref" && !("value" in body)) invalid("pref body without value");
  if (r.kind === "retired") retiredBody(body);
  for (const field of ["deviceId", "epoch", "id", "kind", "seq"]) {
    const hint = typeof r[field] === "bigint" ? BigInt(hints[field] as number) : hints[field];
    if (r[field] !== hint) refuse("HintMismatch", `${field} differs`, field);
  }
  return r;
}

/** A retirement notice says why (one of two reasons) and lists the removed device ids. */
function retiredBody(body: Obj): void {
  if (body.reason !== "rotated" && body.reason !== "device-removed") invalid("retired reason");
  const removed = body.removedDevices;
  if (!Array.isArray(removed) || !removed.every((id) => typeof id === "string")) invalid("retired removedDevices");
}

const hintsOf = (o: Obj): Obj => ({ kind: o.kind, id: o.id, deviceId: o.deviceId, seq: o.seq, epoch: o.epoch });
const aadOf = (hints: Obj): Buffer => Buffer.from(canonical({ ...hintsOf(hints), v: 2 }));

/** The whole decision of a reader: open under the hints with the kind's key, decode, the clock. */
function decide(group: Group, hints: Obj, envelope: Uint8Array): Obj {
  const keyName = { entry: "commandKey", delete: "commandKey", pref: "preferenceKey", device: "deviceKey", head: "deviceKey", retired: "deviceKey" }[
    hints.kind as string
  ];
  const opened = nodeOpen(hex(group[keyName as string]), envelope, aadOf(hints));
  if ("error" in opened) return refuse(opened.error, "opening failed");
  const record = decode(opened, hints);
  const createdAt = record.createdAt as bigint;
  if (createdAt < 631152000000n || createdAt > BigInt(group.now as number) + 86400000n) refuse("TimeOutOfRange", "time");
  return record;
}

/** The decoded record as the vectors write it: numbers, no v or pad. */
function asVector(record: Obj): unknown {
  const { v: _v, pad: _pad, ...rest } = record;
  return JSON.parse(JSON.stringify(rest, (_, value: unknown) => (typeof value === "bigint" ? Number(value) : value)));
}

function padded(record: Obj): string {
  const unpadded = Buffer.byteLength(canonical({ ...record, v: 2 })) + 9;
  const buckets = [512, 1024, 2048, 4096, 8192, 16384];
  const target = buckets.find((b) => b >= unpadded) ?? Math.ceil(unpadded / 16384) * 16384;
  return canonical({ ...record, v: 2, pad: " ".repeat(target - unpadded) });
}

function outcome(fn: () => unknown): { error?: string; field?: string } {
  try {
    fn();
    return {};
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return e.field === undefined ? { error: e.kind } : { error: e.kind, field: e.field };
  }
}

describe("records-v2.json, independently (node:crypto, TypeScript record rules)", () => {
  const cases = root.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })));
  it("counts its cases", () => expect(cases).toHaveLength(root.numberOfTests));
  for (const { group, test } of cases) {
    it(`records-v2.json/${test.tcId}: ${test.comment}`, () => {
      if (group.type === "RecordTest") {
        const record = test.record as Obj;
        expect(test.key).toBe(group[test.keyName as string]);
        expect(aadOf(test.hints as Obj).toString("hex")).toBe(test.aad);
        const plaintext = Buffer.from(padded(record));
        expect(plaintext.toString("hex")).toBe(test.plaintext);
        const envelope = nodeSeal(hex(test.key), hex(test.nonce), plaintext, aadOf(record));
        expect(envelope.toString("hex")).toBe(test.envelope);
        expect(asVector(decide(group, test.hints as Obj, envelope))).toEqual(record);
        expect(sha256(envelope)).toBe(test.hash);
      } else if (group.type === "RecordChainTest") {
        const at = new Map<string, { next: number; last: string }>();
        let failure: { failsAt: number; error: string } | undefined;
        const items = test.items as Obj[];
        for (const [index, item] of items.entries()) {
          const envelope = hex(item.envelope);
          expect(sha256(envelope)).toBe(item.hash);
          const record = asVector(decide(group, item, envelope)) as Obj;
          expect(record).toEqual(item.record);
          const device = at.get(record.deviceId as string) ?? { next: 0, last: "0".repeat(64) };
          const error = record.seq !== device.next ? "OutOfSequence" : record.prev !== device.last ? "BrokenChain" : undefined;
          if (error !== undefined) {
            failure = { failsAt: index, error };
            break;
          }
          at.set(record.deviceId as string, { next: device.next + 1, last: item.hash as string });
        }
        expect(failure).toEqual(test.result === "valid" ? undefined : { failsAt: test.failsAt, error: test.error });
        if (test.head !== undefined) {
          const head = test.head as Obj;
          const record = asVector(decide(group, head, hex(head.envelope))) as Obj;
          const device = at.get(record.deviceId as string);
          expect([(record.seq as number) + 1, record.prev]).toEqual([device?.next, device?.last]);
        }
      } else {
        const expected = test.field === undefined ? { error: test.error } : { error: test.error, field: test.field };
        expect(aadOf(test.hints as Obj).toString("hex")).toBe(test.aad);
        expect(outcome(() => decide(group, test.hints as Obj, hex(test.envelope)))).toEqual(expected);
      }
    });
  }
});
