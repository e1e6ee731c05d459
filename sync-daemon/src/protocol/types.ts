// The wire types of the daemon's JSON-RPC methods (PROTOCOL.md), one home for the
// server (src/rpc, src/daemon, src/jazz) and for SyncClient: what travels, not how
// it is stored.

export type DaemonState = "UNINITIALIZED" | "INITIALIZING" | "ONLINE" | "OFFLINE";

/** A sealed command entry. */
export interface Entry {
  id: string;
  deviceId: string;
  createdAt: number;
  /** base64 of a crypto-core envelope. */
  envelope: string;
}

/** The deletion of an entry. */
export interface Tombstone {
  id: string;
  deviceId: string;
  createdAt: number;
  op: "delete";
}

export type SyncItem = Entry | Tombstone;

/** One item as the daemon handles it: an entry (envelope) or a tombstone (op). */
export interface WireItem {
  id: string;
  deviceId: string;
  createdAt: number;
  envelope?: string;
  op?: "delete";
}

export interface DeviceRecord {
  deviceId: string;
  envelope: string;
  updatedAt: number;
}

export interface PrefRecord {
  key: string;
  envelope: string;
  updatedAt: number;
  deviceId: string;
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

/** An item `sync.push` refused, with why. */
export interface Rejected {
  id: string | null;
  kind: "invalid-entry" | "invalid-base64" | "invalid-envelope";
  message: string;
}

export interface PushResult {
  accepted: number;
  duplicates: number;
  rejected: Rejected[];
  acknowledged: boolean;
}

export interface PullResult {
  entries: SyncItem[];
  cursor: string;
  hasMore: boolean;
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
