#!/usr/bin/env bash
# caro sync benchmark (one run, not a test): a relay on loopback, devices A
# and B (B joined while the account was empty).
#   1. 10,000 entries recorded on A -> `caro sync` on A, then `caro sync` on
#      B until all 10,000 are decrypted in B's SQLite; each timed, and the total.
#   2. `caro history add` on A -> visible in B's SQLite, both running
#      `caro sync watch`: p50 and p90 over 30 adds.
#   3. `caro sync` with nothing to do (median of 5).
# Prints a markdown table. Needs `make build` (release caro, daemon dist/) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARO="${CARO_BIN:-$ROOT/target/release/caro}"
for need in "$CARO" sync-daemon/dist/caro-sync-daemon.cjs; do
  [ -e "$need" ] || { echo "$need is missing: run \`make build\` first" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "the sync benchmark needs python3" >&2; exit 1; }

export CARO="$CARO"
export CARO_SYNC_DAEMON="${CARO_SYNC_DAEMON:-node $ROOT/sync-daemon/dist/caro-sync-daemon.cjs}"
export CARO_SYNC_RELAY_BIN="node $ROOT/sync-daemon/dist/bin/relay.js"
export CARO_SYNC_LOG_LEVEL=warn
# This benchmark times `caro sync` spawning its own daemon; scripts/bench/agent.sh times the agent.
export CARO_SYNC_AGENT=off
python3 - <<'PY'
import json, os, random, signal, sqlite3, statistics, subprocess, sys, tempfile, time

CARO = os.environ["CARO"]
N = 10_000
work = tempfile.mkdtemp(prefix="caro-sync-bench.")
procs = []

def env(home):
    e = dict(os.environ, CARO_HOME=os.path.join(work, home))
    return e

def caro(home, *args, stdin=None):
    return subprocess.run([CARO, *args], env=env(home), input=stdin, capture_output=True,
                          text=True, check=True).stdout

def timed(home, *args):
    t = time.perf_counter()
    caro(home, *args)
    return time.perf_counter() - t

def count(home):
    db = sqlite3.connect(f"file:{os.path.join(work, home, 'history.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM command_history WHERE deleted_at IS NULL").fetchone()[0]
    finally:
        db.close()

try:
    relay = subprocess.Popen([CARO, "sync", "relay", "--port", "0", "--in-memory"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(relay)
    url = relay.stdout.readline().split()[1]
    os.environ["CARO_SYNC_RELAY"] = url

    phrase = json.loads(caro("A", "sync", "init", "--json"))["phrase"]
    caro("B", "sync", "join", stdin=phrase + "\n")

    hist = os.path.join(work, "import.zsh")
    with open(hist, "w") as f:
        start = int(time.time()) - N * 5
        for i in range(N):
            f.write(f": {start + i * 5}:{i % 7};git commit -m 'change {i}' --author bench{i % 13}\n")
    caro("A", "history", "import", "zsh", "--file", hist)

    up = timed("A", "sync")
    t = time.perf_counter()
    down_syncs = 0
    while count("B") < N and down_syncs < 5:
        caro("B", "sync")
        down_syncs += 1
    down = time.perf_counter() - t
    assert count("B") == N, f"B has {count('B')} of {N}"

    noops = [timed("B", "sync") for _ in range(5)]
    noop = statistics.median(noops)
    print("noop runs:", " ".join(f"{x * 1000:.0f}" for x in noops), file=sys.stderr)

    watches = []
    for home in ("A", "B"):
        w = subprocess.Popen([CARO, "sync", "watch"], env=env(home), stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        procs.append(w)
        watches.append(w)
        assert w.stdout.readline().startswith("watching"), "watch did not start"
    db = sqlite3.connect(f"file:{os.path.join(work, 'B', 'history.db')}?mode=ro", uri=True)
    latencies = []
    for i in range(30):
        t = time.perf_counter()
        entry_id = caro("A", "history", "add", "--command", f"echo watched {i}").strip()
        deadline = t + 30
        while db.execute("SELECT 1 FROM command_history WHERE id = ?", (entry_id,)).fetchone() is None:
            if time.perf_counter() > deadline:
                sys.exit(f"entry {i} did not reach B within 30 s")
            time.sleep(0.002)
        latencies.append(time.perf_counter() - t)
        # A random pause, so the adds do not lock onto the watch's 50 ms poll.
        time.sleep(0.2 + random.random() * 0.05)
    db.close()
    latencies.sort()
    p50 = statistics.median(latencies)
    p90 = latencies[int(len(latencies) * 0.9) - 1]

    ms = lambda s: f"{s * 1000:.0f} ms"
    print("\n### caro sync\n")
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| `caro sync` on A: push 10,000 new entries | {ms(up)} | |")
    print(f"| `caro sync` on B: pull + decrypt 10,000 into SQLite ({down_syncs} run{'s' if down_syncs > 1 else ''}) | {ms(down)} | |")
    print(f"| both together | {ms(up + down)} | ≤ 1 s |")
    print(f"| `history add` on A → in B's SQLite, both on `sync watch` (p50 / p90 of 30) | {ms(p50)} / {ms(p90)} | p50 ≤ 250 ms |")
    print(f"| `caro sync` with nothing to do (whole process, median of 5) | {ms(noop)} | ≤ 250 ms |")
finally:
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    subprocess.run(["rm", "-rf", work])
PY
