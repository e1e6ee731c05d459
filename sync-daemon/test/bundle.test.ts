// The daemon ships as a bundle (dist/caro-sync-daemon.cjs) whose lazily loaded
// parts are separate chunks: the native and the WASM Jazz crypto, and
// crypto-core's WASM. A daemon forced onto the WASM Jazz crypto must load it
// from the bundle's chunk and interoperate with one on the native addon.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { SyncClient } from "../src/client/SyncClient.js";
import { startRelay } from "../src/relay/server.js";
import { b64, cleanupTemp, DAEMON, record, spawnDaemon, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

describe("the bundled daemon", () => {
  it("runs on the WASM Jazz crypto and syncs with a daemon on the native one", async () => {
    const relay = await startRelay({ port: 0 });
    const seed = b64(randomBytes(32));
    const wasm = SyncClient.spawn({
      dataDir: tempDir(),
      daemonPath: DAEMON,
      env: { CARO_SYNC_LOG_LEVEL: "warn", CARO_SYNC_JAZZ_CRYPTO: "wasm" },
    });
    const native = spawnDaemon(tempDir());
    try {
      await wasm.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-wasm", create: true });
      const entry = record("dev-wasm", 0);
      // Invalid envelopes are rejected by crypto-core's parser, loaded from its own chunk.
      const pushed = await wasm.push([entry, { ...record("dev-wasm", 1), envelope: b64(Buffer.from([9, 9, 9])) }]);
      expect(pushed.accepted).toBe(1);
      expect(pushed.rejected.map((r) => r.kind)).toEqual(["invalid-envelope"]);
      expect(pushed.acknowledged).toBe(true);

      await native.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-native" });
      const { items } = await native.pullAll(null);
      expect(items).toEqual([entry]);
    } finally {
      await wasm.close();
      await native.close();
      await relay.close();
    }
  });
});
