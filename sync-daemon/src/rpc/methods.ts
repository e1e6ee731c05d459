// The JSON-RPC methods (PROTOCOL.md): each validates its params, then calls the
// daemon's state machine. Envelopes are checked here, with crypto-core's parser,
// before anything reaches the store.
import type { Daemon } from "../daemon/daemon.js";
import { invalidParams, RpcError } from "../protocol/errors.js";
import { MAX_ENVELOPE_BYTES, MAX_ID_CHARS, MAX_PULL_LIMIT, MAX_PUSH_BYTES, MAX_PUSH_ITEMS } from "../protocol/limits.js";
import type { Rejected, WireItem } from "../protocol/types.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import type { Handler } from "./server.js";
import type { Params } from "./validate.js";
import { bool, decodeBase64, int, str } from "./validate.js";

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

/** Checks one envelope: strict base64, size, crypto-core's envelope parser (call loadCrypto() first). */
export function checkEnvelope(b64: string): { kind: Rejected["kind"]; message: string } | undefined {
  const validateEnvelope = cryptoModule!.validateEnvelope;
  if (b64.length > Math.ceil(MAX_ENVELOPE_BYTES / 3) * 4) {
    return { kind: "invalid-envelope", message: `envelope larger than ${MAX_ENVELOPE_BYTES} bytes` };
  }
  const bytes = decodeBase64(b64);
  if (!bytes) return { kind: "invalid-base64", message: "envelope is not valid base64" };
  try {
    validateEnvelope(bytes);
  } catch (err) {
    const e = err as Error;
    return { kind: "invalid-envelope", message: `${e.name}: ${e.message}` };
  }
  return undefined;
}

function checkItem(raw: unknown): { item?: WireItem; rejected?: Rejected } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { rejected: { id: null, kind: "invalid-entry", message: "an entry must be an object" } };
  }
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === "string" ? r.id : null;
  const bad = (message: string): { rejected: Rejected } => ({ rejected: { id, kind: "invalid-entry", message } });
  if (id === null || id.length === 0 || id.length > MAX_ID_CHARS) return bad(`id must be a string of 1-${MAX_ID_CHARS} characters`);
  if (typeof r.deviceId !== "string" || r.deviceId.length === 0 || r.deviceId.length > MAX_ID_CHARS) {
    return bad(`deviceId must be a string of 1-${MAX_ID_CHARS} characters`);
  }
  if (typeof r.createdAt !== "number" || !Number.isSafeInteger(r.createdAt)) return bad("createdAt must be an integer");
  if (r.op !== undefined) {
    if (r.op !== "delete") return bad('op must be "delete" when present');
    if (r.envelope !== undefined) return bad("a delete carries no envelope");
    return { item: { id, deviceId: r.deviceId, createdAt: r.createdAt, op: "delete" } };
  }
  if (typeof r.envelope !== "string") return bad("envelope must be a base64 string");
  const problem = checkEnvelope(r.envelope);
  if (problem) return { rejected: { id, ...problem } };
  return { item: { id, deviceId: r.deviceId, createdAt: r.createdAt, envelope: r.envelope } };
}

async function envelopeParam(p: Params, key: string): Promise<string> {
  await loadCrypto();
  const v = str(p, key);
  const problem = checkEnvelope(v);
  if (problem) throw new RpcError("invalid-envelope", `${key}: ${problem.message}`, { path: key });
  return v;
}

export function makeHandlers(daemon: Daemon, onShutdown: () => void): Record<string, Handler> {
  return {
    "daemon.ping": () => ({ pong: true }),

    "daemon.health": () => daemon.health(),

    "daemon.shutdown": async (p) => {
      const timeoutMs = int(p, "timeoutMs", { min: 0, max: 60_000, default: 5000 });
      if (daemon.shuttingDown) throw new RpcError("shutting-down", "the daemon is shutting down");
      const r = await daemon.shutdown(timeoutMs);
      onShutdown();
      return r;
    },

    "sync.init": async (p) => {
      if (daemon.shuttingDown) throw new RpcError("shutting-down", "the daemon is shutting down");
      const relay = str(p, "relay", { max: 2048 });
      let url: URL;
      try {
        url = new URL(relay);
      } catch {
        throw invalidParams("relay", "not a URL");
      }
      if (url.protocol !== "ws:" && url.protocol !== "wss:") throw invalidParams("relay", "must be a ws:// or wss:// URL");
      const keyB64 = str(p, "jazzAuthKey");
      const seed = decodeBase64(keyB64);
      if (!seed || seed.length !== 32) throw invalidParams("jazzAuthKey", "must be base64 of exactly 32 bytes");
      const deviceId = str(p, "deviceId", { max: MAX_ID_CHARS });
      const deviceName = str(p, "deviceName", { min: 0, max: 256, optional: true }) ?? "";
      const platform = str(p, "platform", { min: 0, max: 64, optional: true }) ?? "";
      const create = bool(p, "create", false);
      const r = await daemon.init({ relay, seed, deviceId, deviceName, platform, create });
      setImmediate(() => void loadCrypto()); // warm up for the first push
      return r;
    },

    "sync.status": () => daemon.status(),

    "sync.reset": () => {
      if (daemon.shuttingDown) throw new RpcError("shutting-down", "the daemon is shutting down");
      return daemon.reset();
    },

    "sync.push": async (p) => {
      daemon.requireInitialized();
      await loadCrypto();
      const entries = p.entries;
      if (!Array.isArray(entries)) throw invalidParams("entries", "expected an array");
      if (entries.length > MAX_PUSH_ITEMS) throw invalidParams("entries", `at most ${MAX_PUSH_ITEMS} entries per call`);
      const bytes = entries.reduce((n: number, e: unknown) => n + Buffer.byteLength(JSON.stringify(e)), 0);
      if (bytes > MAX_PUSH_BYTES) {
        throw invalidParams("entries", `at most ${MAX_PUSH_BYTES} bytes of entries per call (these are ${bytes}); push them in smaller calls`);
      }
      const ackTimeoutMs = int(p, "ackTimeoutMs", { min: 0, max: 60_000, default: 5000 });
      const rejected: Rejected[] = [];
      const items: WireItem[] = [];
      for (const raw of entries) {
        const { item, rejected: rej } = checkItem(raw);
        if (item) items.push(item);
        else if (rej) rejected.push(rej);
      }
      const r = await daemon.push(items, ackTimeoutMs);
      return { accepted: r.accepted, duplicates: r.duplicates, rejected, acknowledged: r.acknowledged };
    },

    "sync.pull": async (p) => {
      daemon.requireInitialized();
      const positions = decodeCursor(p.cursor);
      const limit = int(p, "limit", { min: 1, max: MAX_PULL_LIMIT, default: 1000 });
      const exclude = str(p, "excludeDeviceId", { optional: true, min: 0, max: MAX_ID_CHARS }) || undefined;
      const r = await daemon.pull(positions, limit, exclude);
      return { entries: r.entries, cursor: encodeCursor(r.positions), hasMore: r.hasMore };
    },

    "sync.subscribe": () => {
      daemon.requireInitialized();
      daemon.subscribed = true;
      return { subscribed: true };
    },

    "sync.unsubscribe": () => {
      daemon.subscribed = false;
      return { subscribed: false };
    },

    "device.register": async (p) => {
      daemon.requireInitialized();
      const deviceId = str(p, "deviceId", { max: MAX_ID_CHARS });
      const envelope = await envelopeParam(p, "envelope");
      const updatedAt = int(p, "updatedAt");
      return daemon.registerDevice({ deviceId, envelope, updatedAt });
    },

    "device.list": () => daemon.listDevices(),

    "prefs.set": async (p) => {
      daemon.requireInitialized();
      const key = str(p, "key", { max: 256 });
      const envelope = await envelopeParam(p, "envelope");
      const updatedAt = int(p, "updatedAt");
      const deviceId = str(p, "deviceId", { max: MAX_ID_CHARS });
      return daemon.setPref({ key, envelope, updatedAt, deviceId });
    },

    "prefs.list": () => daemon.listPrefs(),
  };
}
