// Offline: relay stopped, A pushes, A is killed with SIGKILL, relay restarts, A
// restarts: B receives everything, nothing twice, without A's CLI pushing again.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { SyncClient } from "../src/client/SyncClient.js";
import type { RecordItem } from "../src/protocol/types.js";
import { b64, cleanupTemp, records, spawnDaemon, spawnRelay, tempDir, waitFor, type RelayProcess } from "./helpers.js";

const seed = b64(randomBytes(32));

let relay: RelayProcess | undefined;
const clients: SyncClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close({ graceMs: 2000 })));
  await relay?.stop();
  cleanupTemp();
});

describe("offline, SIGKILL, restart", () => {
  it("B receives everything A pushed while the relay was down, nothing twice", async () => {
    const relayDir = tempDir("caro-relay-");
    const db = join(relayDir, "relay.sqlite");
    relay = await spawnRelay({ db });
    const port = relay.port;
    const dirA = tempDir();
    let a = spawnDaemon(dirA);
    const b = spawnDaemon(tempDir());
    clients.push(b);
    await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a", create: true });
    const online = records("dev-a", 0, 2);
    expect((await a.push(online)).acknowledged).toBe(true);
    await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
    await b.subscribe();

    const received: RecordItem[] = [];
    let cursor: string | null = null;
    const drain = async () => {
      for (;;) {
        const r = await b.pull(cursor);
        received.push(...r.items);
        cursor = r.cursor;
        if (!r.hasMore) return;
      }
    };
    await drain();
    expect(received).toEqual(online);

    // Relay down: A keeps accepting pushes into its local store.
    await relay.stop();
    await waitFor(async () => ((await a.status()).state === "OFFLINE" ? true : undefined), 15_000, "A offline");
    const offline = records("dev-a", 2, 1200); // crosses a chunk boundary
    for (let i = 0; i < offline.length; i += 300) {
      const r = await a.push(offline.slice(i, i + 300), { ackTimeoutMs: 200 });
      expect(r).toMatchObject({ accepted: 300, duplicates: 0, rejected: [], acknowledged: false });
    }
    expect((await a.status()).pending).toBeGreaterThanOrEqual(1200);

    // Crash: no shutdown, no flush. cojson's own list of unsynced values is not
    // reliable after a crash (empty in 3 of 8 runs measured); clearing it makes
    // that case certain: the daemon must bring the relay up to date without it.
    await a.kill("SIGKILL");
    const store = new Database(join(dirA, "jazz.sqlite"));
    store.prepare("DELETE FROM unsynced_covalues").run();
    store.close();

    // Relay back on the same port with the same store, then A restarts from its local store.
    relay = await spawnRelay({ db, port });
    a = spawnDaemon(dirA);
    clients.push(a);
    const init = await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a" });
    expect(["ONLINE", "OFFLINE"]).toContain(init.state);

    await waitFor(async () => {
      await drain();
      return received.length >= online.length + offline.length ? true : undefined;
    }, 60_000, "B to receive every offline entry");
    expect(received).toEqual([...online, ...offline]);
    expect(received.map((e) => e.seq)).toEqual(received.map((_, i) => i));

    // The CLI's re-push of the unacknowledged batch is now acknowledged as duplicates.
    const repush = await a.push(offline.slice(0, 300));
    expect(repush).toEqual({ accepted: 0, duplicates: 300, rejected: [], acknowledged: true, nextSeq: 1202 });
    await waitFor(async () => ((await a.status()).pending === 0 ? true : undefined), 15_000, "A pending 0");
    // What the relay holds of A's items is on disk for the next start.
    const mark = JSON.parse(readFileSync(join(dirA, "acked.json"), "utf8"));
    expect(mark).toMatchObject({ deviceId: "dev-a", seq: online.length + offline.length });
  });
});
