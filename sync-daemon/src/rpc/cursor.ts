// sync.pull's cursor: how many records of each device were delivered (the next
// seq), as base64url JSON {"v":2,"p":{deviceId: n}} with sorted keys, so a cursor
// is a pure function of what was delivered. A v1 cursor is refused: its counts
// were of another format's items.
import { invalidParams } from "../protocol/errors.js";

export function encodeCursor(positions: Record<string, number>): string {
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(positions).sort()) sorted[k] = positions[k];
  return Buffer.from(JSON.stringify({ v: 2, p: sorted })).toString("base64url");
}

export function decodeCursor(cursor: unknown): Record<string, number> {
  if (cursor === undefined || cursor === null || cursor === "") return {};
  if (typeof cursor !== "string") throw invalidParams("cursor", "expected a string or null");
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidParams("cursor", "not a cursor returned by sync.pull");
  }
  const c = parsed as { v?: unknown; p?: unknown };
  if (!c || c.v !== 2 || typeof c.p !== "object" || c.p === null || Array.isArray(c.p)) {
    throw invalidParams("cursor", "not a cursor returned by sync.pull");
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.p as Record<string, unknown>)) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw invalidParams("cursor", "not a cursor returned by sync.pull");
    }
    out[k] = v;
  }
  return out;
}
