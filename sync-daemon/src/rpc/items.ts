// The shape checks of sync.push's items and head (PROTOCOL.md "sync.push"): the
// hints' types and lengths and the envelope's framing (crypto-core's parser),
// never the content. An item that fails is rejected alone; a bad head fails the
// whole call before anything is stored.
import { invalidParams, RpcError } from "../protocol/errors.js";
import { MAX_DEVICE_ID_CHARS, MAX_ENVELOPE_BYTES, MAX_KIND_CHARS, MAX_RECORD_ID_CHARS } from "../protocol/limits.js";
import type { HeadItem, RecordItem, Rejected } from "../protocol/types.js";
import { decodeBase64 } from "./validate.js";

type CryptoModule = typeof import("../crypto.js");
let cryptoModule: CryptoModule | undefined;
let cryptoLoading: Promise<CryptoModule> | undefined;

/**
 * crypto-core's WASM build, loaded on first use (or right after sync.init):
 * compiling it is not on the path from spawn to ONLINE.
 */
export function loadCrypto(): Promise<CryptoModule> {
  cryptoLoading ??= import("../crypto.js").then((m) => (cryptoModule = m));
  return cryptoLoading;
}

const KIND = /^[a-z]+$/;

/** Checks one envelope: strict base64, size, crypto-core's envelope parser (call loadCrypto() first). */
export function checkEnvelope(b64: string): { kind: "invalid-base64" | "invalid-envelope"; message: string } | undefined {
  if (b64.length > Math.ceil(MAX_ENVELOPE_BYTES / 3) * 4) {
    return { kind: "invalid-envelope", message: `envelope larger than ${MAX_ENVELOPE_BYTES} bytes` };
  }
  const bytes = decodeBase64(b64);
  if (!bytes) return { kind: "invalid-base64", message: "envelope is not valid base64" };
  try {
    cryptoModule!.validateEnvelope(bytes);
  } catch (err) {
    const e = err as Error;
    return { kind: "invalid-envelope", message: `${e.name}: ${e.message}` };
  }
  return undefined;
}

const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isEpoch = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 1 && v <= 0xffff_ffff;
const isText = (v: unknown, max: number): v is string => typeof v === "string" && v.length >= 1 && v.length <= max;

/** One pushed item: the item with exactly its six fields, or why it is rejected. */
export function checkItem(raw: unknown): { item: RecordItem } | { rejected: Rejected } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { rejected: { seq: null, id: null, kind: "invalid-item", message: "an item must be an object" } };
  }
  const r = raw as Record<string, unknown>;
  const seq = isSeq(r.seq) ? r.seq : null;
  const id = typeof r.id === "string" ? r.id : null;
  const bad = (message: string) => ({ rejected: { seq, id, kind: "invalid-item" as const, message } });
  if (!isText(r.deviceId, MAX_DEVICE_ID_CHARS)) return bad(`deviceId must be a string of 1-${MAX_DEVICE_ID_CHARS} characters`);
  if (seq === null) return bad("seq must be an integer >= 0");
  if (typeof r.kind !== "string" || r.kind.length > MAX_KIND_CHARS || !KIND.test(r.kind)) {
    return bad(`kind must be 1-${MAX_KIND_CHARS} lowercase letters a-z`);
  }
  if (!isText(id, MAX_RECORD_ID_CHARS)) return bad(`id must be a string of 1-${MAX_RECORD_ID_CHARS} characters`);
  if (!isEpoch(r.epoch)) return bad("epoch must be an integer >= 1");
  if (typeof r.envelope !== "string") return bad("envelope must be a base64 string");
  const problem = checkEnvelope(r.envelope);
  if (problem) return { rejected: { seq, id, ...problem } };
  return { item: { deviceId: r.deviceId, seq, kind: r.kind, id, epoch: r.epoch, envelope: r.envelope } };
}

/** The pushed head, when present; invalid-params or invalid-envelope (nothing stored) when malformed. */
export function checkHead(raw: unknown): HeadItem | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParams("head", "expected an object {seq, epoch, envelope}");
  const h = raw as Record<string, unknown>;
  if (!isSeq(h.seq)) throw invalidParams("head.seq", "expected an integer >= 0");
  if (!isEpoch(h.epoch)) throw invalidParams("head.epoch", "expected an integer >= 1");
  if (typeof h.envelope !== "string") throw invalidParams("head.envelope", "expected a base64 string");
  const problem = checkEnvelope(h.envelope);
  if (problem) throw new RpcError("invalid-envelope", `head.envelope: ${problem.message}`, { path: "head.envelope" });
  return { seq: h.seq, epoch: h.epoch, envelope: h.envelope };
}
