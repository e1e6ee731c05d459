// No push can build a transaction cojson refuses (over 1 MiB, "Transaction too
// large to be synced", which used to fail every later sync the same way): the
// entry log splits a chunk's items into transactions under the budget, and
// sync.push refuses a call over MAX_PUSH_BYTES before storing anything.
import { randomBytes, randomUUID } from "node:crypto";
import { LocalNode } from "cojson";
import { afterAll, describe, expect, it } from "vitest";
import type { Entry } from "../src/protocol/types.js";
import { jazzCrypto } from "../src/jazz/crypto.js";
import { History } from "../src/jazz/history.js";
import { changeBytes, COJSON_MAX_TRANSACTION_BYTES, MAX_TRANSACTION_BYTES, transactionGroups } from "../src/jazz/transactions.js";
import { MAX_PULL_BYTES, MAX_PUSH_BYTES } from "../src/protocol/limits.js";
import { startRelay } from "../src/relay/server.js";
import { b64, cleanupTemp, spawnDaemon, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

/** An entry whose envelope is `bytes` random bytes (the entry log does not open envelopes). */
function entry(deviceId: string, createdAt: number, bytes: number): Entry {
  return { id: randomUUID(), deviceId, createdAt, envelope: b64(Buffer.concat([Buffer.from([1]), randomBytes(bytes - 1)])) };
}

describe("transactionGroups", () => {
  it("keeps the order and every group under the budget", () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ i, pad: "x".repeat(100 + 37 * i) }));
    const groups = transactionGroups(items, 4_000);
    expect(groups.flat()).toEqual(items);
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups) {
      expect(g.length).toBeGreaterThan(0);
      expect(g.reduce((n, it) => n + changeBytes(it), 0)).toBeLessThanOrEqual(4_000);
    }
  });

  it("refuses an item that cannot fit alone, before anything is written", () => {
    expect(() => transactionGroups([{ pad: "x".repeat(5_000) }], 4_000)).toThrow(/does not fit in one transaction/);
  });

  it("leaves a margin under cojson's limit", () => {
    expect(MAX_TRANSACTION_BYTES).toBeLessThan(COJSON_MAX_TRANSACTION_BYTES);
  });
});

describe("the entry log", () => {
  it("stores a chunk's worth of items far over 1 MiB in one push", async () => {
    const crypto = await jazzCrypto();
    const { node } = await LocalNode.withNewlyCreatedAccount({
      creationProps: { name: "caro" },
      crypto,
      initialAgentSecret: crypto.newRandomAgentSecret(),
      migration: async (acc, n) => {
        acc.set("profile", n.createGroup().createMap({ name: "caro" }).id, "trusting");
        History.createRoot(acc);
      },
    });
    const history = await History.open(node, node.expectCurrentAccount("test"), "dev-t");
    try {
      // 1,000 items of ~2.7 KB: 2.7 MB in what used to be one transaction.
      const items = Array.from({ length: 1_000 }, (_, i) => entry("dev-t", 1_000 + i, 2_000));
      const out = await history.entries.push(items);
      expect(out.accepted).toBe(1_000);
      const pulled = await history.entries.pull({}, 10_000, MAX_PULL_BYTES);
      expect(pulled.entries).toEqual(items);
      expect(pulled.positions).toEqual({ "dev-t": 1_000 });
      // A next push lands after them, in the next chunk.
      const more = [entry("dev-t", 5_000, 2_000)];
      expect((await history.entries.push(more)).accepted).toBe(1);
      expect((await history.entries.pull(pulled.positions, 10, MAX_PULL_BYTES)).entries).toEqual(more);
    } finally {
      history.close();
      await node.gracefulShutdown();
    }
  });
});

describe("sync.push", () => {
  it("refuses a call over maxPushBytes whole, and takes calls under it", async () => {
    const relay = await startRelay({ port: 0 });
    const a = spawnDaemon(tempDir());
    try {
      await a.init({ relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: "dev-a", create: true });
      // 60 items of ~12 KB base64 (a 9 KB command, sealed): about 730 KB.
      const items = Array.from({ length: 60 }, (_, i) => entry("dev-a", 1 + i, 9_000));
      const total = items.reduce((n, it) => n + Buffer.byteLength(JSON.stringify(it)), 0);
      expect(total).toBeGreaterThan(MAX_PUSH_BYTES);
      await expect(a.push(items)).rejects.toMatchObject({ kind: "invalid-params", message: expect.stringContaining(`${MAX_PUSH_BYTES} bytes`) });
      expect((await a.pullAll()).entries).toEqual([]);
      const half = items.length / 2;
      for (const part of [items.slice(0, half), items.slice(half)]) {
        const r = await a.push(part);
        expect(r).toMatchObject({ accepted: part.length, rejected: [], acknowledged: true });
      }
      expect((await a.pullAll()).entries).toEqual(items);
    } finally {
      await a.close();
      await relay.close();
    }
  });
});
