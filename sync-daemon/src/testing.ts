// `caro-sync-daemon/testing`: the deterministic crypto entry points test vectors
// need (caller-chosen nonces, entropy and master keys). They live outside the
// package root so that no ordinary caller can reuse a nonce by accident; only
// the vector tests import them.
export { cryptoTesting } from "./crypto.js";
export { recordsTesting } from "./client/records.js";
