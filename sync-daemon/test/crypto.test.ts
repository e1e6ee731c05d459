// Behaviour of the JS crypto API (src/crypto.ts over the WASM build): the names
// other code relies on, error names, and what must differ between calls.
import { describe, expect, it } from "vitest";

import * as pkg from "../src/index.js";
import {
  deriveKeys,
  generatePhrase,
  open,
  parseEnvelope,
  validateEnvelope,
  seal,
  validatePhrase,
} from "../src/crypto.js";

const ABANDON_ART = `${"abandon ".repeat(23)}art`;
const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(8);

function thrown(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a throw");
}

describe("package entry", () => {
  it("exports the crypto API under its fixed names", () => {
    for (const name of [
      "generatePhrase",
      "validatePhrase",
      "deriveKeys",
      "seal",
      "open",
      "parseEnvelope",
      "sealRecord",
      "openRecord",
      "openHead",
      "verifyChain",
    ]) {
      expect(typeof (pkg as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("no longer exports sync v1's command record API", () => {
    const names = Object.keys(pkg);
    for (const name of ["sealCommand", "openCommand", "encodeCommand", "decodeCommand", "commandAad", "preferenceAad", "deviceAad"]) {
      expect(names, name).not.toContain(name);
    }
  });

  it("keeps the nonce-choosing entry points out of the root (they live in ./testing)", () => {
    const names = Object.keys(pkg);
    expect(names).not.toContain("cryptoTesting");
    expect(names.filter((n) => /nonce|entropy|master/i.test(n))).toEqual([]);
  });
});

describe("phrases", () => {
  it("generates valid 24-word phrases that differ", () => {
    const a = generatePhrase();
    const b = generatePhrase();
    expect(a.split(" ")).toHaveLength(24);
    expect(a).not.toBe(b);
    expect(() => validatePhrase(a)).not.toThrow();
  });

  it("accepts unnormalized spellings", () => {
    expect(() => validatePhrase(`  ${ABANDON_ART.toUpperCase().replaceAll(" ", " \t\n ")}  `)).not.toThrow();
  });

  it("names each mistake", () => {
    expect(thrown(() => validatePhrase("")).name).toBe("InvalidWordCount");
    expect(thrown(() => validatePhrase("abandon ".repeat(24).trim())).name).toBe("InvalidChecksum");
    const unknown = thrown(() => validatePhrase(ABANDON_ART.replace("art", "artt")));
    expect(unknown.name).toBe("UnknownWord");
    expect(unknown.word).toBe("artt");
    expect(unknown.position).toBe(24);
    expect(unknown.message).toContain("artt");
  });

  it("survives input no phrase could be", () => {
    expect(thrown(() => validatePhrase("a".repeat(1 << 20))).name).toBe("InputTooLarge");
    expect(thrown(() => validatePhrase("\u{d800}abandon")).name).toBe("InvalidWordCount");
  });
});

describe("keys", () => {
  it("derives four distinct 32-byte keys and a 16-hex key id", () => {
    const keys = deriveKeys(ABANDON_ART);
    expect(keys.keyId).toMatch(/^[0-9a-f]{16}$/);
    for (const name of ["commandKey", "preferenceKey", "jazzAuthKey", "deviceKey"] as const) {
      expect(keys[name]).toBeInstanceOf(Uint8Array);
      expect(keys[name]).toHaveLength(32);
    }
    expect(new Set([keys.commandKey, keys.preferenceKey, keys.jazzAuthKey, keys.deviceKey].map(String)).size).toBe(4);
  });

  it("rejects a bad phrase before any hashing", () => {
    expect(thrown(() => deriveKeys("abandon abandon")).name).toBe("InvalidWordCount");
  });
});

describe("envelopes", () => {
  const aad = new TextEncoder().encode("caro-sync test place 0190f0a1-0000-7000-8000-000000000001");

  it("round-trips, with a fresh nonce every time", () => {
    const plaintext = new TextEncoder().encode("ls -la");
    const a = seal(key, plaintext, aad);
    const b = seal(key, plaintext, aad);
    expect(a).toHaveLength(1 + 12 + plaintext.length + 16);
    expect(parseEnvelope(a).nonce).not.toEqual(parseEnvelope(b).nonce);
    expect(a).not.toEqual(b);
    expect(open(key, a, aad)).toEqual(plaintext);
    expect(open(key, seal(key, "text", "aad"), "aad")).toEqual(new TextEncoder().encode("text"));
  });

  it("parses the header", () => {
    const envelope = seal(key, new Uint8Array(5), aad);
    expect(parseEnvelope(envelope)).toEqual({ version: 1, nonce: envelope.slice(1, 13), ciphertextLength: 5 });
    expect(validateEnvelope(envelope)).toBeUndefined();
  });

  it("names each failure", () => {
    const envelope = seal(key, new Uint8Array(40), aad);
    expect(thrown(() => open(otherKey, envelope, aad)).name).toBe("AuthenticationFailed");
    expect(thrown(() => open(key, envelope, "another place")).name).toBe("AuthenticationFailed");
    expect(thrown(() => open(key, envelope.subarray(0, 28), aad)).name).toBe("EnvelopeTooShort");
    expect(thrown(() => parseEnvelope(new Uint8Array())).name).toBe("EnvelopeTooShort");
    const v2 = Uint8Array.from(envelope);
    v2[0] = 2;
    const unsupported = thrown(() => parseEnvelope(v2));
    expect(unsupported.name).toBe("UnsupportedVersion");
    expect(unsupported.version).toBe(2);
    expect(thrown(() => validateEnvelope(envelope.subarray(0, 28))).name).toBe("EnvelopeTooShort");
    const validated = thrown(() => validateEnvelope(v2));
    expect([validated.name, validated.version]).toEqual(["UnsupportedVersion", 2]);
    expect(thrown(() => seal(new Uint8Array(31), "x", aad)).name).toBe("InvalidKeyLength");
    expect(thrown(() => open(new Uint8Array(0), envelope, aad)).name).toBe("InvalidKeyLength");
    expect(thrown(() => seal(key, new Uint8Array(16 * 1024 * 1024 + 1), aad)).name).toBe("InputTooLarge");
  });

  it("keeps working after errors (no poisoned module)", () => {
    for (let i = 0; i < 100; i++) {
      expect(() => open(key, new Uint8Array(i), aad)).toThrow();
    }
    expect(open(key, seal(key, "still fine", aad), aad)).toHaveLength(10);
  });
});
