// The package's public API: crypto (shared with the caro CLI through crypto-core),
// the daemon client and the self-hosted relay.
export * from "./crypto.js";
