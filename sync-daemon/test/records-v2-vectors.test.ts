// test-vectors/records-v2.json through the package's record API over the WASM
// build: valid records must seal to their exact bytes and open to their exact
// record; chains must verify or break where the vectors say; every invalid case
// must throw an Error named after its error kind.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { deriveKeys, type KeySet } from "../src/crypto.js";
import {
  checkTime,
  openHead,
  openRecord,
  recordHash,
  sealRecord,
  verifyChain,
  type NewRecord,
  type SyncRecord,
  type WireItem,
} from "../src/client/records.js";
import { recordsTesting } from "../src/testing.js";

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
const bytes = (value: unknown): Uint8Array => Uint8Array.from(Buffer.from(value as string, "hex"));
const toHex = (value: Uint8Array): string => Buffer.from(value).toString("hex");
const wire = (item: Obj): WireItem =>
  ({ ...item, envelope: Buffer.from(item.envelope as string, "hex").toString("base64") }) as WireItem;

function keysOf(group: Group): KeySet {
  return {
    commandKey: bytes(group.commandKey),
    preferenceKey: bytes(group.preferenceKey),
    deviceKey: bytes(group.deviceKey),
    jazzAuthKey: new Uint8Array(32),
    keyId: "",
  };
}

/** A reader's decision: open under the hints, then the clock. */
function decide(group: Group, item: WireItem): SyncRecord {
  const record = openRecord(keysOf(group), item);
  checkTime(record.createdAt, group.now as number);
  return record;
}

/** The error's name, and the field of a `HintMismatch`. */
function thrown(fn: () => unknown): { error: string; field?: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    const { name, field } = error as Error & { field?: string };
    return field === undefined ? { error: name } : { error: name, field };
  }
  return { error: "no error" };
}

describe("records-v2.json through WASM", () => {
  const cases = root.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })));

  it("has its count, and its keys are the phrase's", () => {
    expect(cases).toHaveLength(root.numberOfTests);
    const group = root.testGroups[0] as Group;
    const keys = deriveKeys(group.phrase as string);
    expect([toHex(keys.commandKey), toHex(keys.preferenceKey), toHex(keys.deviceKey)]).toEqual([
      group.commandKey,
      group.preferenceKey,
      group.deviceKey,
    ]);
  });

  for (const { group, test } of cases) {
    it(`records-v2.json/${test.tcId}: ${test.comment}`, () => {
      if (group.type === "RecordTest") {
        const record = test.record as NewRecord;
        const hints = test.hints as Omit<WireItem, "envelope">;
        expect(toHex(recordsTesting.recordAad(hints))).toBe(test.aad);
        expect(toHex(recordsTesting.recordPlaintext(record))).toBe(test.plaintext);
        const envelope = recordsTesting.sealRecordWithNonce(bytes(test.key), bytes(test.nonce), record);
        expect(toHex(envelope)).toBe(test.envelope);
        const item = wire({ ...hints, envelope: test.envelope });
        expect(decide(group, item)).toEqual({ ...record, hash: test.hash });
        expect(recordHash(envelope)).toBe(test.hash);
        expect(recordHash(item.envelope)).toBe(test.hash);
        // A fresh nonce: another envelope, the same record.
        const sealed = sealRecord(keysOf(group), record);
        expect(sealed.item.envelope).not.toBe(item.envelope);
        expect(openRecord(keysOf(group), sealed.item)).toEqual({ ...record, hash: sealed.hash });
      } else if (group.type === "RecordChainTest") {
        const items = test.items as Obj[];
        const records = items.map((item) => decide(group, wire(item)));
        records.forEach((record, i) => expect(record).toEqual({ ...(items[i]?.record as Obj), hash: items[i]?.hash }));
        const head = test.head === undefined ? [] : [openHead(keysOf(group), wire(test.head as Obj))];
        const report = verifyChain([...records, ...head]);
        if (test.result === "valid") {
          expect(report).toMatchObject({ broken: [], withheld: [], forks: [] });
        } else {
          const failed = records[test.failsAt as number] as SyncRecord;
          expect(report.broken).toEqual([{ deviceId: failed.deviceId, seq: failed.seq, error: test.error }]);
        }
      } else {
        expect(toHex(recordsTesting.recordAad(test.hints as Omit<WireItem, "envelope">))).toBe(test.aad);
        const item = wire({ ...(test.hints as Obj), envelope: test.envelope });
        const expected = test.field === undefined ? { error: test.error } : { error: test.error, field: test.field };
        expect(thrown(() => decide(group, item))).toEqual(expected);
      }
    });
  }
});
