// The package's public API: crypto (shared with the caro CLI through crypto-core),
// sync protocol v2's records, the daemon client and the self-hosted relay. The
// deterministic (nonce-choosing) crypto entry points are not here: see src/testing.ts.
export {
  generatePhrase,
  validatePhrase,
  normalizePhrase,
  deriveKeys,
  seal,
  open,
  parseEnvelope,
  validateEnvelope,
} from "./crypto.js";
export type { CryptoErrorName, KeySet, EnvelopeInfo, BytesLike } from "./crypto.js";
export {
  sealRecord,
  openRecord,
  openHead,
  recordHash,
  checkTime,
  verifyChain,
  keyFor,
  GENESIS_PREV,
} from "./client/records.js";
export type {
  RecordKind,
  SyncRecord,
  NewRecord,
  EntryRecord,
  DeleteRecord,
  PrefRecord,
  DeviceRecord,
  HeadRecord,
  EntryBody,
  WireItem,
  WireHead,
  ChainPosition,
  ChainReport,
} from "./client/records.js";
export { SyncClient, DaemonError, defaultDaemonPath } from "./client/SyncClient.js";
export type { SyncClientOptions, SyncClientEvents, PullAllResult } from "./client/SyncClient.js";
export type {
  DaemonState,
  RecordItem,
  HeadItem,
  DeviceHead,
  Gap,
  Fork,
  Rejected,
  RejectKind,
  InitParams,
  InitResult,
  PushParams,
  PushResult,
  PullResult,
  StatusResult,
  HealthResult,
} from "./protocol/types.js";
export { startRelay } from "./relay/server.js";
export type { Relay, RelayOptions } from "./relay/server.js";
export { ErrorKinds } from "./protocol/errors.js";
export type { ErrorKind } from "./protocol/errors.js";
