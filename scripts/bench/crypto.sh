#!/usr/bin/env bash
# crypto-core benchmark: Argon2id derive, AES-256-GCM seal/open at 256 B and
# 1 MiB, native (release example) vs WASM (Node, through sync-daemon's API),
# and the WASM module's load time. Prints a markdown table. Expects `make build`
# (which `make bench` runs first): the wasm build and sync-daemon/dist.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --quiet --release -p crypto-core --example bench
native=$(target/release/examples/bench)
wasm=$(cd sync-daemon && node bench/crypto-bench.mjs)

NATIVE="$native" WASM="$wasm" node --input-type=module <<'JS'
const n = JSON.parse(process.env.NATIVE);
const w = JSON.parse(process.env.WASM);
const ms = (x) => `${x.toFixed(0)} ms`;
const ops = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M ops/s` : `${(x / 1e3).toFixed(0)} k ops/s`);
const mbs = (x) => `${x.toFixed(0)} MB/s`;
const rows = [
  ["Argon2id derive (m=64 MiB, t=3, p=4) + HKDF", ms(n.deriveMs), ms(w.deriveMs), "≤ 200 ms native, ≤ 300 ms WASM"],
  ["seal, 256-byte payload", ops(n.seal256OpsPerSec), ops(w.seal256OpsPerSec), "≥ 1 M/s native, ≥ 100 k/s WASM"],
  ["open, 256-byte payload", ops(n.open256OpsPerSec), ops(w.open256OpsPerSec), ""],
  ["seal, 1 MiB payload", mbs(n.seal1MiBMBps), mbs(w.seal1MiBMBps), ""],
  ["open, 1 MiB payload", mbs(n.open1MiBMBps), mbs(w.open1MiBMBps), ""],
  ["load the WASM module (import of dist/crypto.js)", "–", `${w.loadMs.toFixed(1)} ms`, ""],
];
console.log("| crypto-core | native --release | Node + WASM | bar |");
console.log("|---|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
JS
