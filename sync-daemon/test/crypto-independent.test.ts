// test-vectors/*.json (except rpc/) checked with implementations that share no
// code with crypto-core: Node's crypto (AES-256-GCM, HKDF, SHA-256),
// @noble/hashes (Argon2id) and @scure/bip39 (BIP39), plus the format rules
// (normalization, envelope layout) written out
// again here in plain TypeScript. A bug in crypto-core cannot agree with itself.
import { createHash, hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { argon2id } from "@noble/hashes/argon2";
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english";
import { describe, expect, it } from "vitest";

import { nodeOpen, nodeSeal } from "./crypto-independent-json.js";

type Test = Record<string, unknown> & { tcId: number; comment: string; result: "valid" | "invalid"; error?: string };
interface Group {
  type: string;
  tests: Test[];
}

function load(file: string): { group: Group; test: Test; label: string }[] {
  const root = JSON.parse(readFileSync(new URL(`../../test-vectors/${file}`, import.meta.url), "utf8")) as {
    testGroups: Group[];
  };
  return root.testGroups.flatMap((group) =>
    group.tests.map((test) => ({ group, test, label: `${file}/${test.tcId}: ${test.comment}` })),
  );
}

const hex = (test: Test, field: string): Buffer => Buffer.from(test[field] as string, "hex");
const str = (test: Test, field: string): string => test[field] as string;
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

// ---------------------------------------------------------------- phrases

const WORDS = new Set(wordlist);

function normalize(input: string): string {
  return input.trim().toLowerCase().split(/\s+/).filter(Boolean).join(" ");
}

/** The phrase rules of the issue, in their order: size, word count, words, checksum. */
function phraseError(input: string): { error: string; wordCount?: number; word?: string; position?: number } | undefined {
  if (Buffer.byteLength(input, "utf8") > 4096) return { error: "InputTooLarge" };
  const words = normalize(input).split(" ").filter(Boolean);
  if (words.length !== 24) return { error: "InvalidWordCount", wordCount: words.length };
  const unknown = words.findIndex((w) => !WORDS.has(w));
  if (unknown >= 0) return { error: "UnknownWord", word: words[unknown], position: unknown + 1 };
  if (!validateMnemonic(words.join(" "), wordlist)) return { error: "InvalidChecksum" };
  return undefined;
}

function expectPhraseError(test: Test, input: string): void {
  const found = phraseError(input);
  expect(found?.error).toBe(test.error);
  for (const detail of ["wordCount", "word", "position"] as const) {
    if (test[detail] !== undefined) expect(found?.[detail]).toBe(test[detail]);
  }
}

describe("mnemonic.json, independently (@scure/bip39)", () => {
  for (const { group, test, label } of load("mnemonic.json")) {
    it(label, () => {
      if (group.type === "MnemonicEntropyTest") {
        expect(entropyToMnemonic(hex(test, "entropy"), wordlist)).toBe(test.phrase);
        expect(toHex(mnemonicToEntropy(str(test, "phrase"), wordlist))).toBe(test.entropy);
      } else if (group.type === "MnemonicNormalizationTest") {
        expect(phraseError(str(test, "input"))).toBeUndefined();
        expect(normalize(str(test, "input"))).toBe(test.phrase);
      } else {
        expectPhraseError(test, str(test, "input"));
      }
    });
  }
});

// ---------------------------------------------------------------- keys

function subkeys(master: Uint8Array): Record<string, string> {
  const expand = (info: string, length: number) =>
    toHex(new Uint8Array(hkdfSync("sha256", master, new Uint8Array(0), info, length)));
  return {
    commandKey: expand("caro-sync-command-v1", 32),
    preferenceKey: expand("caro-sync-preference-v1", 32),
    jazzAuthKey: expand("caro-sync-jazz-auth-v1", 32),
    deviceKey: expand("caro-sync-device-v1", 32),
    keyId: expand("caro-sync-key-id-v1", 8),
  };
}

const expectedSubkeys = (test: Test) =>
  Object.fromEntries(["commandKey", "preferenceKey", "jazzAuthKey", "deviceKey", "keyId"].map((f) => [f, test[f]]));

describe("kdf.json, independently (@noble/hashes argon2id, node:crypto hkdf and sha256)", () => {
  // noble's Argon2id takes seconds at 64 MiB: run it once per distinct phrase.
  const masterKeys = new Map<string, string>();
  for (const { group, test, label } of load("kdf.json")) {
    it(label, () => {
      if (test.result === "invalid") {
        expectPhraseError(test, str(test, "phrase"));
        return;
      }
      if (group.type === "SubkeyTest") {
        expect(subkeys(hex(test, "masterKey"))).toEqual(expectedSubkeys(test));
        return;
      }
      const normalized = normalize(str(test, "phrase"));
      expect(phraseError(str(test, "phrase"))).toBeUndefined();
      expect(normalized).toBe(test.normalizedPhrase);
      const salt = createHash("sha256").update(normalized, "utf8").digest().subarray(0, 16);
      expect(toHex(salt)).toBe(test.salt);
      let master = masterKeys.get(normalized);
      if (master === undefined) {
        master = toHex(argon2id(Buffer.from(normalized, "utf8"), salt, { m: 65536, t: 3, p: 4, dkLen: 32, version: 0x13 }));
        masterKeys.set(normalized, master);
      }
      expect(master).toBe(test.masterKey);
      expect(subkeys(Buffer.from(master, "hex"))).toEqual(expectedSubkeys(test));
    });
  }
});

// ---------------------------------------------------------------- envelopes

describe("envelope.json, independently (node:crypto aes-256-gcm)", () => {
  for (const { test, label } of load("envelope.json")) {
    it(label, () => {
      const [key, nonce, aad, plaintext] = ["key", "nonce", "aad", "plaintext"].map((f) => hex(test, f));
      if (test.result === "valid") {
        expect(toHex(nodeSeal(key, nonce, plaintext, aad))).toBe(test.envelope);
        expect(nodeOpen(key, hex(test, "envelope"), aad)).toEqual(plaintext);
      } else if (test.envelope !== undefined) {
        expect(nodeOpen(key, hex(test, "envelope"), aad)).toEqual({ error: test.error });
      } else {
        const error = key.length !== 32 ? "InvalidKeyLength" : nonce.length !== 12 ? "InvalidNonceLength" : undefined;
        expect(error).toBe(test.error);
      }
    });
  }
});
