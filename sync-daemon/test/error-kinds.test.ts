// The TypeScript error-kind table and protocol limits against the shared vector
// test-vectors/rpc/error-kinds.json, which the Rust side checks too: the same
// kinds with the same codes, nothing more or less, and the same limits.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorKinds } from "../src/protocol/errors.js";
import { MAX_ENVELOPE_BYTES, MAX_LINE_BYTES, MAX_PUSH_BYTES, MAX_PUSH_ITEMS } from "../src/protocol/limits.js";
import { VECTORS } from "./helpers.js";

interface ErrorKindsVector {
  errorKinds: { kind: string; code: number }[];
  limits: { maxLineBytes: number; maxPushItems: number; maxPushBytes: number; maxEnvelopeBytes: number };
}

const vector = JSON.parse(readFileSync(join(VECTORS, "error-kinds.json"), "utf8")) as ErrorKindsVector;

describe("error-kinds.json", () => {
  it("lists exactly the kinds and codes of ErrorKinds", () => {
    const fromVector = Object.fromEntries(vector.errorKinds.map(({ kind, code }) => [kind, code]));
    expect(vector.errorKinds).toHaveLength(Object.keys(fromVector).length);
    expect({ ...ErrorKinds }).toEqual(fromVector);
  });

  it("pins the protocol limits", () => {
    expect({
      maxLineBytes: MAX_LINE_BYTES,
      maxPushItems: MAX_PUSH_ITEMS,
      maxPushBytes: MAX_PUSH_BYTES,
      maxEnvelopeBytes: MAX_ENVELOPE_BYTES,
    }).toEqual(vector.limits);
  });
});
