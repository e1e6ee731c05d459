// Malformed input: each bad line gets the right error and the daemon keeps serving.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, DAEMON, record, tempDir } from "./helpers.js";

let relay: Relay;
let child: ChildProcess;
const pending = new Map<string, (msg: Record<string, unknown>) => void>();
const untagged: Record<string, unknown>[] = [];
let seq = 0;

function send(line: string | Buffer): void {
  child.stdin!.write(line);
}

/** Sends a raw line and returns the next response whose id is null. */
function rawExpectNullId(line: string | Buffer): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    pending.set("null", resolve);
    send(line);
  });
}

function call(method: string, params?: unknown, id: string = `r${++seq}`): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    pending.set(id, resolve);
    send(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
  });
}

async function stillServing(): Promise<void> {
  expect(await call("daemon.ping")).toMatchObject({ result: { pong: true } });
}

const jazzAuthKey = b64(randomBytes(32));

beforeAll(async () => {
  relay = await startRelay({ port: 0 });
  child = spawn(process.execPath, [DAEMON, "--data-dir", tempDir()], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, CARO_SYNC_LOG_LEVEL: "error" },
  });
  createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", (l) => {
    const msg = JSON.parse(l) as Record<string, unknown>;
    const key = msg.id === null ? "null" : String(msg.id);
    const r = pending.get(key);
    if (r) {
      pending.delete(key);
      r(msg);
    } else untagged.push(msg);
  });
  const init = await call("sync.init", {
    relay: relay.url,
    jazzAuthKey,
    deviceId: "dev-m",
    create: true,
  });
  expect(init).toMatchObject({ result: { state: "ONLINE" } });
});

afterAll(async () => {
  child.stdin!.end();
  await new Promise((r) => child.once("exit", r));
  await relay.close();
  cleanupTemp();
});

const kindOf = (m: Record<string, unknown>) => (m.error as { data: { kind: string } }).data.kind;
const codeOf = (m: Record<string, unknown>) => (m.error as { code: number }).code;

describe("malformed input", () => {
  it("garbage line → parse error", async () => {
    const m = await rawExpectNullId("\x00\x01garbage\xff{{{\n");
    expect([codeOf(m), kindOf(m)]).toEqual([-32700, "parse-error"]);
    await stillServing();
  });

  it("truncated JSON → parse error", async () => {
    const m = await rawExpectNullId('{"jsonrpc":"2.0","id":"t","method":"sync.pull","params":{"cur\n');
    expect([codeOf(m), kindOf(m)]).toEqual([-32700, "parse-error"]);
    await stillServing();
  });

  it("wrong types → invalid params", async () => {
    for (const [method, params, path] of [
      ["sync.push", { entries: [] }, "items"],
      ["sync.push", { items: { id: 1 } }, "items"],
      ["sync.push", { items: [], head: "h" }, "head"],
      ["sync.push", { items: [], head: { seq: -1, epoch: 1, envelope: "AA==" } }, "head.seq"],
      ["sync.push", { items: [], head: { seq: 0, epoch: 0, envelope: "AA==" } }, "head.epoch"],
      ["sync.pull", { limit: "ten" }, "limit"],
      ["sync.pull", { cursor: ["x"] }, "cursor"],
      ["daemon.shutdown", { timeoutMs: "soon" }, "timeoutMs"],
    ] as const) {
      const m = await call(method, params);
      expect([codeOf(m), kindOf(m), (m.error as { data: { path: string } }).data.path]).toEqual([-32602, "invalid-params", path]);
    }
    await stillServing();
  });

  it("a head whose envelope does not parse → invalid-envelope, nothing stored", async () => {
    const m = await call("sync.push", { items: [record("dev-m", 0)], head: { seq: 0, epoch: 1, envelope: "AQ==" } });
    expect([codeOf(m), kindOf(m), (m.error as { data: { path: string } }).data.path]).toEqual([-32007, "invalid-envelope", "head.envelope"]);
    const pulled = (await call("sync.pull", {})).result as { items: unknown[] };
    expect(pulled.items).toEqual([]);
  });

  it("unknown method → method not found, v1's register methods included", async () => {
    for (const method of ["sync.teleport", "device.register", "device.list", "prefs.set", "prefs.list"]) {
      const m = await call(method, {});
      expect([codeOf(m), kindOf(m)]).toEqual([-32601, "method-not-found"]);
    }
    await stillServing();
  });

  it("oversize line (16 MiB + 1) → refused, then serving", async () => {
    const big = Buffer.alloc(16 * 1024 * 1024 + 1, 0x61);
    const m = await rawExpectNullId(Buffer.concat([big, Buffer.from("\n")]));
    expect([codeOf(m), kindOf(m)]).toEqual([-32600, "line-too-long"]);
    await stillServing();
  });

  it("a line just under 16 MiB is read (and rejected only for its content)", async () => {
    const filler = "A".repeat(16 * 1024 * 1024 - 200);
    const m = await call("sync.pull", { cursor: filler });
    expect(kindOf(m)).toBe("invalid-params");
    await stillServing();
  });

  it("items of the wrong shape are rejected alone (taking no seq); the rest of the batch is stored", async () => {
    const at = (seq: number, id: string, more: Record<string, unknown> = {}) => ({ ...record("dev-m", seq, { id }), ...more });
    const m = await call("sync.push", {
      items: [
        at(0, "g1"),
        at(1, "b64", { envelope: "not base64 at all" }),
        at(1, "b64ws", { envelope: "AQID BAUG" }),
        at(1, "short", { envelope: "AQ==" }),
        at(1, "ver", { envelope: b64(new Uint8Array(64).fill(7)) }),
        at(1, "upper", { kind: "Entry" }),
        at(1, "long-kind", { kind: "a".repeat(33) }),
        at(1, "epoch0", { epoch: 0 }),
        at(1, "epoch-frac", { epoch: 1.5 }),
        at(-1, "neg-seq"),
        at(1, "x".repeat(257)),
        at(1, "no-device", { deviceId: "" }),
        "not an object",
        at(1, "g2"),
      ],
    });
    const r = m.result as { accepted: number; rejected: { seq: number | null; id: string | null; kind: string }[]; acknowledged: boolean; nextSeq: number };
    expect([r.accepted, r.acknowledged, r.nextSeq]).toEqual([2, true, 2]);
    expect(r.rejected.map((x) => [x.seq, x.id?.slice(0, 10) ?? null, x.kind])).toEqual([
      [1, "b64", "invalid-base64"],
      [1, "b64ws", "invalid-base64"],
      [1, "short", "invalid-envelope"],
      [1, "ver", "invalid-envelope"],
      [1, "upper", "invalid-item"],
      [1, "long-kind", "invalid-item"],
      [1, "epoch0", "invalid-item"],
      [1, "epoch-frac", "invalid-item"],
      [null, "neg-seq", "invalid-item"],
      [1, "xxxxxxxxxx", "invalid-item"],
      [1, "no-device", "invalid-item"],
      [null, null, "invalid-item"],
    ]);
    const pulled = (await call("sync.pull", {})).result as { items: { id: string }[] };
    expect(pulled.items.map((e) => e.id)).toEqual(["g1", "g2"]);
  });

  it("duplicate in-flight id → rejected, the original still answered", async () => {
    // Two identical ids back to back: the push is still in flight when the second arrives.
    const items = Array.from({ length: 200 }, (_, i) => record("dev-m", 2 + i));
    const line = JSON.stringify({ jsonrpc: "2.0", id: "same", method: "sync.push", params: { items } }) + "\n";
    const responses: Record<string, unknown>[] = [];
    const got = new Promise<void>((resolve) => {
      const onMsg = (m: Record<string, unknown>) => {
        responses.push(m);
        if (responses.length === 2) resolve();
        else pending.set("same", onMsg);
      };
      pending.set("same", onMsg);
    });
    send(line + line);
    await got;
    const errors = responses.filter((r) => r.error);
    const results = responses.filter((r) => r.result);
    expect(errors.map(kindOf)).toEqual(["duplicate-id"]);
    expect(results).toHaveLength(1);
    expect((results[0].result as { accepted: number }).accepted).toBe(200);
    await stillServing();
  });

  it("nothing but protocol messages on stdout", () => {
    expect(untagged).toEqual([]);
  });
});
