// What one client can make the relay hold: frames above the cap close the
// connection without the frame being buffered, and bytes stored are bounded per
// connection and per account (across connections and restarts). A real relay
// binary, real cojson LocalNodes as clients, the relay's SQLite store inspected.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { LocalNode, type RawCoID } from "cojson";
import { createWebSocketPeer } from "cojson-transport-ws";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { jazzCrypto } from "../src/jazz/crypto.js";
import { cleanupTemp, spawnRelay, tempDir, type RelayProcess } from "./helpers.js";

const MIB = 1024 * 1024;
const started: RelayProcess[] = [];
const nodes: LocalNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.gracefulShutdown().catch(() => undefined)));
  await Promise.all(started.splice(0).map((r) => r.stop()));
});
afterAll(() => cleanupTemp());

async function relay(opts: Parameters<typeof spawnRelay>[0] = {}): Promise<RelayProcess> {
  const r = await spawnRelay(opts);
  started.push(r);
  return r;
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(kb![1]) * 1024;
}

interface Closed {
  code: number;
  reason: string;
}

async function openSocket(url: string): Promise<{ ws: WebSocket; closed: Promise<Closed> }> {
  const ws = new WebSocket(url);
  ws.on("error", () => undefined); // the relay hangs up mid-send; the close event tells why
  const closed = new Promise<Closed>((r) => ws.once("close", (code, reason) => r({ code, reason: reason.toString() })));
  await once(ws, "open");
  return { ws, closed };
}

/** A cojson account whose only peer is the relay at `url`; `closed` tells how the relay hung up. */
async function client(url: string, account?: { accountID: RawCoID; secret: ReturnType<Awaited<ReturnType<typeof jazzCrypto>>["newRandomAgentSecret"]> }) {
  const crypto = await jazzCrypto();
  const { ws, closed } = await openSocket(url);
  const peer = createWebSocketPeer({
    id: "relay",
    role: "server",
    websocket: ws as unknown as Parameters<typeof createWebSocketPeer>[0]["websocket"],
    expectPings: false,
  });
  const node = account
    ? await LocalNode.withLoadedAccount({
        accountID: account.accountID as never,
        accountSecret: account.secret,
        sessionID: crypto.newRandomSessionID(account.accountID as never),
        peers: [peer],
        crypto,
      })
    : (await LocalNode.withNewlyCreatedAccount({ creationProps: { name: "quota" }, crypto, peers: [peer] })).node;
  nodes.push(node);
  return { node, closed };
}

/** Bytes of transactions the relay's store holds in sessions of `account`, and how many of them are in `coValue`. */
function stored(db: string, account: string, coValue: string): { bytes: number; txsIn: number } {
  const sql = new Database(db, { readonly: true });
  try {
    const { bytes } = sql
      .prepare("SELECT COALESCE(SUM(length(t.tx)), 0) AS bytes FROM sessions s JOIN transactions t ON t.ses = s.rowID WHERE s.sessionID LIKE ? || '_session%'")
      .get(account) as { bytes: number };
    const { n } = sql
      .prepare("SELECT COUNT(*) AS n FROM transactions t JOIN sessions s ON t.ses = s.rowID JOIN coValues c ON s.coValue = c.rowID WHERE c.id = ?")
      .get(coValue) as { n: number };
    return { bytes, txsIn: n };
  } finally {
    sql.close();
  }
}

/** ~54 KB as a private (encrypted) transaction. */
const item = () => randomBytes(30_000).toString("base64");

describe("relay limits", () => {
  it("an oversize frame closes the connection without the relay's memory growing by it; 1.5 MiB passes", async () => {
    const r = await relay();
    // A frame the size of the largest legitimate one is taken and answered.
    {
      const { ws } = await openSocket(r.url);
      const id = "co_zNotThere1111111111111111";
      const answered = new Promise<void>((resolve) =>
        ws.on("message", (data: Buffer) => {
          if (data.toString().includes(id)) resolve();
        }),
      );
      ws.send(JSON.stringify({ action: "load", id, header: false, sessions: {}, pad: "x".repeat(1.5 * MIB) }));
      await answered;
      ws.close();
    }
    const before = rssBytes(r.child.pid!);
    const frame = "x".repeat(8 * MIB);
    for (let i = 0; i < 8; i++) {
      const { ws, closed } = await openSocket(r.url);
      ws.send(frame);
      // 1009 when the relay's close frame arrives before its hang-up (a reset) does.
      expect([1009, 1006]).toContain((await closed).code);
    }
    const after = rssBytes(r.child.pid!);
    // 64 MiB were sent; less than one frame's worth may show up in the relay.
    expect(after - before).toBeLessThan(8 * MIB);
    expect((await fetch(`http://127.0.0.1:${r.port}/health`)).status).toBe(200);
  });

  it("an account over its quota is cut off, what is over is not stored, and the quota holds after a restart", async () => {
    const dir = tempDir("caro-relay-");
    const db = join(dir, "relay.sqlite");
    const quota = 200_000;
    let r = await relay({ db, args: ["--max-account-bytes", String(quota)] });
    const { node, closed } = await client(r.url);
    const accountID = node.getCurrentAccountOrAgentID() as RawCoID;
    const list = node.createGroup().createList();
    list.append(item());
    await node.syncManager.waitForAllCoValuesSync(30_000);
    for (let i = 0; i < 9; i++) list.append(item());
    const why = await closed;
    expect(why.code).toBe(1008);
    expect(why.reason).toMatch(/account quota exceeded/);

    // The store is private, -wal and -shm included.
    for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.token`]) expect(statSync(f).mode & 0o777).toBe(0o600);
    await r.stop();
    const first = stored(db, accountID, list.id);
    expect(first.bytes).toBeLessThanOrEqual(quota);
    expect(first.txsIn).toBeGreaterThanOrEqual(1);
    expect(first.txsIn).toBeLessThan(10);

    // After a restart, a new connection of the same account may add only what is left:
    // three more items fit in the quota alone, not on top of what is stored.
    r = await relay({ db, port: r.port, args: ["--max-account-bytes", String(quota)] });
    const again = await client(r.url, { accountID, secret: node.getCurrentAgent().agentSecret });
    const more = again.node.createGroup().createList();
    for (let i = 0; i < 3; i++) more.append(item());
    expect((await again.closed).reason).toMatch(/account quota exceeded/);
    await r.stop();
    expect(stored(db, accountID, list.id).bytes).toBeLessThanOrEqual(quota);
  });

  it("a connection over its quota is cut off and what is over is not stored", async () => {
    const db = join(tempDir("caro-relay-"), "relay.sqlite");
    const quota = 150_000;
    const r = await relay({ db, args: ["--max-connection-bytes", String(quota)] });
    const { node, closed } = await client(r.url);
    const accountID = node.getCurrentAccountOrAgentID();
    const list = node.createGroup().createList();
    for (let i = 0; i < 5; i++) list.append(item());
    const why = await closed;
    expect(why.code).toBe(1008);
    expect(why.reason).toMatch(/connection quota exceeded/);
    await r.stop();
    const { bytes, txsIn } = stored(db, accountID, list.id);
    expect(bytes).toBeLessThanOrEqual(quota);
    expect(txsIn).toBeLessThan(5);
  });
});
