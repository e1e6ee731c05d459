// Test helpers: real relays on free loopback ports, real daemons, temp dirs.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { randomBytes, randomUUID } from "node:crypto";
import { SyncClient } from "../src/client/SyncClient.js";
import type { HeadItem, RecordItem } from "../src/protocol/types.js";

export const PKG = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DAEMON = join(PKG, "dist", "caro-sync-daemon.cjs");
export const RELAY_BIN = join(PKG, "dist", "bin", "relay.js");
export const VECTORS = resolve(PKG, "..", "test-vectors", "rpc");

const tmpRoots: string[] = [];
export function tempDir(prefix = "caro-sync-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmpRoots.push(d);
  return d;
}
export function cleanupTemp(): void {
  for (const d of tmpRoots.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface RelayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts dist/bin/relay.js as a child process (port 0 = free port) and waits for
 * the URL of its `listening` line (it carries the token). `args` are more flags.
 */
export async function spawnRelay(opts: { port?: number; db?: string; args?: string[]; stderr?: "inherit" | "pipe" } = {}): Promise<RelayProcess> {
  const args = ["--port", String(opts.port ?? 0)];
  if (opts.db) args.push("--db", opts.db);
  args.push(...(opts.args ?? []));
  const child = spawn(process.execPath, [RELAY_BIN, ...args], {
    stdio: ["ignore", "pipe", opts.stderr ?? "inherit"],
    env: { ...process.env, CARO_SYNC_LOG_LEVEL: process.env.CARO_SYNC_LOG_LEVEL ?? "warn" },
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      const m = /^listening (ws:\/\/\S+)$/.exec(line);
      if (m) res(m[1]);
    });
    child.once("exit", (code) => rej(new Error(`relay exited early (code ${code})`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export function spawnDaemon(dataDir: string, logLevel = "warn"): SyncClient {
  return SyncClient.spawn({ dataDir, daemonPath: DAEMON, env: { CARO_SYNC_LOG_LEVEL: logLevel } });
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** An envelope-shaped blob (version 1, 12-byte nonce, `bytes` of ciphertext+tag): the daemon never opens one. */
export function envelope(bytes = 120): string {
  return b64(Buffer.concat([Buffer.from([1]), randomBytes(12), randomBytes(Math.max(16, bytes))]));
}

/** A wire item of `deviceId` at `seq` with an envelope-shaped blob. */
export function record(deviceId: string, seq: number, opts: { kind?: string; id?: string; bytes?: number; epoch?: number } = {}): RecordItem {
  return { deviceId, seq, kind: opts.kind ?? "entry", id: opts.id ?? randomUUID(), epoch: opts.epoch ?? 1, envelope: envelope(opts.bytes) };
}

/** `n` consecutive entry records of `deviceId` from seq `from`. */
export function records(deviceId: string, from: number, n: number, bytes?: number): RecordItem[] {
  return Array.from({ length: n }, (_, i) => record(deviceId, from + i, { bytes: bytes ?? 100 + ((from + i) % 97) }));
}

/** A head (its envelope a blob) naming `seq`. */
export function head(seq: number): HeadItem {
  return { seq, epoch: 1, envelope: envelope(64) };
}

/** Every file under the given directories (recursively). */
export function filesUnder(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

export function countOccurrences(file: string, needle: string): number {
  const hay = readFileSync(file);
  const n = Buffer.from(needle, "utf8");
  let count = 0;
  let i = hay.indexOf(n);
  while (i !== -1) {
    count++;
    i = hay.indexOf(n, i + 1);
  }
  return count;
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
