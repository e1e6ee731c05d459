// No push can build a transaction cojson refuses (over 1 MiB, "Transaction too
// large to be synced", which used to fail every later sync the same way): the
// own log splits a chunk's records into transactions under the budget, and
// sync.push refuses a call over MAX_PUSH_BYTES before storing anything.
import { randomBytes } from "node:crypto";
import { LocalNode } from "cojson";
import { afterAll, describe, expect, it } from "vitest";
import { jazzCrypto } from "../src/jazz/crypto.js";
import { History } from "../src/jazz/history.js";
import { readAfter } from "../src/jazz/reader.js";
import { changeBytes, COJSON_MAX_TRANSACTION_BYTES, MAX_TRANSACTION_BYTES, transactionGroups } from "../src/jazz/transactions.js";
import { MAX_PULL_BYTES, MAX_PUSH_BYTES } from "../src/protocol/limits.js";
import { startRelay } from "../src/relay/server.js";
import { b64, cleanupTemp, records, spawnDaemon, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());


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

describe("the own log", () => {
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
      const items = records("dev-t", 0, 1_000, 2_000);
      const out = await history.own.push(items, undefined);
      expect(out).toMatchObject({ accepted: 1_000, rejected: [], nextSeq: 1_000 });
      const pulled = await readAfter(history.logs, {}, 10_000, MAX_PULL_BYTES);
      expect(pulled.items).toEqual(items);
      expect(pulled.positions).toEqual({ "dev-t": 1_000 });
      // A next push lands after them, in the next chunk.
      const more = records("dev-t", 1_000, 1, 2_000);
      expect((await history.own.push(more, undefined)).accepted).toBe(1);
      expect((await readAfter(history.logs, pulled.positions, 10, MAX_PULL_BYTES)).items).toEqual(more);
      expect(history.own.view.chunkIds().size).toBe(2);
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
      const items = records("dev-a", 0, 60, 9_000);
      const total = items.reduce((n, it) => n + Buffer.byteLength(JSON.stringify(it)), 0);
      expect(total).toBeGreaterThan(MAX_PUSH_BYTES);
      await expect(a.push(items)).rejects.toMatchObject({ kind: "invalid-params", message: expect.stringContaining(`${MAX_PUSH_BYTES} bytes`) });
      expect((await a.pullAll()).items).toEqual([]);
      const half = items.length / 2;
      for (const part of [items.slice(0, half), items.slice(half)]) {
        const r = await a.push(part);
        expect(r).toMatchObject({ accepted: part.length, rejected: [], acknowledged: true });
      }
      expect((await a.pullAll()).items).toEqual(items);
    } finally {
      await a.close();
      await relay.close();
    }
  });
});
