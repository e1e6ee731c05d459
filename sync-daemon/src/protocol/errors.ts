// JSON-RPC error codes and the stable `data.kind` values (PROTOCOL.md): the one
// table of kinds on this side, checked against test-vectors/rpc/error-kinds.json,
// and the error the daemon's code throws to answer with one of them.

export const ErrorKinds = {
  "parse-error": -32700,
  "invalid-request": -32600,
  "line-too-long": -32600,
  "duplicate-id": -32600,
  "method-not-found": -32601,
  "invalid-params": -32602,
  internal: -32603,
  "not-initialized": -32001,
  "already-initialized": -32002,
  "relay-unreachable": -32003,
  "account-not-found": -32004,
  "account-exists": -32005,
  "account-mismatch": -32006,
  "invalid-envelope": -32007,
  "store-locked": -32008,
  busy: -32009,
  "shutting-down": -32010,
  "old-format": -32011,
} as const;

export type ErrorKind = keyof typeof ErrorKinds;

export interface RpcErrorObject {
  code: number;
  message: string;
  data: { kind: ErrorKind; [key: string]: unknown };
}

export class RpcError extends Error {
  readonly code: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "RpcError";
    this.code = ErrorKinds[kind];
  }

  toJSON(): RpcErrorObject {
    return { code: this.code, message: this.message, data: { kind: this.kind, ...this.extra } };
  }
}

export function invalidParams(path: string, message: string): RpcError {
  return new RpcError("invalid-params", `invalid params: ${path}: ${message}`, { path });
}
