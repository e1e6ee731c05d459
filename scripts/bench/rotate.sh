#!/usr/bin/env bash
# caro key rotation benchmark (one run, not a test; issue 11): a relay on
# loopback, device A with N entries synced, then `caro sync rotate --json`
# timed as a whole command (new phrase and keys, the retirement notice pushed
# to the old account, the new account made, N entries re-sealed and pushed).
# Then A's next `caro sync` (it reads its N re-sealed records back, the check
# of its own chain the rotation leaves to it) is timed too, and a fresh device
# joins with the new phrase and must hold all N.
# Targets: 10,000 entries <= 2 s, 100,000 <= 15 s. Prints a markdown table.
# Needs `make build` (release caro, daemon dist/) and python3.
# ROTATE_SIZES="10000 100000" overrides the sizes.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARO="${CARO_BIN:-$ROOT/target/release/caro}"
for need in "$CARO" sync-daemon/dist/caro-sync-daemon.cjs; do
  [ -e "$need" ] || { echo "$need is missing: run \`make build\` first" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "the rotation benchmark needs python3" >&2; exit 1; }

export CARO="$CARO"
export CARO_SYNC_DAEMON="${CARO_SYNC_DAEMON:-node $ROOT/sync-daemon/dist/caro-sync-daemon.cjs}"
export CARO_SYNC_LOG_LEVEL=warn
export ROTATE_SIZES="${ROTATE_SIZES:-10000 100000}"
python3 - <<'PY'
import json, os, shutil, sqlite3, subprocess, sys, tempfile, time

CARO = os.environ["CARO"]
SIZES = [int(n) for n in os.environ["ROTATE_SIZES"].split()]
TARGETS = {10_000: 2.0, 100_000: 15.0}
work = tempfile.mkdtemp(prefix="caro-rotate-bench.")
procs = []

def caro(home, *args, stdin=None):
    env = dict(os.environ, CARO_HOME=os.path.join(work, home))
    return subprocess.run([CARO, *args], env=env, input=stdin, capture_output=True,
                          text=True, check=True).stdout

def count(home):
    db = sqlite3.connect(f"file:{os.path.join(work, home, 'history.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM command_history WHERE deleted_at IS NULL").fetchone()[0]
    finally:
        db.close()

rows = []
try:
    relay = subprocess.Popen([CARO, "sync", "relay", "--port", "0", "--in-memory"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(relay)
    os.environ["CARO_SYNC_RELAY"] = relay.stdout.readline().split()[1]
    for n in SIZES:
        a, fresh = f"A{n}", f"fresh{n}"
        hist = os.path.join(work, f"import{n}.zsh")
        with open(hist, "w") as f:
            start = int(time.time()) - n * 5
            for i in range(n):
                f.write(f": {start + i * 5}:{i % 7};git commit -m 'change {i}' --author bench{i % 13}\n")
        caro(a, "history", "import", "zsh", "--file", hist)
        caro(a, "sync", "init", "--json")
        t = time.perf_counter()
        out = json.loads(caro(a, "sync", "rotate", "--json"))
        took = time.perf_counter() - t
        t = time.perf_counter()
        caro(a, "sync")
        after = time.perf_counter() - t
        caro(fresh, "sync", "join", stdin=out["phrase"] + "\n")
        assert count(fresh) == n, f"the fresh device has {count(fresh)} of {n}"
        rows.append((n, took, after))
        print(f"{n} entries: rotate {took:.2f} s, next sync {after:.2f} s", file=sys.stderr)
finally:
    for p in procs:
        p.terminate()
        p.wait()
    shutil.rmtree(work, ignore_errors=True)

print("| entries | `caro sync rotate` (whole command) | target | A's next `caro sync` |")
print("|---:|---:|---:|---:|")
for n, took, after in rows:
    target = TARGETS.get(n)
    print(f"| {n:,} | {took:.2f} s | {'≤ %.0f s' % target if target else '–'} | {after:.2f} s |")
PY
