// SyncClient reads the daemon's stdout with the server's framing
// (src/protocol/framing.ts): a line over MAX_LINE_BYTES is dropped, not
// buffered, and the calls in flight fail instead of waiting forever; lines
// after it are read as usual. The "daemon" here is a script that misbehaves.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SyncClient } from "../src/client/SyncClient.js";
import { MAX_LINE_BYTES } from "../src/protocol/limits.js";
import { cleanupTemp, tempDir } from "./helpers.js";

afterAll(() => cleanupTemp());

describe("SyncClient framing", () => {
  it("fails the calls in flight on an over-long line and keeps reading after it", async () => {
    const dir = tempDir();
    const script = join(dir, "oversize-daemon.cjs");
    // First request: an answer one byte over the cap. Every later one: a proper answer.
    writeFileSync(
      script,
      `const rl = require("node:readline").createInterface({ input: process.stdin });
let first = true;
rl.on("line", (line) => {
  const { id } = JSON.parse(line);
  if (first) {
    first = false;
    process.stdout.write('{"jsonrpc":"2.0","id":' + id + ',"result":"' + "x".repeat(${MAX_LINE_BYTES}) + '"}\\n');
  } else {
    process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id, result: { pong: true } }) + "\\n");
  }
});
rl.on("close", () => process.exit(0));
`,
    );
    const client = SyncClient.spawn({ dataDir: dir, daemonPath: script, stderr: "ignore" });
    try {
      await expect(client.ping()).rejects.toThrow(`longer than ${MAX_LINE_BYTES} bytes`);
      expect(await client.ping()).toEqual({ pong: true });
    } finally {
      client.child.stdin!.end();
      await client.waitExit();
    }
  });
});
