// Malformed input: each bad line gets the right error and the daemon keeps serving.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveKeys, generatePhrase, sealCommand } from "../src/crypto.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, DAEMON, tempDir } from "./helpers.js";

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

const keys = deriveKeys(generatePhrase());

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
    jazzAuthKey: b64(keys.jazzAuthKey),
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
      ["sync.push", { entries: { id: 1 } }, "entries"],
      ["sync.pull", { limit: "ten" }, "limit"],
      ["sync.pull", { cursor: ["x"] }, "cursor"],
      ["prefs.set", { key: 5, envelope: "AA==", updatedAt: 1, deviceId: "d" }, "key"],
      ["daemon.shutdown", { timeoutMs: "soon" }, "timeoutMs"],
    ] as const) {
      const m = await call(method, params);
      expect([codeOf(m), kindOf(m), (m.error as { data: { path: string } }).data.path]).toEqual([-32602, "invalid-params", path]);
    }
    await stillServing();
  });

  it("unknown method → method not found", async () => {
    const m = await call("sync.teleport", {});
    expect([codeOf(m), kindOf(m)]).toEqual([-32601, "method-not-found"]);
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

  it("invalid base64 and invalid envelope are rejected alone; the rest of the batch is stored", async () => {
    const good = (id: string) => ({ id, deviceId: "dev-m", createdAt: 1, envelope: b64(sealCommand(keys.commandKey, id, { command: "ls", createdAt: 1 })) });
    const m = await call("sync.push", {
      entries: [
        good("g1"),
        { id: "b64", deviceId: "dev-m", createdAt: 1, envelope: "not base64 at all" },
        { id: "b64ws", deviceId: "dev-m", createdAt: 1, envelope: "AQID BAUG" },
        { id: "short", deviceId: "dev-m", createdAt: 1, envelope: "AQ==" },
        { id: "ver", deviceId: "dev-m", createdAt: 1, envelope: b64(new Uint8Array(64).fill(7)) },
        good("g2"),
      ],
    });
    const r = m.result as { accepted: number; rejected: { id: string; kind: string }[]; acknowledged: boolean };
    expect(r.accepted).toBe(2);
    expect(r.acknowledged).toBe(true);
    expect(r.rejected.map((x) => [x.id, x.kind])).toEqual([
      ["b64", "invalid-base64"],
      ["b64ws", "invalid-base64"],
      ["short", "invalid-envelope"],
      ["ver", "invalid-envelope"],
    ]);
    const pulled = (await call("sync.pull", {})).result as { entries: { id: string }[] };
    expect(pulled.entries.map((e) => e.id)).toEqual(["g1", "g2"]);
  });

  it("duplicate in-flight id → rejected, the original still answered", async () => {
    // Two identical ids back to back: the push is still in flight when the second arrives.
    const entries = Array.from({ length: 200 }, (_, i) => ({
      id: `dup-${i}`,
      deviceId: "dev-m",
      createdAt: i,
      envelope: b64(sealCommand(keys.commandKey, `dup-${i}`, { command: "echo", createdAt: i })),
    }));
    const line = JSON.stringify({ jsonrpc: "2.0", id: "same", method: "sync.push", params: { entries } }) + "\n";
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
