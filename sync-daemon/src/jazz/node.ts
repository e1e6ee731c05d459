// The daemon's Jazz node and its one peer, the relay: opening an account (create
// or load, from the local store or the relay), the connection, and what cojson
// knows of sync state (stored locally? uploaded to the relay?). With chunks.ts and
// the other files here, the only code that touches cojson and ws; the daemon's
// state machine (src/daemon) sees this class only.
import { LocalNode, type AgentSecret, type CryptoProvider, type RawAccount, type RawAccountID, type RawCoID } from "cojson";
import { WebSocketPeerWithReconnection } from "cojson-transport-ws";
import { WebSocket } from "ws";
import { RpcError } from "../protocol/errors.js";
import { log } from "../log.js";
import { accountFromSeed, jazzCrypto } from "./crypto.js";
import { History } from "./history.js";
import { openSqliteStorage, type OpenedStorage } from "./storage.js";

export type CoId = RawCoID;

const CONNECT_TIMEOUT_MS = 3000;
const LOCAL_CONNECT_WAIT_MS = 1000;
const LOAD_TIMEOUT_MS = 4500;
/**
 * How long a connection attempt waits for the relay's WebSocket handshake. ws
 * waits forever by default, and cojson's reconnection loop waits on the attempt:
 * a path that accepts the connection and then drops everything (a relay that
 * stopped answering, a NAT that lost the flow) would stop sync for good. An
 * established connection has its own limit: cojson closes it when the relay's
 * pings (every 1.5 s) stop for 10 s.
 */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * ws's client with an all-zero frame mask, which ws (both ends) recognises and
 * skips. RFC 6455 masking protects HTTP intermediaries from scripts running in
 * browsers; this client is not a browser, and the payload is Jazz-encrypted.
 * Saves ~25% of the CPU of a large push.
 */
class UnmaskedWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { generateMask: (mask: Buffer) => void mask.fill(0), handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  }
}

/** The account a seed opens, known before anything is loaded. */
export interface Identity {
  accountId: string;
  /** A short hash of the agent secret: tells two seeds apart without keeping either. */
  fingerprint: string;
  crypto: CryptoProvider;
  agentSecret: AgentSecret;
}

export async function identify(seed: Uint8Array): Promise<Identity> {
  const crypto = await jazzCrypto();
  const { accountId, agentSecret } = accountFromSeed(crypto, seed);
  return { accountId, fingerprint: crypto.shortHash(agentSecret), crypto, agentSecret };
}

export interface OpenOptions {
  identity: Identity;
  relay: string;
  storePath: string;
  /** Create the account (it must not exist at the relay) instead of loading it. */
  create: boolean;
  /** The store holds this account (meta.json says so): load it from there first. */
  fromStore: boolean;
  deviceId: string;
  /** How many of this device's items the relay is known to hold. */
  ackedSeq: number;
  /** The local store failed (on open or on any later read or write). */
  onStoreFailure: (err: Error) => void;
  step: (what: string) => void;
}

export class JazzNode {
  private storeFailure: Error | undefined;
  private failureWaiters = new Set<(err: Error) => void>();

  private constructor(
    readonly accountId: string,
    readonly relay: string,
    private readonly node: LocalNode,
    private readonly peer: WebSocketPeerWithReconnection,
    private readonly storage: OpenedStorage,
    readonly history: History,
    private readonly pings: { last: number | null },
  ) {}

  /** Delay of the relay's last ping, for daemon.health. */
  get lastPingDelayMs(): number | null {
    return this.pings.last;
  }

  /** Opens the store, creates or loads the account and its history; cleans up after itself on failure. */
  static async open(o: OpenOptions): Promise<JazzNode> {
    const { crypto, agentSecret } = o.identity;
    const accountId = o.identity.accountId as RawAccountID;
    let self: JazzNode | undefined;
    const failed = (err: Error) => {
      o.onStoreFailure(err);
      self?.noteStoreFailure(err);
    };
    let storage: OpenedStorage;
    try {
      storage = openSqliteStorage(o.storePath, failed);
    } catch (err) {
      throw new RpcError(
        "internal",
        `the local store ${o.storePath} could not be opened (${(err as Error).message}): move it aside, or call sync.reset to start over from the relay`,
      );
    }
    o.step("store opened");
    let node: LocalNode | undefined;
    let peer: WebSocketPeerWithReconnection | undefined;
    const pings: { last: number | null } = { last: null };
    try {
      let account: RawAccount;
      if (o.create) {
        await assertRelayLacksAccount(crypto, o.relay, accountId);
        const created = await LocalNode.withNewlyCreatedAccount({
          creationProps: { name: "caro" },
          crypto,
          initialAgentSecret: agentSecret,
          storage: storage.storage,
          migration: async (acc, n) => {
            const profileGroup = n.createGroup();
            profileGroup.addMember("everyone", "reader");
            // The profile is world-readable in Jazz: a constant, never the device name.
            const profile = profileGroup.createMap({ name: "caro" });
            acc.set("profile", profile.id, "trusting");
            History.createRoot(acc);
          },
        });
        node = created.node;
        peer = connect(node, o.relay, pings);
        if (!(await waitConnected(peer, CONNECT_TIMEOUT_MS))) {
          throw new RpcError("relay-unreachable", `relay ${o.relay} unreachable`);
        }
        account = node.expectCurrentAccount("after creation");
      } else {
        node = new LocalNode(agentSecret, crypto.newRandomSessionID(accountId), crypto);
        node.setStorage(storage.storage);
        peer = connect(node, o.relay, pings);
        let loaded = o.fromStore ? await node.load(accountId) : ("unavailable" as const);
        if (loaded === "unavailable") {
          if (!(await waitConnected(peer, CONNECT_TIMEOUT_MS))) {
            throw new RpcError("relay-unreachable", `relay ${o.relay} unreachable`);
          }
          loaded = await withTimeout(node.load(accountId, true), LOAD_TIMEOUT_MS, "unavailable" as const);
          if (loaded === "unavailable") {
            throw new RpcError("account-not-found", "the relay does not have this account (wrong phrase or wrong relay?)");
          }
        } else {
          await waitConnected(peer, LOCAL_CONNECT_WAIT_MS);
        }
        account = loaded as unknown as RawAccount;
        o.step(o.fromStore ? "account loaded from the store" : "account loaded from the relay");
        if (account.currentAgentID() !== crypto.getAgentID(agentSecret)) {
          throw new RpcError("account-not-found", "the key does not match this account");
        }
      }
      const history = await History.open(node, account, o.deviceId, o.ackedSeq);
      o.step("history opened");
      self = new JazzNode(accountId, o.relay, node, peer, storage, history, pings);
      return self;
    } catch (err) {
      peer?.disable();
      await node?.gracefulShutdown().catch(() => undefined);
      if (storage.db.open) storage.db.close();
      throw err;
    }
  }

  /** Calls `listener` on every change of the relay connection. */
  onConnection(listener: (connected: boolean) => void): void {
    this.peer.subscribe(listener);
  }

  connected(): boolean {
    return this.peer.connected && !this.peer.closed && !!this.node.syncManager.peers[this.relay];
  }

  /** Whether the relay holds `id` as it is here (offline: whether cojson knows it unsynced). */
  isSynced(id: CoId): boolean {
    const peer = this.node.syncManager.peers[this.relay];
    if (peer && this.connected()) return this.node.syncManager.syncState.isSynced(peer, id);
    return !this.node.syncManager.unsyncedTracker.has(id);
  }

  /** True when every id is uploaded to the relay within the timeout. */
  async waitAcked(ids: Iterable<CoId>, timeoutMs: number): Promise<boolean> {
    const list = [...ids];
    if (list.length === 0) return true;
    if (!this.connected()) return false;
    const sync = this.node.syncManager;
    try {
      await Promise.all(list.map((id) => sync.waitForSyncWithPeer(this.relay, id, Math.max(1, timeoutMs))));
      return this.connected() || list.every((id) => !sync.unsyncedTracker.has(id));
    } catch {
      return false;
    }
  }

  /**
   * Resolves once the local store holds every id as it is in memory. The SQLite
   * storage writes synchronously when the transaction is made; this waits for
   * its confirmation anyway, and fails at once when the store has failed
   * (cojson would otherwise wait forever for a write that threw).
   */
  async waitStored(ids: Iterable<CoId>): Promise<void> {
    if (this.storeFailure) throw storeFailedError(this.storeFailure);
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(storeFailedError(err));
      this.failureWaiters.add(fail);
      Promise.all([...ids].map((id) => this.node.syncManager.waitForStorageSync(id)))
        .then(() => resolve(), reject)
        .finally(() => this.failureWaiters.delete(fail));
    });
  }

  private noteStoreFailure(err: Error): void {
    if (!this.storeFailure) this.storeFailure = err;
    for (const fail of [...this.failureWaiters]) fail(err);
  }

  /** Stops syncing and closes the node and the store. */
  async close(): Promise<void> {
    this.history.close();
    this.peer.disable();
    try {
      // Bounded: after a store failure cojson may wait for writes that never end.
      await withTimeout(this.node.gracefulShutdown(), 5000, undefined);
    } catch (err) {
      log.warn("node shutdown", { error: String(err) });
    }
    if (this.storage.db.open) this.storage.db.close();
  }
}

function storeFailedError(err: Error): RpcError {
  return new RpcError("internal", `the local store failed (${err.message}); daemon.health reports it; restart the daemon once the cause (e.g. a full disk) is fixed`);
}

function connect(node: LocalNode, url: string, pings: { last: number | null }): WebSocketPeerWithReconnection {
  const peer = new WebSocketPeerWithReconnection({
    peer: url,
    reconnectionTimeout: 500,
    addPeer: (x) => node.syncManager.addPeer(x),
    removePeer: () => {},
    WebSocketConstructor: UnmaskedWebSocket as unknown as ConstructorParameters<
      typeof WebSocketPeerWithReconnection
    >[0]["WebSocketConstructor"],
    onPingReceived: ({ serverTime, localReceiveTime }) => {
      pings.last = Math.max(0, localReceiveTime - serverTime);
    },
  });
  peer.enable();
  return peer;
}

/** create:true must not create a second root: probe the relay with a throwaway node first. */
async function assertRelayLacksAccount(crypto: CryptoProvider, url: string, accountId: RawAccountID): Promise<void> {
  const secret = crypto.newRandomAgentSecret();
  const probe = new LocalNode(secret, crypto.newRandomSessionID(crypto.getAgentID(secret)), crypto);
  const peer = connect(probe, url, { last: null });
  try {
    if (!(await waitConnected(peer, CONNECT_TIMEOUT_MS))) {
      throw new RpcError("relay-unreachable", `relay ${url} unreachable`);
    }
    const found = await withTimeout(probe.load(accountId, true), LOAD_TIMEOUT_MS, "unavailable" as const);
    if (found !== "unavailable") throw new RpcError("account-exists", "the relay already has this account");
  } finally {
    peer.disable();
    await probe.gracefulShutdown().catch(() => undefined);
  }
}

async function waitConnected(peer: WebSocketPeerWithReconnection, timeoutMs: number): Promise<boolean> {
  if (!peer.closed) return true;
  return withTimeout(
    peer.waitUntilConnected().then(() => true),
    timeoutMs,
    false,
  );
}

function withTimeout<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
