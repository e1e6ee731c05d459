// The wire types of the daemon's JSON-RPC methods (PROTOCOL.md, sync protocol v2),
// one home for the server (src/rpc, src/daemon, src/jazz) and for SyncClient: what
// travels, not how it is stored. An item is routing hints plus a sealed record;
// the daemon never opens it.

export type DaemonState = "UNINITIALIZED" | "INITIALIZING" | "ONLINE" | "OFFLINE";

/** One sealed v2 record on the wire: the hints (the record's AAD) and the envelope. */
export interface RecordItem {
  /** The author: the device whose log holds the record. */
  deviceId: string;
  /** The record's place in its device's log: 0, 1, 2, … without holes. */
  seq: number;
  /** "entry" | "delete" | "pref" | "device" (the daemon accepts any 1–32 chars a–z). */
  kind: string;
  id: string;
  /** The key epoch, ≥ 1. */
  epoch: number;
  /** base64 of a crypto-core envelope. */
  envelope: string;
}

/** A device's sealed head as pushed: the seq and hash of its last record, sealed. */
export interface HeadItem {
  seq: number;
  epoch: number;
  envelope: string;
}

/** A head as pulled: whose log it closes. */
export interface DeviceHead extends HeadItem {
  deviceId: string;
}

/** The daemon holds a later record of `deviceId` but not seq `from`..`to`: delivery stops at `from`. */
export interface Gap {
  deviceId: string;
  from: number;
  to: number;
}

/** Two different records stored for one (deviceId, seq): the first in CoList order is delivered. */
export interface Fork {
  deviceId: string;
  seq: number;
}

/** `sync.init` params as sent. */
export interface InitParams {
  relay: string;
  /** base64 of the 32-byte jazz-auth key (deriveKeys(phrase).jazzAuthKey). */
  jazzAuthKey: string;
  deviceId: string;
  deviceName?: string;
  platform?: string;
  create?: boolean;
}

export interface InitResult {
  accountId: string;
  state: DaemonState;
}

export type RejectKind = "invalid-item" | "invalid-base64" | "invalid-envelope" | "wrong-device" | "seq-conflict" | "seq-gap";

/** An item (or the head, `id: "head"`) `sync.push` refused, with why. */
export interface Rejected {
  seq: number | null;
  id: string | null;
  kind: RejectKind;
  message: string;
}

export interface PushParams {
  items: RecordItem[];
  head?: HeadItem;
  ackTimeoutMs?: number;
}

export interface PushResult {
  accepted: number;
  duplicates: number;
  rejected: Rejected[];
  acknowledged: boolean;
  /** One past the own log's last seq after the call. */
  nextSeq: number;
}

export interface PullResult {
  items: RecordItem[];
  cursor: string;
  hasMore: boolean;
  heads: DeviceHead[];
  gaps: Gap[];
  forks: Fork[];
}

export interface StatusResult {
  state: DaemonState;
  accountId: string | null;
  deviceId: string | null;
  relay: string | null;
  connected: boolean;
  pending: number;
}

export interface HealthResult {
  /** False once the local store has failed (a SQLite error on open or write). */
  healthy: boolean;
  uptime: number;
  state: DaemonState;
  relay: { url: string | null; connected: boolean; latencyMs: number | null };
  storage: { entries: number; sizeBytes: number };
  queue: { pending: number; failed: number };
}
