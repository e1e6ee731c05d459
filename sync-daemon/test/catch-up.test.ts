// A pull right after sync.init returns what the relay holds, not only what the
// local store had: a device coming back after others pushed needs no second
// pull and no waiting for sync.changed.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncClient } from "../src/client/SyncClient.js";
import type { RecordItem } from "../src/protocol/types.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, records, spawnDaemon, tempDir } from "./helpers.js";

let relay: Relay;
let a: SyncClient;
const seed = b64(randomBytes(32));
const dirB = tempDir();

async function pushAll(list: RecordItem[]): Promise<void> {
  for (let i = 0; i < list.length; i += 1000) {
    expect((await a.push(list.slice(i, i + 1000))).acknowledged).toBe(true);
  }
}

beforeAll(async () => {
  relay = await startRelay({ port: 0 });
  a = spawnDaemon(tempDir());
  await a.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-a", create: true });
});

afterAll(async () => {
  await a?.close();
  await relay?.close();
  cleanupTemp();
});

describe("the first pull after sync.init", () => {
  const first = records("dev-a", 0, 300, 200);
  const later = records("dev-a", 300, 2_500, 200);

  it("of a fresh device returns everything the relay has", async () => {
    await pushAll(first);
    const b = spawnDaemon(dirB);
    try {
      await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
      const { items: got } = await b.pullAll(null);
      expect(got).toEqual(first);
    } finally {
      await b.close();
    }
  });

  it("of a device whose store is behind returns what others pushed meanwhile", async () => {
    await pushAll(later);
    const b = spawnDaemon(dirB);
    try {
      // The store already has `first`: init loads the account locally, and
      // the relay's newer content is what the pull must wait for.
      await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
      const { items: got } = await b.pullAll(null);
      expect(got.length).toBe(first.length + later.length);
      expect(got).toEqual([...first, ...later]);
    } finally {
      await b.close();
    }
  });
});
