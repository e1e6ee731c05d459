// The package's public API: crypto (shared with the caro CLI through crypto-core),
// the daemon client and the self-hosted relay.
export * from "./crypto.js";
export { SyncClient, DaemonError, defaultDaemonPath } from "./client/SyncClient.js";
export type {
  SyncClientOptions,
  SyncClientEvents,
  DaemonState,
  Entry,
  Tombstone,
  SyncItem,
  InitParams,
  InitResult,
  PushResult,
  PullResult,
  StatusResult,
  HealthResult,
  DeviceRecord,
  PrefRecord,
} from "./client/SyncClient.js";
export { startRelay } from "./relay/server.js";
export type { Relay, RelayOptions } from "./relay/server.js";
export { ErrorKinds } from "./rpc/errors.js";
export type { ErrorKind } from "./rpc/errors.js";
