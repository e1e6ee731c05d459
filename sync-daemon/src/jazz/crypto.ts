// The cojson crypto provider (native napi addon, wasm fallback) and accounts from a seed.
import { cojsonInternals, type AgentSecret, type CryptoProvider, type RawAccountID } from "cojson";
import { NapiCrypto } from "cojson/crypto/NapiCrypto";

let provider: Promise<CryptoProvider> | undefined;

export function jazzCrypto(): Promise<CryptoProvider> {
  provider ??= NapiCrypto.create() as Promise<CryptoProvider>;
  return provider;
}

export interface SeedAccount {
  accountId: RawAccountID;
  agentSecret: AgentSecret;
}

/** The account every device derives from the same 32-byte jazz-auth seed. */
export function accountFromSeed(crypto: CryptoProvider, seed: Uint8Array): SeedAccount {
  const agentSecret = crypto.agentSecretFromSecretSeed(seed);
  const header = cojsonInternals.accountHeaderForInitialAgentSecret(agentSecret, crypto);
  const accountId = cojsonInternals.idforHeader(header, crypto) as RawAccountID;
  return { accountId, agentSecret };
}
