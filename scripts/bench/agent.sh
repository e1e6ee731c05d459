#!/usr/bin/env bash
# caro's background sync agent (one run, not a test): a relay on loopback,
# devices A and B with the agents `sync init` and `sync join` leave running
# (no `caro sync watch`), and a home C holding 100,000 entries.
#   1. `caro history add` on A -> in B's SQLite: p50 and p99 over 100 adds
#      (each add waits out the agent's 250 ms push window after the last).
#   2. `caro history add`, whole process, on C at 100,000 entries with C's
#      agent running (median and p99 of 200), and with no agent for reference.
#   3. `caro sync` answered by A's running agent (median of 20).
#   4. CPU of an idle agent and its daemon over 10 s, and their RSS (C, at
#      100,000 entries), from /proc.
# Prints a markdown table. Needs `make build` (release caro, daemon dist/), python3, Linux /proc.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARO="${CARO_BIN:-$ROOT/target/release/caro}"
for need in "$CARO" sync-daemon/dist/caro-sync-daemon.cjs; do
  [ -e "$need" ] || { echo "$need is missing: run \`make build\` first" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "the agent benchmark needs python3" >&2; exit 1; }

export CARO="$CARO"
export CARO_SYNC_DAEMON="${CARO_SYNC_DAEMON:-node $ROOT/sync-daemon/dist/caro-sync-daemon.cjs}"
export CARO_SYNC_LOG_LEVEL=warn
unset CARO_SYNC_AGENT
python3 - <<'PY'
import json, os, sqlite3, statistics, subprocess, sys, tempfile, time

CARO = os.environ["CARO"]
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "100000"))
ADDS = 100
work = tempfile.mkdtemp(prefix="caro-agent-bench.")
homes = []
relay = None
TICK = os.sysconf("SC_CLK_TCK")

def env(home, **extra):
    return dict(os.environ, CARO_HOME=os.path.join(work, home), **extra)

def caro(home, *args, stdin=None, **extra):
    return subprocess.run([CARO, *args], env=env(home, **extra), input=stdin,
                          capture_output=True, text=True, check=True).stdout

def timed(home, *args, **extra):
    t = time.perf_counter()
    caro(home, *args, **extra)
    return time.perf_counter() - t

def has(home, command):
    db = sqlite3.connect(f"file:{os.path.join(work, home, 'history.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT 1 FROM command_history WHERE command = ? AND deleted_at IS NULL",
                          (command,)).fetchone() is not None
    finally:
        db.close()

def agent_pid(home):
    return json.loads(caro(home, "sync", "status", "--json"))["agent"]["pid"]

def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(entry))
            except OSError:
                pass
    return out

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

def wait_for(what, probe, limit):
    deadline = time.monotonic() + limit
    while not probe():
        if time.monotonic() > deadline:
            sys.exit(f"agent bench: {what} did not happen within {limit} s")
        time.sleep(0.002)

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

try:
    relay = subprocess.Popen([CARO, "sync", "relay", "--port", "0", "--in-memory"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    os.environ["CARO_SYNC_RELAY"] = relay.stdout.readline().split()[1]

    homes += ["A", "B"]
    phrase = json.loads(caro("A", "sync", "init", "--json"))["phrase"]
    caro("B", "sync", "join", stdin=phrase + "\n")
    wait_for("the agents start", lambda: agent_pid("A") and agent_pid("B"), 30)
    time.sleep(2)

    # 1. add on A -> in B's SQLite, nothing else run.
    latencies = []
    for i in range(ADDS):
        command = f"echo agent-bench {i}"
        t = time.perf_counter()
        caro("A", "history", "add", "--command", command, "--exit-code", "0")
        wait_for(f"{command} reaching B", lambda: has("B", command), 60)
        latencies.append(time.perf_counter() - t)
        time.sleep(0.3)
    print("add -> B (ms):", " ".join(f"{x * 1000:.0f}" for x in latencies), file=sys.stderr)

    # 3. `caro sync` answered by the running agent.
    syncs = [timed("A", "sync") for _ in range(20)]

    # 4a. idle CPU over 10 s (A: agent and daemon, after a quiet moment).
    time.sleep(3)
    agent = agent_pid("A")
    pids = [agent] + children(agent)
    before = sum(cpu_seconds(p) for p in pids)
    time.sleep(10)
    idle_cpu = sum(cpu_seconds(p) for p in pids) - before

    # 2. history add at ENTRIES entries, C's agent running.
    homes.append("C")
    hist = os.path.join(work, "import.zsh")
    with open(hist, "w") as f:
        start = int(time.time()) - ENTRIES * 5
        for i in range(ENTRIES):
            f.write(f": {start + i * 5}:{i % 7};git commit -m 'change {i}' --author bench{i % 13}\n")
    caro("C", "history", "import", "zsh", "--file", hist)
    t = time.perf_counter()
    caro("C", "sync", "init", "--json")
    init_s = time.perf_counter() - t
    wait_for("C's agent", lambda: agent_pid("C"), 30)
    time.sleep(3)
    adds_on = [timed("C", "history", "add", "--command", f"echo on {i}", "--exit-code", "0")
               for i in range(200)]
    agent_c = agent_pid("C")
    rss = rss_mb(agent_c) + sum(rss_mb(p) for p in children(agent_c))
    caro("C", "sync", "stop")
    adds_off = [timed("C", "history", "add", "--command", f"echo off {i}", "--exit-code", "0",
                      CARO_SYNC_AGENT="off")
                for i in range(200)]

    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"\n### Background agent ({ENTRIES:,} entries in C; C's init pushed them in {init_s:.1f} s)\n")
    print("| measure | figure |")
    print("|---|---|")
    print(f"| `history add` on A -> in B's SQLite, agents only, p50 ({ADDS} adds) | {ms(pct(latencies, 50))} |")
    print(f"| `history add` on A -> in B's SQLite, agents only, p99 | {ms(pct(latencies, 99))} |")
    print(f"| `history add` whole process at {ENTRIES:,}, agent running, median / p99 | {ms(statistics.median(adds_on))} / {ms(pct(adds_on, 99))} |")
    print(f"| `history add` whole process at {ENTRIES:,}, no agent, median / p99 | {ms(statistics.median(adds_off))} / {ms(pct(adds_off, 99))} |")
    print(f"| `caro sync` answered by the running agent, median of 20 | {ms(statistics.median(syncs))} |")
    print(f"| idle agent + daemon CPU per 10 s | {idle_cpu:.3f} s |")
    print(f"| agent + daemon RSS at {ENTRIES:,} entries | {rss:.0f} MB |")
finally:
    for home in homes:
        subprocess.run([CARO, "sync", "stop"], env=env(home), capture_output=True)
    if relay:
        relay.terminate()
        relay.wait()
    subprocess.run(["rm", "-rf", work])
PY
