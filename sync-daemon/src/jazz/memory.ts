// Keeps the daemon's memory near what is live while a pull streams a long
// history through it. Delivered chunks are released from cojson (chunks.ts), but
// V8 lets garbage grow far past the live set before a full collection (measured:
// a 100,000-record join peaked near 200 MB of RSS with under 48 MB live), so after
// every few released chunks the daemon asks for a collection itself. The
// collector is obtained the documented way for a running process (the flag, then
// a fresh context's `gc`); without it, releasing still bounds the live set.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Released chunks between two collections: one collection per ~2,000 records delivered. */
const RELEASES_PER_COLLECTION = 2;

let collect: (() => void) | undefined;
try {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as unknown;
  if (typeof gc === "function") collect = gc as () => void;
} catch {
  collect = undefined;
}

let released = 0;

/** Notes one released chunk; every few, runs a full collection. */
export function noteReleased(): void {
  released++;
  if (released % RELEASES_PER_COLLECTION === 0) collect?.();
}
