// Bundles the daemon (after tsc) into CommonJS, dist/caro-sync-daemon.cjs: Node 20
// starts it in about half the time of the ESM module graph (resolving and linking
// ~200 files of cojson, ws and the daemon dominated its start-up). What the daemon
// imports lazily (crypto providers, crypto-core's WASM) stays lazy, in chunks
// beside it; native addons and WebAssembly packages stay outside. Everything sits
// in dist/ so that crypto.js's "../wasm/crypto_core.js" still resolves.
import { chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(pkg, "dist");
await build({
  input: join(pkg, "dist", "bin", "daemon.js"),
  platform: "node",
  external: [/^node:/, "better-sqlite3", /^cojson-core-napi/, "cojson-core-wasm", "bufferutil", "utf-8-validate"],
  output: {
    dir,
    format: "cjs",
    entryFileNames: "caro-sync-daemon.cjs",
    chunkFileNames: "caro-sync-daemon-[name].cjs",
  },
  logLevel: "warn",
});
chmodSync(join(dir, "caro-sync-daemon.cjs"), 0o755);
