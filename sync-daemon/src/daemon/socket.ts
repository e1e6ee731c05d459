// The daemon's second transport: the same JSON-RPC on a unix socket (0600,
// `$CARO_HOME/sync/daemon.sock`), so every caro process of a home reaches the
// one daemon the background agent keeps, instead of starting its own (which
// the data directory's lock would refuse) and paying the daemon's start-up.
//
// Each connection is an RPC session of its own (its own ids, its own
// subscription); all share the one Daemon. [Sessions] also serves stdio, so a
// notification reaches every subscribed session, whichever transport it uses.
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Daemon } from "./daemon.js";
import { log } from "../log.js";
import { RpcServer, type Handler } from "../rpc/server.js";

/**
 * The longest socket path every platform takes: sun_path is 104 bytes on
 * macOS and 108 on Linux, the terminating NUL included.
 */
export const MAX_SOCKET_PATH_BYTES = 103;

/** The RPC sessions of one daemon, and who among them asked for notifications. */
export class Sessions {
  private readonly subscribed = new Set<RpcServer>();

  constructor(
    private readonly daemon: Daemon,
    private readonly handlers: Record<string, Handler>,
  ) {
    daemon.notify = (method, params) => {
      for (const session of this.subscribed) session.notify(method, params);
    };
  }

  /** A new session writing through `write`; `drop` it when its transport closes. */
  open(write: (framed: string) => void): RpcServer {
    const own: Record<string, Handler> = {
      ...this.handlers,
      "sync.subscribe": async (p) => {
        const r = await this.handlers["sync.subscribe"](p);
        this.subscribed.add(session);
        this.daemon.subscribed = true;
        return r;
      },
      "sync.unsubscribe": () => {
        this.drop(session);
        return { subscribed: false };
      },
    };
    const session = new RpcServer({ write, handlers: own });
    return session;
  }

  drop(session: RpcServer): void {
    this.subscribed.delete(session);
    this.daemon.subscribed = this.subscribed.size > 0;
  }
}

/** Listens on a unix socket; every connection gets its own session of `sessions`. */
export class SocketServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** The inode this daemon created: only that file is removed on exit. */
  private inode: number | undefined;

  constructor(
    readonly path: string,
    private readonly sessions: Sessions,
  ) {}

  /** Starts listening; a socket file nobody answers on (a daemon that crashed) is replaced. */
  async listen(): Promise<void> {
    if (Buffer.byteLength(this.path) > MAX_SOCKET_PATH_BYTES) {
      throw new Error(
        `the socket path ${this.path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes, which unix sockets cannot take; use a shorter CARO_HOME`,
      );
    }
    try {
      await this.bind();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
      if (await answers(this.path)) throw new Error(`another daemon serves ${this.path}`);
      unlinkSync(this.path);
      await this.bind();
    }
    // umask 077 already made it 0700; a socket needs no execute bit.
    chmodSync(this.path, 0o600);
    this.inode = lstatSync(this.path).ino;
    log.debug("serving on the socket", { path: this.path });
  }

  private bind(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.path, () => {
        server.off("error", reject);
        server.on("error", (err) => log.warn("socket server", { error: err.message }));
        this.server = server;
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const session = this.sessions.open((framed) => {
      if (!socket.destroyed && socket.writable) socket.write(framed);
    });
    socket.on("data", (chunk: Buffer) => session.feed(chunk));
    // The client finished sending: answer what it asked, then close our side.
    socket.on("end", () => void session.end().then(() => socket.end()));
    // A client that went away (EPIPE, reset) costs nothing more than its session.
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      this.sockets.delete(socket);
      this.sessions.drop(session);
    });
  }

  /** Stops listening, drops every connection and removes the socket file (synchronous: safe in an exit handler). */
  close(): void {
    this.server?.close();
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (this.inode === undefined) return;
    try {
      if (lstatSync(this.path).ino === this.inode) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
    this.inode = undefined;
  }
}

/** Whether a daemon answers on `path` (a connection is accepted). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}
