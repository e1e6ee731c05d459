// The JSON-RPC methods (PROTOCOL.md): each validates its params, then calls the
// daemon's state machine. Pushed items are checked (items.ts), with crypto-core's
// envelope parser, before anything reaches the store.
import type { Daemon } from "../daemon/daemon.js";
import { invalidParams, RpcError } from "../protocol/errors.js";
import { MAX_DEVICE_ID_CHARS, MAX_PULL_LIMIT, MAX_PUSH_BYTES, MAX_PUSH_ITEMS } from "../protocol/limits.js";
import type { PullResult, PushResult, RecordItem, Rejected } from "../protocol/types.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { checkHead, checkItem, loadCrypto } from "./items.js";
import type { Handler } from "./server.js";
import { bool, decodeBase64, int, str } from "./validate.js";

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
      const deviceId = str(p, "deviceId", { max: MAX_DEVICE_ID_CHARS });
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

    "sync.push": async (p): Promise<PushResult> => {
      daemon.requireInitialized();
      await loadCrypto();
      const raw = p.items;
      if (!Array.isArray(raw)) throw invalidParams("items", "expected an array");
      if (raw.length > MAX_PUSH_ITEMS) throw invalidParams("items", `at most ${MAX_PUSH_ITEMS} items per call`);
      const bytes = raw.reduce((n: number, e: unknown) => n + Buffer.byteLength(JSON.stringify(e) ?? ""), 0);
      if (bytes > MAX_PUSH_BYTES) {
        throw invalidParams("items", `at most ${MAX_PUSH_BYTES} bytes of items per call (these are ${bytes}); push them in smaller calls`);
      }
      const head = checkHead(p.head);
      const ackTimeoutMs = int(p, "ackTimeoutMs", { min: 0, max: 60_000, default: 5000 });
      // Rejections are listed in the order of the items, the head's last.
      const refused: { at: number; rejected: Rejected }[] = [];
      const items: RecordItem[] = [];
      const places: number[] = [];
      for (const [at, r] of raw.entries()) {
        const checked = checkItem(r);
        if ("item" in checked) {
          items.push(checked.item);
          places.push(at);
        } else refused.push({ at, rejected: checked.rejected });
      }
      const r = await daemon.push(items, head, ackTimeoutMs);
      for (const x of r.rejected) refused.push({ at: x.at < 0 ? raw.length : places[x.at], rejected: x.rejected });
      refused.sort((x, y) => x.at - y.at);
      return { ...r, rejected: refused.map((x) => x.rejected) };
    },

    "sync.pull": async (p): Promise<PullResult> => {
      daemon.requireInitialized();
      const positions = decodeCursor(p.cursor);
      const limit = int(p, "limit", { min: 1, max: MAX_PULL_LIMIT, default: 1000 });
      const r = await daemon.pull(positions, limit);
      return { items: r.items, cursor: encodeCursor(r.positions), hasMore: r.hasMore, heads: r.heads, gaps: r.gaps, forks: r.forks };
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
  };
}
