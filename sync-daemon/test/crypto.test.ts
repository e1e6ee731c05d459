// Behaviour of the JS crypto API (src/crypto.ts over the WASM build): the names
// other code relies on, error names, and what must differ between calls.
import { describe, expect, it } from "vitest";

import * as pkg from "../src/index.js";
import {
  commandAad,
  decodeCommand,
  deriveKeys,
  deviceAad,
  encodeCommand,
  generatePhrase,
  open,
  openCommand,
  parseEnvelope,
  validateEnvelope,
  preferenceAad,
  seal,
  sealCommand,
  validatePhrase,
  type CommandEntry,
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
      "sealCommand",
      "openCommand",
      "parseEnvelope",
    ]) {
      expect(typeof (pkg as Record<string, unknown>)[name], name).toBe("function");
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
  const aad = commandAad("0190f0a1-0000-7000-8000-000000000001");

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
    expect(thrown(() => open(key, envelope, deviceAad("x"))).name).toBe("AuthenticationFailed");
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

  it("builds the AAD of each place", () => {
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    expect(text(commandAad("id-1"))).toBe("caro-sync/v1/command/id-1");
    expect(text(preferenceAad("theme"))).toBe("caro-sync/v1/preference/theme");
    expect(text(deviceAad("dev-9"))).toBe("caro-sync/v1/device/dev-9");
  });
});

describe("command entries", () => {
  const entry: CommandEntry = {
    command: "git status",
    createdAt: 1_763_800_000_000,
    exitCode: 0,
    tags: ["git", "日本語"],
    safetyWarnings: [],
  };

  it("seals for one entry id only", () => {
    const envelope = sealCommand(key, "id-a", entry);
    expect(openCommand(key, "id-a", envelope)).toEqual(entry);
    expect(thrown(() => openCommand(key, "id-b", envelope)).name).toBe("AuthenticationFailed");
    expect(sealCommand(key, "id-a", entry)).not.toEqual(envelope);
  });

  it("encodes canonical JSON and rejects what is not a record", () => {
    expect(new TextDecoder().decode(encodeCommand(entry))).toBe(
      '{"command":"git status","createdAt":1763800000000,"exitCode":0,"safetyWarnings":[],"tags":["git","日本語"]}',
    );
    expect(decodeCommand(new TextEncoder().encode('{"createdAt":1,"command":"x","fromTheFuture":true}'))).toEqual({
      command: "x",
      createdAt: 1,
    });
    expect(thrown(() => sealCommand(key, "id", { ...entry, exitCode: 1.5 })).name).toBe("InvalidRecord");
    expect(thrown(() => sealCommand(key, "id", { createdAt: 1 } as CommandEntry)).name).toBe("InvalidRecord");
    expect(thrown(() => decodeCommand(Uint8Array.of(0xff, 0xfe))).name).toBe("InvalidRecord");
  });
});
