// Who gets a WebSocket from the relay: the token's holder, and no web page. A
// real relay binary on 127.0.0.1, raw WebSocket upgrades, and real daemons that
// sync through the token URL (cojson's client passes its query string through).
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DaemonError } from "../src/client/SyncClient.js";
import { b64, cleanupTemp, record, spawnDaemon, spawnRelay, tempDir, type RelayProcess } from "./helpers.js";

const started: RelayProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});
afterAll(() => cleanupTemp());

async function relay(opts: Parameters<typeof spawnRelay>[0] = {}): Promise<RelayProcess> {
  const r = await spawnRelay(opts);
  started.push(r);
  return r;
}

/** The HTTP status of a WebSocket upgrade to `url` (101 when it opens) and the refusal's body. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => {
      ws.close();
      resolve({ status: 101, body: "" });
    });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once("error", (err) => reject(err));
  });
}

function withToken(url: string, token: string | null): string {
  const u = new URL(url);
  if (token === null) u.searchParams.delete("token");
  else u.searchParams.set("token", token);
  return u.toString();
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("relay access control", () => {
  it("refuses a missing or wrong token with 401 and any Origin with 403; the right token opens; /health stays open", async () => {
    const r = await relay();
    const token = new URL(r.url).searchParams.get("token")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const missing = await upgrade(withToken(r.url, null));
    expect(missing.status).toBe(401);
    expect(missing.body).toMatch(/token/);
    // Same length, one character changed; and a prefix of the right one.
    const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expect((await upgrade(withToken(r.url, flipped))).status).toBe(401);
    expect((await upgrade(withToken(r.url, token.slice(0, 20)))).status).toBe(401);
    expect((await upgrade(withToken(r.url, ""))).status).toBe(401);

    expect((await upgrade(r.url)).status).toBe(101);

    const page = await upgrade(r.url, { Origin: "https://evil.example" });
    expect(page.status).toBe(403);
    expect(page.body).toMatch(/Origin/);
    expect((await upgrade(r.url, { Origin: "http://127.0.0.1" })).status).toBe(403);

    expect((await fetch(`http://127.0.0.1:${r.port}/health`)).status).toBe(200);
  });

  it("an upgrade whose target is not a URL gets 401 and the relay keeps running", async () => {
    const r = await relay();
    const socket = connect(r.port, "127.0.0.1");
    let answer = "";
    socket.on("data", (c: Buffer) => (answer += c.toString()));
    socket.write(
      "GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await once(socket, "close");
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect((await upgrade(r.url)).status).toBe(101);
  });

  it("two daemons sync through the token URL; a daemon without the token cannot reach the relay", async () => {
    const r = await relay();
    const seed = b64(randomBytes(32));
    const a = spawnDaemon(tempDir());
    const b = spawnDaemon(tempDir());
    const stranger = spawnDaemon(tempDir());
    try {
      const kind = await stranger.init({ relay: withToken(r.url, null), jazzAuthKey: seed, deviceId: "x", create: true }).then(
        () => "ok",
        (e: DaemonError) => e.kind,
      );
      expect(kind).toBe("relay-unreachable");

      expect((await a.init({ relay: r.url, jazzAuthKey: seed, deviceId: "dev-a", create: true })).state).toBe("ONLINE");
      const entry = record("dev-a", 0);
      expect((await a.push([entry])).acknowledged).toBe(true);
      expect((await b.init({ relay: r.url, jazzAuthKey: seed, deviceId: "dev-b" })).state).toBe("ONLINE");
      const { items } = await b.pullAll(null);
      expect(items).toEqual([entry]);
    } finally {
      await Promise.all([a.close(), b.close(), stranger.close()]);
    }
  });

  it("--open needs no token, says so on stderr, and still refuses an Origin", async () => {
    const r = await relay({ args: ["--open"], stderr: "pipe" });
    let stderr = "";
    r.child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    expect(r.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect((await upgrade(r.url)).status).toBe(101);
    expect((await upgrade(r.url, { Origin: "https://evil.example" })).status).toBe(403);
    await r.stop();
    expect(stderr).toMatch(/WARNING: running OPEN \(--open\): no token is required/);
  });

  it("keeps the token in a 0600 file beside the store and reuses it after a restart", async () => {
    const dir = tempDir("caro-relay-");
    const db = join(dir, "relay.sqlite");
    const first = await relay({ db });
    const token = new URL(first.url).searchParams.get("token");
    await first.stop();
    expect(mode(`${db}.token`)).toBe(0o600);
    const second = await relay({ db, port: first.port });
    expect(second.url).toBe(first.url);
    expect(new URL(second.url).searchParams.get("token")).toBe(token);
  });

  it("--token-file chooses where the token lives (created 0600, reused)", async () => {
    const file = join(tempDir("caro-relay-"), "relay.token");
    const first = await relay({ args: ["--token-file", file] });
    await first.stop();
    expect(mode(file)).toBe(0o600);
    const second = await relay({ args: ["--token-file", file] });
    expect(new URL(second.url).searchParams.get("token")).toBe(new URL(first.url).searchParams.get("token"));
  });
});
