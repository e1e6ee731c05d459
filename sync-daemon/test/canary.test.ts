// No plaintext: canary strings that existed only before sealing appear zero times
// in any file the relay or the daemons wrote.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deriveKeys, generatePhrase, seal } from "../src/crypto.js";
import type { RecordItem } from "../src/protocol/types.js";
import { SyncClient } from "../src/client/SyncClient.js";
import { b64, cleanupTemp, countOccurrences, DAEMON, filesUnder, spawnRelay, tempDir, waitFor, type RelayProcess } from "./helpers.js";

let relay: RelayProcess | undefined;
afterAll(async () => {
  await relay?.stop();
  cleanupTemp();
});

describe("no plaintext at rest", () => {
  it("canaries appear zero times in the relay's and the daemons' files", async () => {
    const keys = deriveKeys(generatePhrase());
    const canary = (n: number) => `CANARY-${randomUUID()}-${n}`;
    const commandCanaries = Array.from({ length: 20 }, (_, i) => canary(i));
    const deviceCanary = canary(100);
    const prefCanary = canary(101);
    const relayDir = tempDir("caro-relay-");
    relay = await spawnRelay({ db: join(relayDir, "relay.sqlite") });
    const dirA = tempDir();
    const dirB = tempDir();
    let logs = "";
    const spawnLogged = (dir: string) =>
      SyncClient.spawn({ dataDir: dir, daemonPath: DAEMON, env: { CARO_SYNC_LOG_LEVEL: "debug" }, stderr: (c) => (logs += c) });
    const a = spawnLogged(dirA);
    const b = spawnLogged(dirB);
    const seed = b64(keys.jazzAuthKey);
    await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a", deviceName: deviceCanary, create: true });
    // Every kind of record, sealed under its kind's key (the daemon never opens one).
    const sealed = (seq: number, kind: string, id: string, key: Uint8Array, plaintext: string): RecordItem => {
      const hints = { deviceId: "dev-a", epoch: 1, id, kind, seq };
      return { ...hints, envelope: b64(seal(key, plaintext, JSON.stringify({ ...hints, v: 2 }))) };
    };
    const entries = commandCanaries.map((c, i) => {
      const id = randomUUID();
      return sealed(i, "entry", id, keys.commandKey, JSON.stringify({ body: { command: `echo ${c}`, cwd: `/home/${c}` } }));
    });
    const n = entries.length;
    entries.push(sealed(n, "device", "dev-a", keys.deviceKey, JSON.stringify({ body: { name: deviceCanary } })));
    entries.push(sealed(n + 1, "pref", "theme", keys.preferenceKey, JSON.stringify({ body: { value: prefCanary } })));
    expect((await a.push(entries)).acknowledged).toBe(true);
    await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b", deviceName: deviceCanary });
    const pulled = await waitFor(async () => {
      const r = await b.pullAll(null);
      return r.items.length === entries.length ? r.items : undefined;
    }, 10_000, "B to pull");
    expect(pulled).toEqual(entries);
    await Promise.all([a.close(), b.close()]);
    await relay.stop();

    const files = filesUnder(relayDir, dirA, dirB);
    expect(files.some((f) => f.endsWith("relay.sqlite"))).toBe(true);
    expect(files.filter((f) => f.endsWith("jazz.sqlite")).length).toBe(2);
    for (const f of files) {
      for (const c of [...commandCanaries, deviceCanary, prefCanary]) {
        expect(countOccurrences(f, c), `${c} in ${f}`).toBe(0);
      }
    }
    // Logs (debug level) carry neither canaries nor the key.
    expect(logs).toContain("initialized");
    for (const c of [...commandCanaries, deviceCanary, prefCanary, seed]) expect(logs.includes(c), c).toBe(false);
  });
});
