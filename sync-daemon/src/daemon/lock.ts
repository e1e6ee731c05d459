// The data directory's lock file (daemon.lock, holding the owner's pid): one
// daemon per data directory, since each device log must have exactly one
// writer. A lock left by a dead process is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { RpcError } from "../protocol/errors.js";

export class DirLock {
  private held = false;

  constructor(
    private readonly path: string,
    private readonly dir: string,
  ) {}

  /** Takes the lock or throws `store-locked`. */
  acquire(): void {
    if (this.held) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, "wx", 0o600);
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const pid = Number(readFileSync(this.path, "utf8").trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
          throw new RpcError("store-locked", `another daemon (pid ${pid}) owns ${this.dir}`);
        }
        rmSync(this.path, { force: true });
      }
    }
    throw new RpcError("store-locked", `could not take the lock in ${this.dir}`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      const pid = Number(readFileSync(this.path, "utf8").trim());
      if (pid === process.pid) rmSync(this.path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
