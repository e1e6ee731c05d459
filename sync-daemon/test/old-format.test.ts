// An account written by the v1 daemon (root version 1: logs, devices, prefs) is
// refused with `old-format` (-32011) and a message naming both formats; the
// daemon keeps serving and writes nothing into the old account.
import { randomBytes } from "node:crypto";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { LocalNode } from "cojson";
import { afterAll, describe, expect, it } from "vitest";
import type { DaemonError } from "../src/client/SyncClient.js";
import { accountFromSeed, jazzCrypto } from "../src/jazz/crypto.js";
import { openSqliteStorage } from "../src/jazz/storage.js";
import { ErrorKinds } from "../src/protocol/errors.js";
import { b64, cleanupTemp, spawnDaemon, spawnRelay, tempDir, type RelayProcess } from "./helpers.js";

let relay: RelayProcess | undefined;
afterAll(async () => {
  await relay?.stop();
  cleanupTemp();
});

/** Writes the account of `seed` with a v1 root straight into a relay store. */
async function writeV1Account(dbPath: string, seed: Uint8Array): Promise<string> {
  const crypto = await jazzCrypto();
  const { accountId, agentSecret } = accountFromSeed(crypto, seed);
  const storage = openSqliteStorage(dbPath);
  const { node } = await LocalNode.withNewlyCreatedAccount({
    creationProps: { name: "caro" },
    crypto,
    initialAgentSecret: agentSecret,
    storage: storage.storage,
    migration: async (acc, n) => {
      acc.set("profile", n.createGroup().createMap({ name: "caro" }).id, "trusting");
      const [logs, devices, prefs] = [acc.createMap(), acc.createMap(), acc.createMap()];
      acc.set("root", acc.createMap({ version: 1, logs: logs.id, devices: devices.id, prefs: prefs.id }).id, "trusting");
    },
  });
  await node.gracefulShutdown();
  storage.db.close();
  chmodSync(dbPath, 0o600);
  return accountId;
}

describe("an account of format 1", () => {
  it("is refused with old-format, and the daemon keeps serving", async () => {
    const seed = randomBytes(32);
    const db = join(tempDir("caro-relay-"), "relay.sqlite");
    const accountId = await writeV1Account(db, seed);
    relay = await spawnRelay({ db });
    const d = spawnDaemon(tempDir());
    try {
      const err = await d.init({ relay: relay.url, jazzAuthKey: b64(seed), deviceId: "dev-new" }).then(
        () => undefined,
        (e: DaemonError) => e,
      );
      expect(err?.kind).toBe("old-format");
      expect(err?.code).toBe(ErrorKinds["old-format"]);
      expect(err?.code).toBe(-32011);
      expect(err?.message).toMatch(/older caro.*format 1.*format 2/);
      expect(await d.status()).toMatchObject({ state: "UNINITIALIZED", accountId: null });
      expect(await d.ping()).toEqual({ pong: true });
      expect(accountId).toMatch(/^co_z/);
    } finally {
      await d.close();
    }
  });
});
