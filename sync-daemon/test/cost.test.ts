// A sync costs what changed: a cold History (a fresh node on an existing store)
// that pushes one record and pulls with an up-to-date cursor loads each log's map,
// head map and newest chunk, never an older chunk; a pull after an old cursor
// reads the chunks from there on and releases other devices' delivered ones, and
// a long push then its pull-back keep only a few own chunks in memory (those the
// relay has not acknowledged stay, as the acknowledgement is checked on them).
// Gaps and forks written below the daemon (straight into a chunk) are reported.
import { join } from "node:path";
import { type AgentSecret, LocalNode, type RawAccount, type RawAccountID, type RawCoID } from "cojson";
import { afterAll, describe, expect, it } from "vitest";
import { jazzCrypto } from "../src/jazz/crypto.js";
import { type ChunkList } from "../src/jazz/chunks.js";
import { History } from "../src/jazz/history.js";
import { readAfter } from "../src/jazz/reader.js";
import { openSqliteStorage } from "../src/jazz/storage.js";
import { MAX_PULL_BYTES } from "../src/protocol/limits.js";
import { cleanupTemp, head, record, records, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());


/** A node over the SQLite store at `path`: a new account created there, or (`accountId`) loaded from it. */
async function openNode(path: string, agentSecret: AgentSecret, accountId?: RawAccountID) {
  const crypto = await jazzCrypto();
  const storage = openSqliteStorage(path);
  let node: LocalNode;
  let account: RawAccount;
  if (!accountId) {
    const created = await LocalNode.withNewlyCreatedAccount({
      creationProps: { name: "caro" },
      crypto,
      initialAgentSecret: agentSecret,
      storage: storage.storage,
      migration: async (acc, n) => {
        acc.set("profile", n.createGroup().createMap({ name: "caro" }).id, "trusting");
        History.createRoot(acc);
      },
    });
    node = created.node;
    account = node.expectCurrentAccount("test");
  } else {
    node = new LocalNode(agentSecret, crypto.newRandomSessionID(accountId), crypto);
    node.setStorage(storage.storage);
    const loaded = await node.load(accountId);
    if (loaded === "unavailable") throw new Error("account not in the store");
    account = loaded as unknown as RawAccount;
  }
  const close = async () => {
    await node.gracefulShutdown();
    if (storage.db.open) storage.db.close();
  };
  return { node, account, close };
}

const inMemory = (node: LocalNode, id: RawCoID) => node.hasCoValue(id) && node.getCoValue(id).isAvailable();

describe("cost independent of history", () => {
  it("a cold push of one record and an up-to-date pull load no older chunk", async () => {
    const crypto = await jazzCrypto();
    const agentSecret = crypto.newRandomAgentSecret();
    const path = join(tempDir(), "jazz.sqlite");
    const first = await openNode(path, agentSecret);
    const accountId = first.account.id as RawAccountID;
    const chunkIds: Record<string, RawCoID[]> = {};
    for (const d of ["dev-a", "dev-b"]) {
      const h = await History.open(first.node, first.account, d);
      for (let i = 0; i < 2_500; i += 500) await h.own.push(records(d, i, 500), head(i + 499));
      chunkIds[d] = [...h.own.view.chunkIds().values()];
      h.close();
    }
    await first.close();

    const cold = await openNode(path, agentSecret, accountId);
    try {
      const h = await History.open(cold.node, cold.account, "dev-a", 2_500);
      await h.background;
      const one = record("dev-a", 2_500);
      expect(await h.own.push([one], head(2_500))).toMatchObject({ accepted: 1, nextSeq: 2_501 });
      const r = await readAfter(h.logs, { "dev-a": 2_500, "dev-b": 2_500 }, 1000, MAX_PULL_BYTES);
      expect(r.items).toEqual([one]);
      expect(r.heads.map((x) => [x.deviceId, x.seq])).toEqual([
        ["dev-a", 2_500],
        ["dev-b", 2_499],
      ]);
      expect([r.gaps, r.forks, r.hasMore]).toEqual([[], [], false]);
      for (const d of ["dev-a", "dev-b"]) {
        const [c0, c1, c2] = chunkIds[d];
        expect([inMemory(cold.node, c0), inMemory(cold.node, c1), inMemory(cold.node, c2)], d).toEqual([false, false, true]);
      }
      // From an old cursor: the chunks from there on are read, and dev-b's
      // delivered full chunks leave memory again.
      const all = await readAfter(h.logs, { "dev-a": 2_501 }, 10_000, MAX_PULL_BYTES);
      expect(all.items.length).toBe(2_500);
      expect(all.items.map((x) => x.seq)).toEqual([...Array(2_500).keys()]);
      const [b0, b1, b2] = chunkIds["dev-b"];
      expect([inMemory(cold.node, b0), inMemory(cold.node, b1), inMemory(cold.node, b2)]).toEqual([false, false, true]);
      h.close();
    } finally {
      await cold.close();
    }
  });

  it("a long push and its pull-back hold a bounded number of own chunks; unacknowledged ones stay", async () => {
    const crypto = await jazzCrypto();
    const opened = await openNode(join(tempDir(), "jazz.sqlite"), crypto.newRandomAgentSecret());
    try {
      const h = await History.open(opened.node, opened.account, "dev-a");
      const view = h.own.view;
      const total = 10_000;
      let held = 0;
      // As the daemon does: after each push, the relay acknowledges all but the last batch.
      for (let i = 0; i < total; i += 500) {
        await h.own.push(records("dev-a", i, 500), head(i + 499));
        h.own.releaseAcked(Math.max(0, i - 500));
        held = Math.max(held, view.chunks.size);
      }
      expect(held).toBeLessThanOrEqual(3);
      // The relay holds all but the newest 1,500 records: chunks 8 and 9 are unacknowledged.
      h.own.releaseAcked(total - 1_500);
      const ids = [...view.chunkIds().entries()].sort(([a], [b]) => a - b).map(([, id]) => id);
      let positions: Record<string, number> = {};
      const seqs: number[] = [];
      for (;;) {
        const page = await readAfter(h.logs, positions, 1000, MAX_PULL_BYTES);
        seqs.push(...page.items.map((x) => x.seq));
        positions = page.positions;
        held = Math.max(held, view.chunks.size);
        if (!page.hasMore) break;
      }
      expect(seqs).toEqual([...Array(total).keys()]);
      expect(held).toBeLessThanOrEqual(4);
      expect(ids.map((id) => inMemory(opened.node, id))).toEqual([...Array(8).fill(false), true, true]);
      expect([...view.chunks.keys()].sort((a, b) => a - b)).toEqual([8, 9]);
      h.close();
    } finally {
      await opened.close();
    }
  });

  it("reports a hole as a gap and stops there; reports a second record for one seq as a fork", async () => {
    const crypto = await jazzCrypto();
    const opened = await openNode(join(tempDir(), "jazz.sqlite"), crypto.newRandomAgentSecret());
    try {
      const h = await History.open(opened.node, opened.account, "dev-a");
      const pushed = records("dev-a", 0, 3);
      await h.own.push(pushed, undefined);
      const list = h.own.view.chunks.get(0)!.list as ChunkList;
      // Below the daemon (anyone with the account key can): seq 6 after a hole at 3-5, and another seq 1.
      const stored = (r: ReturnType<typeof record>) => ({ seq: r.seq, kind: r.kind, id: r.id, epoch: r.epoch, envelope: r.envelope });
      list.appendItems([stored(record("dev-a", 6)), stored(record("dev-a", 1))]);
      const r = await readAfter(h.logs, {}, 1000, MAX_PULL_BYTES);
      expect(r.items).toEqual(pushed);
      expect(r.gaps).toEqual([{ deviceId: "dev-a", from: 3, to: 5 }]);
      expect(r.forks).toEqual([{ deviceId: "dev-a", seq: 1 }]);
      expect(r.positions).toEqual({ "dev-a": 3 });
      h.close();
    } finally {
      await opened.close();
    }
  });
});
