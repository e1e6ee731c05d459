// The self-hosted relay: cojson's own sync engine (a LocalNode with SQLite storage
// or none) behind a WebSocket server, plus GET /health. It never holds a key of
// any account: it stores and forwards encrypted transactions. Only clients with
// its token get a WebSocket (access.ts), and what they may store is bounded
// (quota.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import { LocalNode, type RawCoID, type SessionID } from "cojson";
import { createWebSocketPeer } from "cojson-transport-ws";
import { WebSocketServer, type WebSocket } from "ws";
import { jazzCrypto } from "../jazz/crypto.js";
import { log } from "../log.js";
import { checkUpgrade, loadOrCreateTokenFile, newToken } from "./access.js";
import { RelayStartError } from "./errors.js";
import { DEFAULT_LIMITS, gateSocket, Ledger, type Limits } from "./quota.js";
import { openRelayStore, storedBytesByAccount } from "./store.js";

export { RelayStartError } from "./errors.js";
export { DEFAULT_LIMITS, type Limits } from "./quota.js";

export interface RelayOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 4200. */
  port?: number;
  /** SQLite file for the relay's store; omit (or inMemory) to keep everything in memory. */
  db?: string;
  inMemory?: boolean;
  /**
   * Where the token is kept (created 0600 when missing). Default: `<db>.token`
   * beside the store; without a store, a new token each start.
   */
  tokenFile?: string;
  /** This token instead of a file or a random one. */
  token?: string;
  /** No token at all: anyone who reaches the port may connect. */
  open?: boolean;
  limits?: Partial<Limits>;
}

export interface Relay {
  /** What daemons pass as `relay` in sync.init: ws://host:port/?token=… (no query when open). */
  url: string;
  port: number;
  /** The token clients must present, or undefined when the relay is open. */
  token: string | undefined;
  /** Number of connected peers. */
  connections(): number;
  close(): Promise<void>;
}

const PING_INTERVAL_MS = 1500;

export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4200;
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const useDb = options.db !== undefined && !options.inMemory;
  const sqlite = useDb ? openRelayStore(options.db!) : undefined;
  let token: string | undefined;
  try {
    token = options.open ? undefined : resolveToken(options, useDb);
  } catch (err) {
    sqlite?.db.close();
    throw err;
  }

  const crypto = await jazzCrypto();
  const secret = crypto.newRandomAgentSecret();
  const node = new LocalNode(secret, crypto.newRandomSessionID(crypto.getAgentID(secret)), crypto);
  if (sqlite) {
    node.setStorage(sqlite.storage);
    // Unmounts idle CoValues from memory; they reload from SQLite on demand.
    // Never without storage: an in-memory relay would forget them.
    node.enableGarbageCollector();
  }
  const ledger = new Ledger(limits, knownCount(node), sqlite ? storedBytesByAccount(sqlite) : undefined);

  const sockets = new Set<WebSocket>();
  const started = Date.now();
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && (req.url === "/health" || req.url?.startsWith("/health?"))) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "ok", uptime: (Date.now() - started) / 1000, connections: sockets.size }));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false });
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const refusal = checkUpgrade(req, token);
    if (refusal) {
      log.info("relay: upgrade refused", { status: refusal.status, from: req.socket.remoteAddress ?? "?" });
      refuseUpgrade(socket, refusal.status, refusal.message);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  wss.on("connection", (ws: WebSocket) => {
    sockets.add(ws);
    const id = `client-${randomUUID()}`;
    log.debug("relay: peer connected", { peer: id });
    const send = () => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: "ping", time: Date.now(), dc: "local" }));
    };
    ws.on("error", (err: Error & { code?: string }) => {
      log.warn("relay: connection closed", { peer: id, reason: err.message });
      // ws has queued its close frame (1009) and would read, and discard, the rest
      // of the oversize frame: hang up instead, so it is never read at all.
      if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") setImmediate(() => ws.terminate());
    });
    const gated = gateSocket(ws, ledger, (reason) => log.warn("relay: connection refused", { peer: id, reason }));
    // An immediate ping tells the client the connection is up (its onSuccess).
    send();
    const pinger = setInterval(send, PING_INTERVAL_MS);
    ws.on("close", () => {
      clearInterval(pinger);
      sockets.delete(ws);
      log.debug("relay: peer disconnected", { peer: id });
    });
    node.syncManager.addPeer(
      createWebSocketPeer({
        id,
        role: "client",
        websocket: gated as unknown as Parameters<typeof createWebSocketPeer>[0]["websocket"],
        expectPings: false,
        batchingByDefault: false,
        deletePeerStateOnClose: true,
      }),
    );
  });

  try {
    await listen(http, host, port);
  } catch (err) {
    await node.gracefulShutdown().catch(() => undefined);
    if (sqlite?.db.open) sqlite.db.close();
    throw err;
  }
  const address = http.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const url = token === undefined ? `ws://${urlHost}:${boundPort}` : `ws://${urlHost}:${boundPort}/?token=${token}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      try {
        await node.gracefulShutdown();
      } catch (err) {
        log.warn("relay: shutdown", { error: String(err) });
      }
      if (sqlite?.db.open) sqlite.db.close();
    })();
    return closing;
  };

  return { url, port: boundPort, token, connections: () => sockets.size, close };
}

function resolveToken(options: RelayOptions, useDb: boolean): string {
  if (options.token !== undefined) return options.token;
  if (options.tokenFile !== undefined) return loadOrCreateTokenFile(options.tokenFile);
  if (useDb) return loadOrCreateTokenFile(`${options.db}.token`);
  return newToken();
}

/** Transactions of a session the relay holds in memory (undefined when it does not know). */
function knownCount(node: LocalNode): (id: string, session: string) => number | undefined {
  return (id, session) => {
    const coId = id as RawCoID;
    if (!node.hasCoValue(coId)) return undefined;
    return node.getCoValue(coId).knownState().sessions[session as SessionID];
  };
}

const STATUS_TEXT = { 401: "Unauthorized", 403: "Forbidden" } as const;

function refuseUpgrade(socket: Duplex, status: 401 | 403, message: string): void {
  const body = message + "\n";
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function listen(http: ReturnType<typeof createServer>, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port));
    http.once("error", failed);
    http.listen(port, host, () => {
      http.off("error", failed);
      resolve();
    });
  });
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (err.code) {
    case "EADDRINUSE":
      return new RelayStartError(`port ${port} on ${host} is already in use: stop what listens there or pick another --port`);
    case "EACCES":
      return new RelayStartError(`not allowed to listen on ${host}:${port}: pick a port above 1023`);
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new RelayStartError(`${host} is not an address of this machine: check --host`);
    default:
      return new RelayStartError(`cannot listen on ${host}:${port}: ${err.message}`);
  }
}
