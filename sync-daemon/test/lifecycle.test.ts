// Process lifecycle: the daemon exits when its client goes away (stdin EOF, a
// closed stdout or stderr) and on SIGTERM, SIGINT and SIGHUP; its lock is a
// kernel lock, so a killed daemon's lock file, or one naming a live pid, never
// blocks the next daemon, while a living holder always does.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay, type Relay } from "../src/relay/server.js";
import { SyncClient } from "../src/client/SyncClient.js";
import { b64, cleanupTemp, DAEMON, spawnDaemon, tempDir } from "./helpers.js";

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({ port: 0 });
});
afterAll(async () => {
  await relay.close();
  cleanupTemp();
});

/** Resolves with the daemon's exit code and signal. */
function exitOf(d: SyncClient): Promise<{ code: number | null; signal: string | null }> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) {
    return Promise.resolve({ code: d.child.exitCode, signal: d.child.signalCode });
  }
  return new Promise((r) => d.child.once("exit", (code, signal) => r({ code, signal })));
}

async function kindOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { kind?: string }).kind;
  }
}

/** A daemon on a new account in `dir`. */
async function initialized(dir: string, seed = b64(randomBytes(32)), create = true) {
  const d = spawnDaemon(dir);
  await d.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a", create });
  return { d, seed };
}

/** A daemon whose stderr is a pipe this test reads (and can close). */
function withStderrPipe(dir: string, level: string): SyncClient {
  return SyncClient.spawn({ dataDir: dir, daemonPath: DAEMON, env: { CARO_SYNC_LOG_LEVEL: level }, stderr: () => {} });
}

describe("daemon lifecycle", () => {
  it("SIGTERM and stdin EOF: exit 0 and the lock is free for the next daemon, which loads from disk", async () => {
    const dir = tempDir();
    const { d: a, seed } = await initialized(dir);
    const code = exitOf(a);
    a.child.kill("SIGTERM");
    expect(await code).toEqual({ code: 0, signal: null });

    const b = spawnDaemon(dir);
    expect((await b.status()).state).toBe("UNINITIALIZED");
    expect((await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a" })).state).toBe("ONLINE");
    const code2 = exitOf(b);
    b.child.stdin!.end();
    expect(await code2).toEqual({ code: 0, signal: null });

    const c = spawnDaemon(dir);
    expect((await c.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a" })).state).toBe("ONLINE");
    await c.close();
  });

  it.each(["SIGINT", "SIGHUP"] as const)("%s: exit 0, lock released", async (signal) => {
    const dir = tempDir();
    const { d: a, seed } = await initialized(dir);
    const code = exitOf(a);
    a.child.kill(signal);
    expect(await code).toEqual({ code: 0, signal: null });
    const b = spawnDaemon(dir);
    expect((await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a" })).state).toBe("ONLINE");
    await b.close();
  });

  it("a living holder blocks a second daemon (store-locked); once killed with SIGKILL, its lock file does not", async () => {
    const dir = tempDir();
    const { d: a, seed } = await initialized(dir);
    const second = spawnDaemon(dir);
    expect(await kindOf(second.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a" }))).toBe("store-locked");
    await second.close();
    await a.kill("SIGKILL");
    const b = spawnDaemon(dir);
    expect((await b.init({ relay: relay.url, jazzAuthKey: seed, deviceId: "a" })).state).toBe("ONLINE");
    await b.close();
  });

  it("an old-style lock file naming a live pid (this test's own) does not block", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "daemon.lock"), `${process.pid}\n`);
    const { d } = await initialized(dir);
    expect((await d.status()).state).toBe("ONLINE");
    await d.close();
  });

  it("a closed stderr (its reader gone): the next log line makes the daemon exit, no spin", async () => {
    const d = withStderrPipe(tempDir(), "info");
    expect((await d.status()).state).toBe("UNINITIALIZED");
    d.child.stderr!.destroy();
    const code = exitOf(d);
    // sync.init logs "initialized" at info: that write fails with EPIPE.
    void d.init({ relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: "a", create: true }).catch(() => undefined);
    expect(await code).toEqual({ code: 0, signal: null });
  });

  it("a closed stderr, then stdin EOF (a killed parent): exits 0", async () => {
    const d = withStderrPipe(tempDir(), "debug");
    await d.init({ relay: relay.url, jazzAuthKey: b64(randomBytes(32)), deviceId: "a", create: true });
    d.child.stderr!.destroy();
    const code = exitOf(d);
    d.child.stdin!.end();
    expect(await code).toEqual({ code: 0, signal: null });
  });

  it("a closed stdout: the next answer fails with EPIPE and the daemon exits", async () => {
    const dir = tempDir();
    const { d } = await initialized(dir);
    d.child.stdout!.destroy();
    const code = exitOf(d);
    void d.ping().catch(() => undefined);
    expect(await code).toEqual({ code: 0, signal: null });
  });
});
