// Builds dist/ (the daemon and relay binaries the tests spawn) when it is missing or stale.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const pkg = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
  const marker = join(pkg, "dist", "caro-sync-daemon.cjs");
  if (existsSync(marker) && statSync(marker).mtimeMs >= newest(join(pkg, "src"))) return;
  execFileSync(process.execPath, [join(pkg, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
    cwd: pkg,
    stdio: "inherit",
  });
  execFileSync(process.execPath, [join(pkg, "scripts", "bundle.mjs")], { cwd: pkg, stdio: "inherit" });
}
