#!/usr/bin/env bash
# caro sync against Atuin + atuin-server, side by side in one run on the same data
# (one run, not a test). For each size N (SIZES, default "1000 100000"):
#   1. N commands imported on A; `caro sync` on A, then `caro sync join` on a fresh B
#      (the whole history to a new device), each timed, with the peak RSS of the
#      process tree (caro and its daemon);
#   2. RUNS times (default 5): one new entry on A, then `caro sync` on A and on B,
#      both cold one-shot processes, timed together until the entry is in B's SQLite;
# and the same with Atuin (`atuin sync` on A, `atuin login` + `atuin sync` on B) when
# ATUIN and ATUIN_SERVER (default /opt/atuin/bin/…) are installed. Prints a markdown table.
# Needs `make build` and python3.
#   SIZES="1000 100000 1000000" RUNS=5 scripts/bench/sync-scale.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARO="${CARO_BIN:-$ROOT/target/release/caro}"
for need in "$CARO" sync-daemon/dist/caro-sync-daemon.cjs /usr/bin/time; do
  [ -e "$need" ] || { echo "$need is missing: run \`make build\` first (and install GNU time)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "the benchmark needs python3" >&2; exit 1; }

export CARO ATUIN="${ATUIN:-/opt/atuin/bin/atuin}" ATUIN_SERVER="${ATUIN_SERVER:-/opt/atuin/bin/atuin-server}"
export SIZES="${SIZES:-1000 100000}" RUNS="${RUNS:-5}"
export CARO_SYNC_DAEMON="${CARO_SYNC_DAEMON:-node $ROOT/sync-daemon/dist/caro-sync-daemon.cjs}"
export CARO_SYNC_LOG_LEVEL=warn
# Cold one-shot processes, as the comparison asks: no background agent answers
# `caro sync` (scripts/bench/agent.sh measures that).
export CARO_SYNC_AGENT=off
python3 - <<'PY'
import json, os, signal, socket, sqlite3, statistics, subprocess, sys, tempfile, time

CARO, ATUIN, ATUIN_SERVER = os.environ["CARO"], os.environ["ATUIN"], os.environ["ATUIN_SERVER"]
SIZES = [int(s) for s in os.environ["SIZES"].split()]
RUNS = int(os.environ["RUNS"])
have_atuin = os.access(ATUIN, os.X_OK) and os.access(ATUIN_SERVER, os.X_OK)
work = tempfile.mkdtemp(prefix="caro-sync-scale.")
procs = []

def run(cmd, env, stdin=None):
    """Runs cmd; returns (seconds, peak RSS of its process tree in MB, stdout)."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, input=stdin,
                       capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    return elapsed, rss_kb / 1024, p.stdout

def count(db_path, sql):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()

def history_file(n):
    path = os.path.join(work, f"zsh_history.{n}")
    if not os.path.exists(path):
        start = int(time.time()) - n * 5
        with open(path, "w") as f:
            for i in range(n):
                f.write(f": {start + i * 5}:{i % 7};git commit -m 'change {i}' --author bench{i % 13}\n")
    return path

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()

def bench_caro(n):
    base = os.path.join(work, f"caro.{n}")
    relay = subprocess.Popen([CARO, "sync", "relay", "--port", "0", "--in-memory", "--open"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(relay)
    url = relay.stdout.readline().split()[1]
    env = lambda h: dict(os.environ, CARO_HOME=os.path.join(base, h), CARO_SYNC_RELAY=url)
    try:
        phrase = json.loads(subprocess.run([CARO, "sync", "init", "--json"], env=env("A"),
                                           capture_output=True, text=True, check=True).stdout)["phrase"]
        subprocess.run([CARO, "history", "import", "zsh", "--file", history_file(n)], env=env("A"),
                       capture_output=True, check=True)
        push, push_rss, _ = run([CARO, "sync"], env("A"))
        join, join_rss, _ = run([CARO, "sync", "join"], env("B"), stdin=phrase + "\n")
        b_db = os.path.join(base, "B", "history.db")
        got = count(b_db, "SELECT count(*) FROM command_history WHERE deleted_at IS NULL")
        assert got == n, f"caro: B has {got} of {n}"
        ones, one_rss = [], 0.0
        for i in range(RUNS):
            entry = subprocess.run([CARO, "history", "add", "--command", f"echo one {i}"], env=env("A"),
                                   capture_output=True, text=True, check=True).stdout.strip()
            a, ra, _ = run([CARO, "sync"], env("A"))
            b, rb, _ = run([CARO, "sync"], env("B"))
            assert count(b_db, f"SELECT count(*) FROM command_history WHERE id = '{entry}'") == 1, \
                f"caro: entry {i} is not on B"
            ones.append(a + b)
            one_rss = max(one_rss, ra, rb)
        return push, join, max(push_rss, join_rss), ones, one_rss
    finally:
        stop(relay)

def bench_atuin(n):
    base = os.path.join(work, f"atuin.{n}")
    port = free_port()
    os.makedirs(os.path.join(base, "server"), exist_ok=True)
    with open(os.path.join(base, "server", "server.toml"), "w") as f:
        f.write(f'host = "127.0.0.1"\nport = {port}\nopen_registration = true\n'
                f'db_uri = "sqlite://{base}/server/atuin.db"\n')
    server = subprocess.Popen([ATUIN_SERVER, "start"], env=dict(os.environ, ATUIN_CONFIG_DIR=os.path.join(base, "server")),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(server)
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                sys.exit("atuin-server did not start")
            time.sleep(0.1)

    def env(h):
        home = os.path.join(base, h)
        cfg = os.path.join(home, "config", "atuin")
        if not os.path.exists(cfg):
            os.makedirs(cfg)
            os.makedirs(os.path.join(home, "data"))
            with open(os.path.join(cfg, "config.toml"), "w") as f:
                f.write(f'update_check = false\nauto_sync = false\nsync_address = "http://127.0.0.1:{port}"\n')
        return dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                    XDG_DATA_HOME=os.path.join(home, "data"), ATUIN_SESSION="0190000000007000800000000000abcd")

    def atuin(h, *args, stdin=None):
        return subprocess.run([ATUIN, *args], env=env(h), input=stdin, capture_output=True, text=True, check=True).stdout

    try:
        atuin("A", "register", "-u", f"bench{n}", "-e", f"bench{n}@example.org", "-p", "password")
        subprocess.run([ATUIN, "import", "zsh"], env=dict(env("A"), HISTFILE=history_file(n)),
                       capture_output=True, check=True)
        push, push_rss, _ = run([ATUIN, "sync"], env("A"))
        key = atuin("A", "key").strip()
        t = time.perf_counter()
        atuin("B", "login", "-u", f"bench{n}", "-p", "password", "-k", key)
        login = time.perf_counter() - t
        pull, pull_rss, _ = run([ATUIN, "sync"], env("B"))
        b_db = os.path.join(base, "B", ".atuin", "data", "history.db")
        got = count(b_db, "SELECT count(*) FROM history WHERE deleted_at IS NULL")
        assert got >= n, f"atuin: B has {got} of {n}"
        ones = []
        for i in range(RUNS):
            hid = atuin("A", "history", "start", "--", f"echo one {i}").strip()
            atuin("A", "history", "end", "--exit", "0", "--duration", "1000", hid)
            a, _, _ = run([ATUIN, "sync"], env("A"))
            b, _, _ = run([ATUIN, "sync"], env("B"))
            assert count(b_db, f"SELECT count(*) FROM history WHERE id = '{hid}'") == 1, f"atuin: entry {i} is not on B"
            ones.append(a + b)
        return push, login + pull, max(push_rss, pull_rss), ones
    finally:
        stop(server)

ms = lambda s: f"{s * 1000:.0f} ms"
span = lambda xs: f"{ms(statistics.median(xs))} ({ms(min(xs))}–{ms(max(xs))})"
rows = []
try:
    for n in SIZES:
        c = bench_caro(n)
        a = bench_atuin(n) if have_atuin else None
        print(f"{n}: caro one-entry runs " + " ".join(ms(x) for x in c[3]) +
              ("; atuin " + " ".join(ms(x) for x in a[3]) if a else ""), file=sys.stderr)
        rows.append((n, c, a))
finally:
    for p in reversed(procs):
        stop(p)
    subprocess.run(["rm", "-rf", work])

against = (subprocess.run([ATUIN, "--version"], capture_output=True, text=True).stdout.strip() + " + atuin-server (SQLite)"
           if have_atuin else "Atuin (not installed: its columns are empty)")
print(f"\n### caro sync vs {against}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
print("| entries | one new entry: sync A + sync B, caro (median of %d, range) | Atuin | caro / Atuin | whole history A → fresh B, caro (A sync + B join) | Atuin (A sync + B login + sync) | peak RSS, caro + daemon (full / one-entry) | Atuin client |" % RUNS)
print("|---|---|---|---|---|---|---|---|")
for n, c, a in rows:
    push, join, rss, ones, one_rss = c
    ratio = f"{statistics.median(ones) / statistics.median(a[3]):.2f}" if a else "–"
    print(f"| {n:,} | {span(ones)} | {span(a[3]) if a else '–'} | {ratio} | {ms(push + join)} ({ms(push)} + {ms(join)}) | "
          f"{ms(a[0] + a[1]) + f' ({ms(a[0])} + {ms(a[1])})' if a else '–'} | {rss:.0f} / {one_rss:.0f} MB | {f'{a[2]:.0f} MB' if a else '–'} |")
PY
