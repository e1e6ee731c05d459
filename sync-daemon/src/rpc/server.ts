// Newline-delimited JSON-RPC 2.0: framing (16 MiB line limit), request validation,
// dispatch, duplicate in-flight id rejection. Transport-agnostic.
import { RpcError, type RpcErrorObject } from "./errors.js";
import type { Params } from "./validate.js";
import { log } from "../log.js";

export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export type Handler = (params: Params) => Promise<unknown> | unknown;

type Id = string | number | null;

export interface RpcServerOptions {
  handlers: Record<string, Handler>;
  write: (line: string) => void;
  maxLineBytes?: number;
}

export class RpcServer {
  private buffer: Buffer[] = [];
  private bufferedBytes = 0;
  private discarding = false;
  private inFlight = new Set<string>();
  private readonly maxLineBytes: number;
  private pending = new Set<Promise<void>>();

  constructor(private readonly opts: RpcServerOptions) {
    this.maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
  }

  /** Feed raw bytes from the transport. */
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

  /** The transport closed; a final unterminated line is processed. Resolves when every request is answered. */
  async end(): Promise<void> {
    if (this.bufferedBytes > 0 || this.discarding) this.endLine();
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  notify(method: string, params: unknown): void {
    this.opts.write(JSON.stringify({ jsonrpc: "2.0", method, params }));
  }

  private append(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    if (this.bufferedBytes + part.length > this.maxLineBytes) {
      this.buffer = [];
      this.bufferedBytes = 0;
      this.discarding = true;
      return;
    }
    this.buffer.push(Buffer.from(part));
    this.bufferedBytes += part.length;
  }

  private endLine(): void {
    if (this.discarding) {
      this.discarding = false;
      log.warn("refused an oversize line", { limitBytes: this.maxLineBytes });
      this.respondError(
        null,
        new RpcError("line-too-long", `line longer than ${this.maxLineBytes} bytes refused`).toJSON(),
      );
      return;
    }
    let line = Buffer.concat(this.buffer, this.bufferedBytes).toString("utf8");
    this.buffer = [];
    this.bufferedBytes = 0;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") return;
    this.handleLine(line);
  }

  private handleLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.respondError(null, new RpcError("parse-error", "parse error: the line is not valid JSON").toJSON());
      return;
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      const why = Array.isArray(msg) ? "batch requests are not supported" : "a request must be a JSON object";
      this.respondError(null, new RpcError("invalid-request", `invalid request: ${why}`).toJSON());
      return;
    }
    const req = msg as Record<string, unknown>;
    const hasId = "id" in req;
    const rawId = req.id;
    const idOk = rawId === null || typeof rawId === "string" || (typeof rawId === "number" && Number.isInteger(rawId));
    const replyId: Id = hasId && idOk ? (rawId as Id) : null;
    if (req.jsonrpc !== "2.0") {
      this.respondError(replyId, new RpcError("invalid-request", 'invalid request: "jsonrpc" must be "2.0"').toJSON());
      return;
    }
    if (hasId && !idOk) {
      this.respondError(null, new RpcError("invalid-request", 'invalid request: "id" must be a string or an integer').toJSON());
      return;
    }
    if (typeof req.method !== "string") {
      this.respondError(replyId, new RpcError("invalid-request", 'invalid request: "method" must be a string').toJSON());
      return;
    }
    const method = req.method;
    let params: Params = {};
    if (req.params !== undefined) {
      if (typeof req.params !== "object" || req.params === null || Array.isArray(req.params)) {
        if (hasId)
          this.respondError(
            replyId,
            new RpcError("invalid-params", 'invalid params: "params" must be an object', { path: "params" }).toJSON(),
          );
        return;
      }
      params = req.params as Params;
    }
    const key = hasId ? `${typeof rawId}:${String(rawId)}` : undefined;
    if (key !== undefined) {
      if (this.inFlight.has(key)) {
        this.respondError(
          replyId,
          new RpcError("duplicate-id", "invalid request: a request with this id is still in flight").toJSON(),
        );
        return;
      }
      this.inFlight.add(key);
    }
    const handler = Object.prototype.hasOwnProperty.call(this.opts.handlers, method)
      ? this.opts.handlers[method]
      : undefined;
    const run = async () => {
      try {
        if (!handler) throw new RpcError("method-not-found", `method not found: ${method}`);
        const result = await handler(params);
        if (hasId) this.write({ jsonrpc: "2.0", id: replyId, result: result ?? null });
      } catch (err) {
        if (!hasId) return;
        if (err instanceof RpcError) {
          this.respondError(replyId, err.toJSON());
        } else {
          log.error("internal error", { method, error: err instanceof Error ? err.message : String(err) });
          this.respondError(replyId, {
            code: -32603,
            message: `internal error: ${err instanceof Error ? err.message : String(err)}`,
            data: { kind: "internal" },
          });
        }
      } finally {
        if (key !== undefined) this.inFlight.delete(key);
      }
    };
    const p = run();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private respondError(id: Id, error: RpcErrorObject): void {
    this.write({ jsonrpc: "2.0", id, error });
  }

  private write(msg: unknown): void {
    this.opts.write(JSON.stringify(msg));
  }
}
