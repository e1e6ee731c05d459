// How much one connection and one account may store on the relay. Every frame a
// client sends is weighed before cojson sees it; a frame that would take either
// over its quota is dropped whole (nothing of it stored) and the connection is
// closed with the reason. Bytes are attributed to the account that signed them:
// a transaction lives in a session whose id starts with its author's account (or
// agent) id, and the relay's LocalNode verifies that signature before storing, so
// nobody can spend another account's quota. Writes into someone else's CoValue
// (which cojson stores even when the group does not permit them) count against
// the writer.
import type { WebSocket } from "ws";

export interface Limits {
  /** Largest WebSocket message accepted; larger ones close the connection (1009). */
  maxFrameBytes: number;
  /** Content bytes one connection may send to be stored. */
  maxConnectionBytes: number;
  /** Content bytes the relay stores for one account, across connections and restarts. */
  maxAccountBytes: number;
}

const MIB = 1024 * 1024;

/**
 * The largest legitimate frame is one content message holding one transaction at
 * cojson's limit (1 MiB of encrypted changes) plus its header, ids and signature:
 * cojson's outgoing batching never joins a message that size with another. 2 MiB
 * leaves room for that overhead twice over. The daemon's batches (1,000 entries a
 * chunk) are split by cojson into content messages of ~100 KiB.
 */
export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 2 * MIB,
  maxConnectionBytes: 256 * MIB,
  maxAccountBytes: 1024 * MIB,
};

/** How many transactions of `session` in CoValue `id` the relay holds, when it knows. */
export type KnownCount = (id: string, session: string) => number | undefined;

export type Verdict = { ok: true; connectionBytes: number; accountBytes: Map<string, number> } | { ok: false; reason: string };

/** The author of a session: `co_z…_session_z…` → `co_z…` (or the agent id of an account's first session). */
export function sessionAuthor(session: string): string {
  const at = session.indexOf("_session");
  return at < 0 ? session : session.slice(0, at);
}

export class Ledger {
  private readonly perAccount: Map<string, number>;

  constructor(
    readonly limits: Limits,
    private readonly known: KnownCount,
    stored: Map<string, number> = new Map(),
  ) {
    this.perAccount = stored;
  }

  /** Bytes stored for `account` so far. */
  usedBy(account: string): number {
    return this.perAccount.get(account) ?? 0;
  }

  /** Weighs one frame's messages for a connection that has sent `connectionUsed` bytes. */
  weigh(messages: unknown[], connectionUsed: number): Verdict {
    let connectionBytes = 0;
    const accountBytes = new Map<string, number>();
    for (const msg of messages) {
      if (!isContent(msg)) continue;
      if (msg.header !== undefined) connectionBytes += JSON.stringify(msg.header).length;
      for (const [session, content] of Object.entries(msg.new ?? {})) {
        const txs: unknown[] = Array.isArray(content?.newTransactions) ? content.newTransactions : [];
        const after = Number.isSafeInteger(content?.after) ? (content?.after as number) : 0;
        const have = this.known(msg.id, session);
        // Transactions the relay already holds are not stored again.
        const skip = have === undefined ? 0 : Math.min(Math.max(have - after, 0), txs.length);
        let bytes = 0;
        for (let i = skip; i < txs.length; i++) bytes += JSON.stringify(txs[i])?.length ?? 0;
        if (bytes === 0) continue;
        connectionBytes += bytes;
        const author = sessionAuthor(session);
        accountBytes.set(author, (accountBytes.get(author) ?? 0) + bytes);
      }
    }
    if (connectionUsed + connectionBytes > this.limits.maxConnectionBytes) {
      return { ok: false, reason: `connection quota exceeded (${this.limits.maxConnectionBytes} bytes stored per connection)` };
    }
    for (const [account, bytes] of accountBytes) {
      if (this.usedBy(account) + bytes > this.limits.maxAccountBytes) {
        return { ok: false, reason: `account quota exceeded (${this.limits.maxAccountBytes} bytes stored per account)` };
      }
    }
    return { ok: true, connectionBytes, accountBytes };
  }

  /** Records what an accepted frame stores. */
  commit(accountBytes: Map<string, number>): void {
    for (const [account, bytes] of accountBytes) this.perAccount.set(account, this.usedBy(account) + bytes);
  }
}

interface ContentMessage {
  action: "content";
  id: string;
  header?: unknown;
  new?: Record<string, { after?: unknown; newTransactions?: unknown } | null>;
}

function isContent(msg: unknown): msg is ContentMessage {
  if (typeof msg !== "object" || msg === null) return false;
  const m = msg as Record<string, unknown>;
  return m.action === "content" && typeof m.id === "string" && (m.new === undefined || (typeof m.new === "object" && m.new !== null));
}

type Listener = (event: never) => void;

/** What cojson-transport-ws's createWebSocketPeer needs of a WebSocket. */
export interface PeerSocket {
  addEventListener(type: string, listener: Listener, options?: { once: boolean }): void;
  removeEventListener(type: string, listener: Listener): void;
  close(): void;
  send(data: string): void;
  readonly readyState: number;
  readonly bufferedAmount: number;
}

/**
 * A view of `ws` for cojson in which only frames the ledger accepts arrive.
 * `onRefused` is told why a connection was closed.
 */
export function gateSocket(ws: WebSocket, ledger: Ledger, onRefused: (reason: string) => void): PeerSocket {
  const listeners = new Map<string, Map<Listener, boolean>>();
  const dispatch = (type: string, event: unknown) => {
    const set = listeners.get(type);
    if (!set) return;
    for (const [listener, once] of [...set]) {
      if (once) set.delete(listener);
      (listener as (e: unknown) => void)(event);
    }
  };
  let used = 0;
  const refuse = (code: number, reason: string) => {
    onRefused(reason);
    ws.close(code, reason);
  };
  ws.on("message", (data, isBinary) => {
    if (isBinary) return refuse(1003, "binary frames are not accepted");
    const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString("utf8");
    if (text === "") return;
    let messages: unknown[];
    try {
      messages = text.split("\n").map((line) => JSON.parse(line) as unknown);
    } catch {
      return refuse(1007, "a frame that is not JSON lines");
    }
    const verdict = ledger.weigh(messages, used);
    if (!verdict.ok) return refuse(1008, verdict.reason);
    used += verdict.connectionBytes;
    ledger.commit(verdict.accountBytes);
    dispatch("message", { data: text });
  });
  ws.on("close", (code, reason) => dispatch("close", { code, reason: reason.toString() }));
  ws.on("error", (err) => dispatch("error", err));
  return {
    addEventListener(type, listener, options) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Map()));
      set.set(listener, options?.once ?? false);
    },
    removeEventListener(type, listener) {
      listeners.get(type)?.delete(listener);
    },
    close: () => ws.close(),
    send: (data) => ws.send(data),
    get readyState() {
      return ws.readyState;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}
