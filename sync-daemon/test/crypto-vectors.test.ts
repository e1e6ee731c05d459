// test-vectors/*.json (except rpc/) through the WASM build, both directions:
// valid cases must open to their plaintext AND seal to their exact bytes;
// invalid cases must throw an Error named after the expected error kind.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { deriveKeys, normalizePhrase, open, parseEnvelope, validatePhrase, type KeySet } from "../src/crypto.js";
import { cryptoTesting } from "../src/testing.js";

type Test = Record<string, unknown> & { tcId: number; comment: string; result: "valid" | "invalid"; error?: string };
interface Group {
  type: string;
  tests: Test[];
}

function load(file: string): { group: Group; test: Test; label: string }[] {
  const root = JSON.parse(readFileSync(new URL(`../../test-vectors/${file}`, import.meta.url), "utf8")) as {
    numberOfTests: number;
    testGroups: Group[];
  };
  const cases = root.testGroups.flatMap((group) =>
    group.tests.map((test) => ({ group, test, label: `${file}/${test.tcId}: ${test.comment}` })),
  );
  expect(cases).toHaveLength(root.numberOfTests);
  return cases;
}

const hex = (test: Test, field: string): Uint8Array => Uint8Array.from(Buffer.from(test[field] as string, "hex"));
const str = (test: Test, field: string): string => test[field] as string;
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function expectThrowsKind(test: Test, fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe(test.error);
    return error as Error & Record<string, unknown>;
  }
  throw new Error(`expected ${test.error}, got success`);
}

function expectKeys(test: Test, keys: KeySet): void {
  expect({
    commandKey: toHex(keys.commandKey),
    preferenceKey: toHex(keys.preferenceKey),
    jazzAuthKey: toHex(keys.jazzAuthKey),
    deviceKey: toHex(keys.deviceKey),
    keyId: keys.keyId,
  }).toEqual({
    commandKey: test.commandKey,
    preferenceKey: test.preferenceKey,
    jazzAuthKey: test.jazzAuthKey,
    deviceKey: test.deviceKey,
    keyId: test.keyId,
  });
}

describe("mnemonic.json via WASM", () => {
  for (const { group, test, label } of load("mnemonic.json")) {
    it(label, () => {
      if (group.type === "MnemonicEntropyTest") {
        expect(cryptoTesting.phraseFromEntropy(hex(test, "entropy"))).toBe(test.phrase);
        expect(toHex(cryptoTesting.phraseToEntropy(str(test, "phrase")))).toBe(test.entropy);
      } else if (group.type === "MnemonicNormalizationTest") {
        expect(normalizePhrase(str(test, "input"))).toBe(test.phrase);
      } else {
        expect(test.result).toBe("invalid");
        const error = expectThrowsKind(test, () => validatePhrase(str(test, "input")));
        if (test.error === "UnknownWord") {
          expect(error.word).toBe(test.word);
          expect(error.position).toBe(test.position);
        }
      }
    });
  }
});

describe("kdf.json via WASM", () => {
  const seen = new Set<string>();
  for (const { group, test, label } of load("kdf.json")) {
    it(label, () => {
      if (test.result === "invalid") {
        expectThrowsKind(test, () => deriveKeys(str(test, "phrase")));
      } else if (group.type === "SubkeyTest") {
        expectKeys(test, cryptoTesting.keySetFromMasterKey(hex(test, "masterKey")));
      } else {
        const phrase = str(test, "phrase");
        expect(normalizePhrase(phrase)).toBe(test.normalizedPhrase);
        expect(toHex(cryptoTesting.phraseSalt(phrase))).toBe(test.salt);
        const master = cryptoTesting.deriveMasterKey(phrase);
        expect(toHex(master)).toBe(test.masterKey);
        expectKeys(test, cryptoTesting.keySetFromMasterKey(master));
        // The public one-call path too, once per distinct phrase.
        if (!seen.has(str(test, "normalizedPhrase"))) {
          seen.add(str(test, "normalizedPhrase"));
          expectKeys(test, deriveKeys(phrase));
        }
      }
    });
  }
});

describe("envelope.json via WASM", () => {
  for (const { test, label } of load("envelope.json")) {
    it(label, () => {
      const [key, nonce, aad, plaintext] = ["key", "nonce", "aad", "plaintext"].map((f) => hex(test, f));
      if (test.result === "valid") {
        const envelope = hex(test, "envelope");
        expect(toHex(open(key, envelope, aad))).toBe(test.plaintext);
        expect(toHex(cryptoTesting.sealWithNonce(key, nonce, plaintext, aad))).toBe(test.envelope);
        expect(parseEnvelope(envelope)).toEqual({ version: 1, nonce, ciphertextLength: plaintext.length });
      } else if (test.envelope !== undefined) {
        expectThrowsKind(test, () => open(key, hex(test, "envelope"), aad));
      } else {
        expectThrowsKind(test, () => cryptoTesting.sealWithNonce(key, nonce, plaintext, aad));
      }
    });
  }
});

