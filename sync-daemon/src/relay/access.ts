// Who may open a WebSocket to the relay: a client that knows the relay's token
// and is not a web page. The token is the only credential a relay has, so it is
// compared in constant time, kept in a 0600 file when it must outlive the process,
// and never written to a log. Browsers always send `Origin` on a WebSocket
// upgrade and cojson's Node clients never do, so any Origin is refused: a page
// the user visits cannot reach a relay on loopback.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { RelayStartError } from "./errors.js";

/** 32 random bytes, base64url (43 characters): what `?token=` carries. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{22,512}$/;

/**
 * The token kept in `path`: read when the file exists, otherwise created
 * exclusively (mode 0600, written whole before it appears under its name, so a
 * crash or a concurrent start never leaves a half-written token).
 */
export function loadOrCreateTokenFile(path: string): string {
  const existing = readTokenFile(path);
  if (existing !== undefined) return existing;
  const token = newToken();
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, token + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path);
    } catch (err) {
      // Another relay created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      return readTokenFile(path) ?? token;
    }
    return token;
  } catch (err) {
    if (err instanceof RelayStartError) throw err;
    throw new RelayStartError(`cannot create the token file ${path}: ${reason(err)}`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already gone.
    }
  }
}

function readTokenFile(path: string): string | undefined {
  let text: string;
  try {
    const st = statSync(path);
    if (st.isFile() && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8);
      throw new RelayStartError(`the token file ${path} is readable by others (mode ${mode}): run chmod 600 ${path}`);
    }
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof RelayStartError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RelayStartError(`cannot read the token file ${path}: ${reason(err)}`);
  }
  const token = text.trim();
  if (!TOKEN_SHAPE.test(token)) {
    throw new RelayStartError(
      `the token file ${path} holds no valid token (22-512 base64url characters): delete it to have a new one made`,
    );
  }
  return token;
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "EISDIR") return "it is a directory";
  if (e.code === "EACCES" || e.code === "EPERM") return "permission denied";
  if (e.code === "ENOENT") return "its directory does not exist";
  return e.code ?? String(e.message ?? err);
}

export interface Refusal {
  status: 401 | 403;
  message: string;
}

/** Decides an upgrade request: undefined to accept, or why it is refused. */
export function checkUpgrade(req: IncomingMessage, token: string | undefined): Refusal | undefined {
  if (req.headers.origin !== undefined) {
    return { status: 403, message: "WebSocket connections from web pages (an Origin header) are refused" };
  }
  if (token === undefined) return undefined;
  const given = tokenOf(req.url ?? "/");
  if (given === null || !sameToken(given, token)) {
    return { status: 401, message: "missing or wrong token: use the relay URL with ?token=... that the relay printed" };
  }
  return undefined;
}

/** The `token` query parameter of a request target, null when absent or unparsable. */
function tokenOf(target: string): string | null {
  try {
    return new URL(target, "http://relay").searchParams.get("token");
  } catch {
    return null;
  }
}

/** Constant-time in the token's content and length (both sides hashed first). */
function sameToken(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The URL with its token replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/, "$1<redacted>");
}
