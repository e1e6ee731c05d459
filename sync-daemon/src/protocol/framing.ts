// Newline-delimited JSON framing, both directions, for the server (src/rpc/server.ts)
// and SyncClient alike: one message per line, "\r\n" accepted, blank lines
// skipped, and a cap on the bytes buffered for one line, so a peer that never
// sends "\n" cannot grow our memory without bound (the MCP SDK's ReadBuffer does
// the same).
import { MAX_LINE_BYTES } from "./limits.js";

/** One message as a line: JSON, then "\n". */
export function frame(message: unknown): string {
  return JSON.stringify(message) + "\n";
}

export interface LineReaderEvents {
  /** A complete line, without its "\n" or "\r\n"; never blank. */
  line: (line: string) => void;
  /** A line went over the cap; its bytes were dropped and reading goes on after its "\n". */
  oversize: (limitBytes: number) => void;
}

/** Splits a byte stream into lines, refusing any longer than `maxLineBytes`. */
export class LineReader {
  private parts: Buffer[] = [];
  private bufferedBytes = 0;
  private discarding = false;

  constructor(
    private readonly on: LineReaderEvents,
    readonly maxLineBytes: number = MAX_LINE_BYTES,
  ) {}

  /** Feeds raw bytes from the transport. */
  feed(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
  }

  /** The transport closed: a final unterminated line counts as a line. */
  end(): void {
    if (this.bufferedBytes > 0 || this.discarding) this.endLine();
  }

  private append(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    if (this.bufferedBytes + part.length > this.maxLineBytes) {
      this.parts = [];
      this.bufferedBytes = 0;
      this.discarding = true;
      return;
    }
    // Copied: the transport may reuse the chunk's memory.
    this.parts.push(Buffer.from(part));
    this.bufferedBytes += part.length;
  }

  private endLine(): void {
    if (this.discarding) {
      this.discarding = false;
      this.on.oversize(this.maxLineBytes);
      return;
    }
    let line = Buffer.concat(this.parts, this.bufferedBytes).toString("utf8");
    this.parts = [];
    this.bufferedBytes = 0;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") return;
    this.on.line(line);
  }
}
