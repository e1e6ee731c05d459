#!/usr/bin/env bash
# The foundation demo (until sync exists): one crypto core, two runtimes.
# Rust generates a phrase, derives the keys and seals a command entry; Node
# derives the same keys through the WASM build and opens the entry.
# Run through `make demo`, which builds everything first.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release -p crypto-core --example demo
native=$(target/release/examples/demo)

cd sync-daemon
NATIVE="$native" node --input-type=module <<'JS'
import { deriveKeys, openCommand, parseEnvelope } from "./dist/crypto.js";

const native = JSON.parse(process.env.NATIVE);
console.log("1. Rust generated a recovery phrase (a throwaway, so it is shown):");
console.log(`   ${native.phrase}\n`);

console.log("2. Both runtimes derive the keys (Argon2id 64 MiB, t=3, p=4, then HKDF-SHA256):");
const started = performance.now();
const keys = deriveKeys(native.phrase);
const wasmMs = performance.now() - started;
console.log(`   native (Rust)  key id ${native.keyId}  in ${native.deriveMs.toFixed(0)} ms`);
console.log(`   WASM (Node)    key id ${keys.keyId}  in ${wasmMs.toFixed(0)} ms`);
if (keys.keyId !== native.keyId) throw new Error("key ids differ");
console.log("   key ids match\n");

const envelope = Buffer.from(native.envelope, "hex");
const info = parseEnvelope(envelope);
console.log(`3. Rust sealed entry ${native.entryId}:`);
console.log(`   envelope v${info.version}, ${envelope.length} bytes, ${info.ciphertextLength}-byte ciphertext`);
console.log(`   ${native.envelope.slice(0, 64)}…\n`);

console.log("4. JS opened it with its own command key:");
console.log(`   ${JSON.stringify(openCommand(keys.commandKey, native.entryId, envelope))}`);
try {
  openCommand(keys.commandKey, "another-entry-id", envelope);
} catch (error) {
  console.log(`   opened as another entry: ${error.name} (the AAD binds it to its id)`);
}
JS
