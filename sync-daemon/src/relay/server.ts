// The self-hosted relay: cojson's own sync engine (a LocalNode with SQLite storage
// or none) behind a WebSocket server, plus GET /health. It never holds a key of
// any account: it stores and forwards encrypted transactions.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { LocalNode } from "cojson";
import { createWebSocketPeer } from "cojson-transport-ws";
import { WebSocketServer, type WebSocket } from "ws";
import { jazzCrypto } from "../jazz/crypto.js";
import { openSqliteStorage } from "../jazz/storage.js";
import { log } from "../log.js";

export interface RelayOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 4200. */
  port?: number;
  /** SQLite file for the relay's store; omit (or inMemory) to keep everything in memory. */
  db?: string;
  inMemory?: boolean;
}

export interface Relay {
  /** ws://host:port — what daemons pass as `relay` in sync.init. */
  url: string;
  port: number;
  /** Number of connected peers. */
  connections(): number;
  close(): Promise<void>;
}

const PING_INTERVAL_MS = 1500;

export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4200;
  const crypto = await jazzCrypto();
  const secret = crypto.newRandomAgentSecret();
  const node = new LocalNode(secret, crypto.newRandomSessionID(crypto.getAgentID(secret)), crypto);
  let sqlite: ReturnType<typeof openSqliteStorage> | undefined;
  if (options.db && !options.inMemory) {
    sqlite = openSqliteStorage(options.db);
    node.setStorage(sqlite.storage);
    // Unmounts idle CoValues from memory; they reload from SQLite on demand.
    // Never without storage: an in-memory relay would forget them.
    node.enableGarbageCollector();
  }

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
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  http.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  wss.on("connection", (ws: WebSocket) => {
    sockets.add(ws);
    const id = `client-${randomUUID()}`;
    log.debug("relay: peer connected", { peer: id });
    const send = () => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: "ping", time: Date.now(), dc: "local" }));
    };
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
        // ws's WebSocket implements the EventTarget-style API the transport uses.
        websocket: ws as unknown as Parameters<typeof createWebSocketPeer>[0]["websocket"],
        expectPings: false,
        batchingByDefault: false,
        deletePeerStateOnClose: true,
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const address = http.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const url = `ws://${urlHost}:${boundPort}`;

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
      sqlite?.db.open && sqlite.db.close();
    })();
    return closing;
  };

  return { url, port: boundPort, connections: () => sockets.size, close };
}
