// WASM half of scripts/bench/crypto.sh: the same measurements as crypto-core's
// `bench` example, through the package's typed API (dist/crypto.js, built by
// `make build`), printed as one JSON object.
import { performance } from "node:perf_hooks";

const loadStarted = performance.now();
const crypto = await import("../dist/crypto.js");
const loadMs = performance.now() - loadStarted;

function rate(budgetMs, op) {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < budgetMs) {
    for (let i = 0; i < 16; i++) op();
    count += 16;
  }
  return count / ((performance.now() - started) / 1000);
}

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const phrase = crypto.cryptoTesting.phraseFromEntropy(new Uint8Array(32).fill(7));
const deriveMs = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  crypto.deriveKeys(phrase);
  deriveMs.push(performance.now() - started);
}

const key = new Uint8Array(32).fill(9);
const aad = new TextEncoder().encode("caro-sync/v1/command/0190f0a1-7c2e-7b3a-9f10-5d6c7e8f9a0b");
const small = new Uint8Array(256).fill(0x5a);
const large = new Uint8Array(1 << 20).fill(0x5a);
const smallSealed = crypto.seal(key, small, aad);
const largeSealed = crypto.seal(key, large, aad);
const mb = (1 << 20) / 1e6;
const budget = 700;

console.log(
  JSON.stringify({
    loadMs,
    deriveMs: median(deriveMs),
    seal256OpsPerSec: rate(budget, () => crypto.seal(key, small, aad)),
    open256OpsPerSec: rate(budget, () => crypto.open(key, smallSealed, aad)),
    seal1MiBMBps: rate(budget, () => crypto.seal(key, large, aad)) * mb,
    open1MiBMBps: rate(budget, () => crypto.open(key, largeSealed, aad)) * mb,
  }),
);
