// The independent implementations' shared parts: AES-256-GCM envelopes over
// node:crypto, a strict JSON reader that shows what JSON.parse hides, and
// canonical JSON, all written without crypto-core. Used by the envelope suite
// (crypto-independent.test.ts) and the v2 records suite
// (crypto-independent-records.test.ts).
import { createCipheriv, createDecipheriv } from "node:crypto";

export function nodeSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(1), nonce, ciphertext, cipher.getAuthTag()]);
}

/** Envelope v1 opened by Node; returns the error kind the layout rules give. */
export function nodeOpen(key: Uint8Array, envelope: Uint8Array, aad: Uint8Array): Buffer | { error: string } {
  if (key.length !== 32) return { error: "InvalidKeyLength" };
  if (envelope.length > 0 && envelope[0] !== 1) return { error: "UnsupportedVersion" };
  if (envelope.length < 29) return { error: "EnvelopeTooShort" };
  const decipher = createDecipheriv("aes-256-gcm", key, envelope.subarray(1, 13));
  decipher.setAAD(aad);
  decipher.setAuthTag(envelope.subarray(envelope.length - 16));
  try {
    return Buffer.concat([decipher.update(envelope.subarray(13, envelope.length - 16)), decipher.final()]);
  } catch {
    return { error: "AuthenticationFailed" };
  }
}

/** JSON parsed strictly enough to see what JSON.parse hides: number literals and duplicate keys. */
export type Json = null | boolean | string | { num: string } | Json[] | { pairs: [string, Json][] };

export function parseJson(text: string): Json {
  let i = 0;
  const ws = () => {
    while (/[ \t\n\r]/.test(text[i] ?? "")) i++;
  };
  const fail = (): never => {
    throw new Error(`bad JSON at ${i}`);
  };
  const value = (): Json => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const pairs: [string, Json][] = [];
      ws();
      if (text[i] === "}") return i++, { pairs };
      for (;;) {
        ws();
        const key = value();
        if (typeof key !== "string") fail();
        ws();
        if (text[i++] !== ":") fail();
        pairs.push([key as string, value()]);
        ws();
        const next = text[i++];
        if (next === "}") return { pairs };
        if (next !== ",") fail();
      }
    }
    if (c === "[") {
      i++;
      const items: Json[] = [];
      ws();
      if (text[i] === "]") return i++, items;
      for (;;) {
        items.push(value());
        ws();
        const next = text[i++];
        if (next === "]") return items;
        if (next !== ",") fail();
      }
    }
    const literal = /^(?:"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
      text.slice(i),
    );
    if (!literal) return fail();
    i += literal[0].length;
    const raw = literal[0];
    if (raw.startsWith('"')) return JSON.parse(raw) as string;
    if (raw === "true" || raw === "false" || raw === "null") return JSON.parse(raw) as boolean | null;
    return { num: raw };
  };
  const result = value();
  ws();
  if (i !== text.length) fail();
  return result;
}

/** Canonical JSON: keys sorted, no whitespace, JSON.stringify's string escaping. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

