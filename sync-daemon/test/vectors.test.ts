// Runs every scenario in test-vectors/rpc/ against a real daemon (and a real relay).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { startRelay } from "../src/relay/server.js";
import { cleanupTemp, DAEMON, tempDir, VECTORS } from "./helpers.js";

interface Step {
  send?: unknown;
  sendRaw?: string;
  expect: unknown;
}
interface Vector {
  description: string;
  relay: boolean;
  steps: Step[];
}

/** Matches `actual` against `expected` with the placeholders of test-vectors/rpc/README.md. */
export function matches(expected: unknown, actual: unknown, path = "$"): string | undefined {
  if (typeof expected === "string" && /^<(any|string|integer|number|boolean)>$/.test(expected)) {
    const t = expected.slice(1, -1);
    if (t === "any") return actual === undefined ? `${path}: missing` : undefined;
    if (t === "integer") return Number.isInteger(actual) ? undefined : `${path}: expected an integer, got ${JSON.stringify(actual)}`;
    return typeof actual === t ? undefined : `${path}: expected a ${t}, got ${JSON.stringify(actual)}`;
  }
  if (expected === null || typeof expected !== "object") {
    return expected === actual ? undefined : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${path}: expected an array of ${expected.length}, got ${JSON.stringify(actual)}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const m = matches(expected[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const ek = Object.keys(e).sort();
  const ak = Object.keys(a).sort();
  if (ek.join() !== ak.join()) return `${path}: keys ${JSON.stringify(ak)} != expected ${JSON.stringify(ek)}`;
  for (const k of ek) {
    const m = matches(e[k], a[k], `${path}.${k}`);
    if (m) return m;
  }
  return undefined;
}

function substitute(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === "string") return value.replace(/\$\{(\w+)\}/g, (_, k: string) => vars[k] ?? `\${${k}}`);
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  }
  return value;
}

// error-kinds.json is the table of kinds and limits, not a scenario.
const files = readdirSync(VECTORS)
  .filter((f) => f.endsWith(".json") && f !== "error-kinds.json")
  .sort();

afterAll(() => cleanupTemp());

describe("protocol vectors", () => {
  it("exist", () => {
    expect(files).toEqual(expect.arrayContaining(["framing.json", "lifecycle.json", "push-pull.json"]));
  });

  for (const file of files) {
    it(file, async () => {
      const vector = JSON.parse(readFileSync(join(VECTORS, file), "utf8")) as Vector;
      const relay = vector.relay ? await startRelay({ port: 0 }) : undefined;
      const vars = { RELAY: relay?.url ?? "ws://127.0.0.1:9" };
      const child = spawn(process.execPath, [DAEMON, "--data-dir", tempDir()], {
        stdio: ["pipe", "pipe", "inherit"],
        env: { ...process.env, CARO_SYNC_LOG_LEVEL: "warn" },
      });
      const lines: string[] = [];
      const waiters: ((l: string) => void)[] = [];
      createInterface({ input: child.stdout! }).on("line", (l) => {
        const w = waiters.shift();
        if (w) w(l);
        else lines.push(l);
      });
      const next = () =>
        new Promise<string>((resolve, reject) => {
          const l = lines.shift();
          if (l !== undefined) return resolve(l);
          const t = setTimeout(() => reject(new Error("no response within 30 s")), 30_000);
          waiters.push((x) => {
            clearTimeout(t);
            resolve(x);
          });
        });
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      try {
        for (const [i, step] of vector.steps.entries()) {
          const line = step.sendRaw !== undefined ? (substitute(step.sendRaw, vars) as string) : JSON.stringify(substitute(step.send, vars));
          child.stdin!.write(line + "\n");
          if (step.expect === null) {
            child.stdin!.write(JSON.stringify({ jsonrpc: "2.0", id: "probe", method: "daemon.ping" }) + "\n");
            expect(JSON.parse(await next()), `${file} step ${i}: no response expected`).toEqual({ jsonrpc: "2.0", id: "probe", result: { pong: true } });
            continue;
          }
          const actual = JSON.parse(await next());
          const problem = matches(substitute(step.expect, vars), actual);
          expect(problem, `${file} step ${i} (${line.slice(0, 120)}): ${JSON.stringify(actual)}`).toBeUndefined();
        }
      } finally {
        child.stdin!.end();
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
        await relay?.close();
      }
    });
  }
});
