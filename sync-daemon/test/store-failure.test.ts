// A failing local store is reported, not hidden: daemon.health says unhealthy and
// the call that needed the store fails with a clear error instead of hanging or
// claiming success. Both failures are real: a store file that is no SQLite
// database, and writes refused by the file-size limit (RLIMIT_FSIZE, set with
// `ulimit -f` in a wrapper; Node ignores SIGXFSZ, so SQLite sees EFBIG, as on a
// full disk).
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DaemonError, SyncClient } from "../src/client/SyncClient.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, DAEMON, record, spawnDaemon, tempDir } from "./helpers.js";

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({ port: 0 });
});
afterAll(async () => {
  await relay.close();
  cleanupTemp();
});

/** A well-formed envelope of about `bytes` bytes (version 1, nonce, ciphertext + tag). */
function envelope(bytes: number): string {
  return b64(Buffer.concat([Buffer.from([1]), randomBytes(12 + bytes)]));
}

async function rejection(p: Promise<unknown>): Promise<DaemonError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DaemonError);
    return err as DaemonError;
  }
  throw new Error("expected the call to fail");
}

describe("a failing local store", () => {
  it("that is no database: sync.init fails naming the file, health is unhealthy, nothing is deleted", async () => {
    const dataDir = tempDir();
    const seed = b64(randomBytes(32));
    const first = spawnDaemon(dataDir);
    await first.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a", create: true });
    expect((await first.health()).healthy).toBe(true);
    await first.close();

    const storePath = join(dataDir, "jazz.sqlite");
    const garbage = Buffer.alloc(8192, "not a database ");
    writeFileSync(storePath, garbage);
    const second = spawnDaemon(dataDir, "error");
    try {
      const err = await rejection(second.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a" }));
      expect(err.kind).toBe("internal");
      expect(err.message).toContain(storePath);
      const health = await second.health();
      expect(health.healthy).toBe(false);
      expect(health.state).toBe("UNINITIALIZED");
      // The file is left for the user to inspect or move aside.
      expect(readFileSync(storePath)).toEqual(garbage);
      expect(JSON.parse(readFileSync(join(dataDir, "meta.json"), "utf8")).deviceId).toBe("dev-a");

      // After sync.reset a fresh store opens and health recovers.
      await second.reset();
      await second.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a" });
      expect((await second.health()).healthy).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("that refuses writes: the push fails instead of claiming success, health is unhealthy", async () => {
    const dataDir = tempDir();
    const wrapper = join(tempDir(), "node-fsize.sh");
    // 4096 blocks (2-4 MiB, by shell): room for the account, not for the pushes below.
    writeFileSync(wrapper, `#!/bin/sh\nulimit -f 4096\nexec "${process.execPath}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const client = SyncClient.spawn({ dataDir, daemonPath: DAEMON, node: wrapper, env: { CARO_SYNC_LOG_LEVEL: "error" }, stderr: "ignore" });
    try {
      await client.init({ relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: "dev-a", create: true });
      expect((await client.health()).healthy).toBe(true);
      // One ~400 KB entry a push (sync.push takes at most 512 KiB), until the
      // limit is reached: the pushes before it were stored.
      let stored = 0;
      let err: DaemonError | undefined;
      for (let i = 0; i < 24 && !err; i++) {
        const item = { ...record("dev-a", stored), envelope: envelope(300_000) };
        try {
          expect((await client.push([item], { ackTimeoutMs: 0 })).accepted).toBe(1);
          stored++;
        } catch (e) {
          err = e as DaemonError;
        }
      }
      expect(stored).toBeGreaterThan(0);
      expect(err).toBeInstanceOf(DaemonError);
      expect(err!.kind).toBe("internal");
      expect(err!.message).toMatch(/local store failed/);
      const health = await client.health();
      expect(health.healthy).toBe(false);
      // The daemon still answers, and later writes fail the same way.
      expect(await client.ping()).toEqual({ pong: true });
      const again = await rejection(client.push([record("dev-a", stored)], { ackTimeoutMs: 0 }));
      expect(again.message).toMatch(/local store failed/);
    } finally {
      await client.close({ graceMs: 10_000 });
    }
  });
});
