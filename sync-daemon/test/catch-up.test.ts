// A pull right after sync.init returns what the relay holds, not only what the
// local store had: a device coming back after others pushed needs no second
// pull and no waiting for sync.changed.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncClient } from "../src/client/SyncClient.js";
import type { Entry } from "../src/protocol/types.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, spawnDaemon, tempDir } from "./helpers.js";

let relay: Relay;
let a: SyncClient;
const seed = b64(randomBytes(32));
const dirB = tempDir();

function entries(n: number, from: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    deviceId: "dev-a",
    createdAt: from + i,
    envelope: b64(Buffer.concat([Buffer.from([1]), randomBytes(12 + 200)])),
  }));
}

async function pushAll(list: Entry[]): Promise<void> {
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
  const first = entries(300, 1);
  const later = entries(2_500, 1_000);

  it("of a fresh device returns everything the relay has", async () => {
    await pushAll(first);
    const b = spawnDaemon(dirB);
    try {
      await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "dev-b" });
      const { entries: got } = await b.pullAll(null);
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
      const { entries: got } = await b.pullAll(null);
      expect(got.length).toBe(first.length + later.length);
      expect(got).toEqual([...first, ...later]);
    } finally {
      await b.close();
    }
  });
});
