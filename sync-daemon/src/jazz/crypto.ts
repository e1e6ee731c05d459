// The cojson crypto provider (native napi addon, wasm fallback) and accounts from a seed.
import { cojsonInternals, type AgentSecret, type CryptoProvider, type RawAccountID } from "cojson";
import { log } from "../log.js";

let provider: Promise<CryptoProvider> | undefined;

/**
 * The native addon (cojson-core-napi) where a prebuilt binary exists for this
 * platform, else the WebAssembly build: same algorithms, same ids.
 */
export function jazzCrypto(): Promise<CryptoProvider> {
  provider ??= (async () => {
    if (process.env.CARO_SYNC_JAZZ_CRYPTO !== "wasm") {
      try {
        const { NapiCrypto } = await import("cojson/crypto/NapiCrypto");
        return (await NapiCrypto.create()) as CryptoProvider;
      } catch (err) {
        log.debug("native Jazz crypto unavailable, using wasm", { error: err instanceof Error ? err.message : String(err) });
      }
    }
    const { WasmCrypto } = await import("cojson/crypto/WasmCrypto");
    return (await WasmCrypto.create()) as CryptoProvider;
  })();
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
