// The daemon's unix socket (--socket, src/daemon/socket.ts): it appears once
// sync.init succeeded, mode 0600; each connection is a session of its own on
// the one daemon; a leftover file is replaced; it is removed when the daemon
// exits. A real daemon and a real relay.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, lstatSync, writeFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64, cleanupTemp, DAEMON, spawnRelay, tempDir, waitFor, type RelayProcess } from "./helpers.js";

let relay: RelayProcess;
beforeAll(async () => {
  relay = await spawnRelay();
});
afterAll(async () => {
  await relay.stop();
  cleanupTemp();
});

/** One JSON-RPC line out, the answer with that id back. */
function rpc(write: (line: string) => void, lines: AsyncIterator<string>, id: number, method: string, params: unknown = {}) {
  write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
  return (async () => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`closed before the answer to ${method}`);
      const msg = JSON.parse(value);
      if (msg.id === id) return msg;
    }
  })();
}

function connect(path: string): Promise<{ socket: Socket; lines: AsyncIterator<string> }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once("connect", () => resolve({ socket, lines: createInterface({ input: socket })[Symbol.asyncIterator]() }));
    socket.once("error", reject);
  });
}

describe("the daemon's unix socket", () => {
  it("serves every connection as its own session once sync.init succeeded, and goes with the daemon", async () => {
    const dir = tempDir();
    const sock = join(dir, "daemon.sock");
    // A file left behind by a daemon that crashed: replaced, never a reason to fail.
    writeFileSync(sock, "");
    const child = spawn(process.execPath, [DAEMON, "--data-dir", join(dir, "d"), "--socket", sock], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, CARO_SYNC_LOG_LEVEL: "warn" },
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const stdio = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const toStdin = (line: string) => child.stdin!.write(line);

    expect((await rpc(toStdin, stdio, 1, "daemon.ping")).result).toEqual({ pong: true });
    expect(lstatSync(sock).isSocket()).toBe(false);
    const account = { relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: randomUUID() };
    const init = await rpc(toStdin, stdio, 2, "sync.init", { ...account, create: true });
    expect(init.error).toBeUndefined();
    const stat = lstatSync(sock);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);

    // Two connections using the same request id: separate sessions, no "duplicate id".
    const one = await connect(sock);
    const two = await connect(sock);
    const write = (s: Socket) => (line: string) => void s.write(line);
    const [a, b] = await Promise.all([
      rpc(write(one.socket), one.lines, 7, "sync.status"),
      rpc(write(two.socket), two.lines, 7, "sync.status"),
    ]);
    expect(a.result.accountId).toBe(init.result.accountId);
    expect(b.result.accountId).toBe(init.result.accountId);
    expect((await rpc(write(one.socket), one.lines, 8, "sync.subscribe")).result).toEqual({ subscribed: true });
    // A client hanging up costs the others nothing.
    one.socket.destroy();
    expect((await rpc(write(two.socket), two.lines, 9, "daemon.ping")).result).toEqual({ pong: true });
    // What caro sends on connecting, sync.init on the same account: the open session answers.
    const again = await rpc(write(two.socket), two.lines, 10, "sync.init", account);
    expect(again.result.accountId).toBe(init.result.accountId);
    two.socket.destroy();

    // Its parent goes (stdin EOF): the daemon exits and takes the socket with it.
    child.stdin!.end();
    expect(await exited).toBe(0);
    await waitFor(() => (existsSync(sock) ? undefined : true), 2000, "the socket removed");
  });

  it("refuses a socket path longer than unix sockets take, before touching anything", () => {
    const dir = tempDir();
    const long = join(dir, "x".repeat(120), "daemon.sock");
    const r = spawnSync(process.execPath, [DAEMON, "--data-dir", join(dir, "d"), "--socket", long], {
      input: "",
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("longer than 103 bytes");
    expect(existsSync(join(dir, "d"))).toBe(false);
  });
});
