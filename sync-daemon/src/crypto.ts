// caro sync's crypto for JS: a typed API over crypto-core's WASM build, the same
// Rust code the caro CLI runs natively, so both derive the same keys and read
// and write the same envelopes byte for byte. This is the only module that
// imports the wasm build (sync-daemon/wasm, CommonJS, written by `make wasm`).
//
// Every failure is thrown as an `Error` whose `name` is crypto-core's error kind
// (see `CryptoErrorName`).

import { createRequire } from "node:module";

type WasmCryptoCore = typeof import("../wasm/crypto_core.js");

const wasm = createRequire(import.meta.url)("../wasm/crypto_core.js") as WasmCryptoCore;

/** The raw WASM exports, for the v2 record API in client/records.ts; the package root does not export it. */
export const cryptoCore: WasmCryptoCore = wasm;

/** The error kinds crypto-core throws: `Error.name` of every error from this module. */
export type CryptoErrorName =
  | "InvalidWordCount"
  | "UnknownWord"
  | "InvalidChecksum"
  | "InvalidKeyLength"
  | "InvalidNonceLength"
  | "EnvelopeTooShort"
  | "UnsupportedVersion"
  | "AuthenticationFailed"
  | "InvalidRecord"
  | "InputTooLarge"
  | "RandomnessUnavailable"
  | "KeyDerivationFailed";

/** Every key a device needs, derived from the recovery phrase. */
export interface KeySet {
  /** Seals `entry` and `delete` records. */
  commandKey: Uint8Array;
  /** Seals `pref` records. */
  preferenceKey: Uint8Array;
  /** Seed of the sync (Jazz) account. */
  jazzAuthKey: Uint8Array;
  /** Seals `device` and `head` records. */
  deviceKey: Uint8Array;
  /** 16 lowercase hex characters, safe to show: equal on devices that share a phrase. */
  keyId: string;
}

/** What an envelope's header says, read without a key. */
export interface EnvelopeInfo {
  /** The version byte (1). */
  version: number;
  /** The 12-byte nonce. */
  nonce: Uint8Array;
  /** Ciphertext length without the tag, equal to the plaintext's length. */
  ciphertextLength: number;
}

/** Bytes, or text taken as its UTF-8 bytes. */
export type BytesLike = Uint8Array | string;

const utf8 = new TextEncoder();

function toBytes(value: BytesLike): Uint8Array {
  return typeof value === "string" ? utf8.encode(value) : value;
}

/** A new 24-word recovery phrase from 32 bytes of `crypto.getRandomValues`. */
export function generatePhrase(): string {
  return wasm.generatePhrase();
}

/**
 * Throws `InvalidWordCount`, `UnknownWord` (with `word` and 1-based `position`)
 * or `InvalidChecksum` unless `phrase` is a valid phrase once normalized.
 */
export function validatePhrase(phrase: string): void {
  wasm.normalizePhrase(phrase);
}

/** The phrase as it is hashed: trimmed, lowercase, single spaces. Validates like `validatePhrase`. */
export function normalizePhrase(phrase: string): string {
  return wasm.normalizePhrase(phrase);
}

/** Argon2id (64 MiB, t=3, p=4) then HKDF-SHA256: every key of a phrase. Takes a few hundred ms. */
export function deriveKeys(phrase: string): KeySet {
  return wasm.deriveKeys(phrase) as KeySet;
}

/** Seals `plaintext` for the place named by `aad` under a fresh random nonce. */
export function seal(key: Uint8Array, plaintext: BytesLike, aad: BytesLike): Uint8Array {
  return wasm.seal(key, toBytes(plaintext), toBytes(aad));
}

/** Opens an envelope; throws `AuthenticationFailed` on a wrong key, wrong AAD or tampered bytes. */
export function open(key: Uint8Array, envelope: Uint8Array, aad: BytesLike): Uint8Array {
  return wasm.open(key, envelope, toBytes(aad));
}

/** Reads an envelope's header without a key: `EnvelopeTooShort`, `UnsupportedVersion` otherwise. */
export function parseEnvelope(bytes: Uint8Array): EnvelopeInfo {
  return wasm.parseEnvelope(bytes) as EnvelopeInfo;
}

/** Throws what `parseEnvelope` would for bytes that are no envelope; cheaper when the header is not needed. */
export function validateEnvelope(bytes: Uint8Array): void {
  wasm.validateEnvelope(bytes);
}

/**
 * Deterministic entry points for test vectors, exported only through the
 * `caro-sync-daemon/testing` subpath (src/testing.ts), never the package root.
 * Never seal real data with a chosen nonce: reusing one under a key breaks AES-GCM.
 */
export const cryptoTesting = {
  phraseFromEntropy: (entropy: Uint8Array): string => wasm.phraseFromEntropy(entropy),
  phraseToEntropy: (phrase: string): Uint8Array => wasm.phraseToEntropy(phrase),
  phraseSalt: (phrase: string): Uint8Array => wasm.phraseSalt(phrase),
  deriveMasterKey: (phrase: string): Uint8Array => wasm.deriveMasterKey(phrase),
  keySetFromMasterKey: (masterKey: Uint8Array): KeySet => wasm.keySetFromMasterKey(masterKey) as KeySet,
  sealWithNonce: (key: Uint8Array, nonce: Uint8Array, plaintext: BytesLike, aad: BytesLike): Uint8Array =>
    wasm.sealWithNonce(key, nonce, toBytes(plaintext), toBytes(aad)),
};
