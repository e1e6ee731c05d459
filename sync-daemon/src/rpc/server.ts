// JSON-RPC 2.0 dispatch over newline-delimited JSON (src/protocol/framing.ts):
// request validation, duplicate in-flight id rejection, one handler per method.
// Transport-agnostic: bytes in through feed(), framed lines out through write().
import { frame, LineReader } from "../protocol/framing.js";
import { ErrorKinds, RpcError, type RpcErrorObject } from "../protocol/errors.js";
import { MAX_LINE_BYTES } from "../protocol/limits.js";
import type { Params } from "./validate.js";
import { log } from "../log.js";

export type Handler = (params: Params) => Promise<unknown> | unknown;

type Id = string | number | null;

export interface RpcServerOptions {
  handlers: Record<string, Handler>;
  /** Writes one framed message (its "\n" included). */
  write: (framed: string) => void;
  maxLineBytes?: number;
}

export class RpcServer {
  private readonly reader: LineReader;
  private inFlight = new Set<string>();
  private pending = new Set<Promise<void>>();

  constructor(private readonly opts: RpcServerOptions) {
    this.reader = new LineReader(
      {
        line: (line) => this.handleLine(line),
        oversize: (limitBytes) => {
          log.warn("refused an oversize line", { limitBytes });
          this.respondError(null, new RpcError("line-too-long", `line longer than ${limitBytes} bytes refused`).toJSON());
        },
      },
      opts.maxLineBytes ?? MAX_LINE_BYTES,
    );
  }

  /** Feed raw bytes from the transport. */
  feed(chunk: Buffer): void {
    this.reader.feed(chunk);
  }

  /** The transport closed; a final unterminated line is processed. Resolves when every request is answered. */
  async end(): Promise<void> {
    this.reader.end();
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  notify(method: string, params: unknown): void {
    this.opts.write(frame({ jsonrpc: "2.0", method, params }));
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
            code: ErrorKinds.internal,
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
    this.opts.write(frame(msg));
  }
}
