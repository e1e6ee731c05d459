#!/usr/bin/env bash
# Search benchmark: the interactive search's launch -> first results drawn and
# keystroke -> redraw, measured in tmux the same way for caro and for Atuin
# (when installed), at 100,000 and 1,000,000 entries; and whole processes:
# `history search --cwd DIR --exit 0 QUERY` and `history add`. Prints a table.
#
#   scripts/bench/search.sh                 # builds release first
#   CARO=/path/to/caro ATUIN=/path/to/atuin SIZES="100000" RUNS=10 scripts/bench/search.sh
#
# How the terminal figures are taken: one tmux server per tool and size, 120x30,
# with a control-mode client (`tmux -C`) that starts the search with
# `respawn-pane` and then asks for `capture-pane` in a tight loop over the same
# connection (no process per poll), until the screen shows what was waited
# for. Launch: until a result row ("ago") is on screen. Keystroke: from the
# empty query, type `q` (no generated command has one) and wait until the one
# entry holding it, `echo qqmarker`, the oldest, is drawn; then Backspace and
# wait for it to go. Common letter (caro only: it waits for caro's match
# count): type `e`, which nearly every command holds, and wait until its
# count replaces the empty query's. The median of RUNS is shown.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -z ${CARO:-} ]]; then
    cargo build --release -p caro-cli --quiet
    CARO=$PWD/target/release/caro
fi
ATUIN=${ATUIN:-/opt/atuin/bin/atuin}
SIZES=${SIZES:-100000 1000000}
RUNS=${RUNS:-15}
command -v tmux >/dev/null || { echo "search.sh needs tmux" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
    for sock in "$work"/sock-*; do
        [[ -e $sock ]] && tmux -S "$sock" kill-server 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# The history: the marker first (oldest), then everyday commands with varying
# arguments (as history.sh), one per 20 s, ending now.
gen_history() {
    local n=$1
    awk -v n="$n" -v now="$(date +%s)" 'BEGIN {
        srand(42)
        split("git status|git diff|git add -p|git commit -m \"wip %d\"|git push origin feature-%d|git checkout -b fix-%d|git log --oneline -n %d|cargo build|cargo test -p crate-%d|cargo run --release -- --port %d|npm run dev|npm install lodash@4.17.%d|docker ps|docker build -t app:%d .|docker compose up -d|docker logs -f web-%d|kubectl get pods -n team-%d|kubectl logs deploy/api-%d|ls -la|cd ~/projects/repo-%d|vim src/module_%d.rs|cat notes-%d.md|grep -rn TODO src/part%d|rg \"fn handler_%d\"|make test|make build-%d|python3 scripts/job_%d.py|pytest tests/test_%d.py -x|ssh deploy@host-%d.example.com|curl -s https://api.example.com/v1/items/%d|tail -f /var/log/app-%d.log|htop|terraform plan -var env=stage%d|go test ./pkg/%d/...|echo done-%d|rm -f build/out-%d.o|cp config.%d.toml config.toml|find . -name \"*.%d.tmp\"|du -sh dir%d|ping -c 3 10.0.0.%d", t, "|")
        nt = length(t)
        start = now - n * 20
        printf ": %d:0;echo qqmarker\n", start - 20
        for (i = 0; i < n - 1; i++) {
            cmd = sprintf(t[int(rand() * nt) + 1], int(rand() * 5000))
            printf ": %d:%d;%s\n", start + i * 20, int(rand() * 3), cmd
        }
    }'
}

# tui_ms SOCKET COMMAND : "launch_ms key_ms cpu_ms common_ms" for one
# interactive search: the medians, the CPU time the search process spent per
# search (typing `q` and Backspace each start one), which a busy machine does
# not inflate, and the common-letter keystroke ("-" without a match count).
tui_ms() {
    python3 - "$1" "$2" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, time

sock, command, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "30", "sleep 100000"], check=True)
subprocess.run(["tmux", "-S", sock, "set", "-g", "window-size", "manual"], check=True)
subprocess.run(["tmux", "-S", sock, "set", "-g", "remain-on-exit", "on"], check=True)
ctl = subprocess.Popen(["tmux", "-S", sock, "-C", "attach", "-t", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

def read_line():
    line = ctl.stdout.readline()
    if not line:
        raise SystemExit("tmux control client ended: %s" % ctl.wait())
    return line.decode("utf-8", "replace")

def cmd(text):
    ctl.stdin.write((text + "\n").encode())
    ctl.stdin.flush()
    out, inside = [], False
    while True:
        line = read_line()
        if line.startswith("%begin"):
            inside = True
        elif line.startswith("%end") or line.startswith("%error"):
            if inside:
                return "".join(out)
        elif inside:
            out.append(line)

def wait(ready, limit=60.0):
    start = time.monotonic()
    while True:
        screen = cmd("capture-pane -p -t 0")
        if ready(screen):
            return
        if time.monotonic() - start > limit:
            raise SystemExit("timed out; screen:\n" + screen)

# Attaching answers first, with a block of its own.
while not read_line().startswith("%end"):
    pass
# The pane's output is not needed here: only the screen, through capture-pane.
cmd("refresh-client -f no-output")
row = lambda s: " ago" in s or "just now" in s
launches, keys = [], []
for _ in range(max(3, runs // 3)):
    t0 = time.monotonic()
    cmd("respawn-pane -k -t 0 " + "'" + command.replace("'", "'\\''") + "'")
    wait(row)
    launches.append((time.monotonic() - t0) * 1000)
    time.sleep(0.3)
    cmd("send-keys -t 0 Escape")
    wait(lambda s: not row(s))
cmd("respawn-pane -k -t 0 " + "'" + command.replace("'", "'\\''") + "'")
wait(row)
# Let the whole history load before typing (caro says "loading" until then).
wait(lambda s: "loading" not in s, limit=300)
time.sleep(2)
def cpu_ms():
    # utime + stime of the pane's process (the search: `env` execs it).
    pid = cmd("display -p -t 0 '#{pane_pid}'").strip()
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")

cpu0 = cpu_ms()
for _ in range(runs):
    t0 = time.monotonic()
    cmd("send-keys -t 0 -l q")
    wait(lambda s: "qqmarker" in s)
    keys.append((time.monotonic() - t0) * 1000)
    cmd("send-keys -t 0 BSpace")
    wait(lambda s: "qqmarker" not in s and row(s))
cpu = (cpu_ms() - cpu0) / (2 * runs)
import re
def count(s):
    m = re.search(r"([\d,]+) matches", s)
    return m and m.group(1)
everything = count(cmd("capture-pane -p -t 0"))
common = []
if everything:
    for _ in range(runs):
        t0 = time.monotonic()
        cmd("send-keys -t 0 -l e")
        wait(lambda s: "> e" in s and count(s) not in (None, everything))
        common.append((time.monotonic() - t0) * 1000)
        cmd("send-keys -t 0 BSpace")
        wait(lambda s: "> e" not in s and count(s) == everything)
cmd("send-keys -t 0 Escape")
ctl.stdin.close()
print("%.1f %.1f %.1f %s" % (statistics.median(launches), statistics.median(keys), cpu,
                             "%.1f" % statistics.median(common) if common else "-"))
PY
    tmux -S "$1" kill-server 2>/dev/null || true
}

# median_ms RUNS CMD...: a whole process's median wall time (scripts/lib).
source scripts/lib/median.sh

have_atuin=0
[[ -x $ATUIN ]] && have_atuin=1

rows=()
for n in $SIZES; do
    gen_history "$n" > "$work/zsh_history.$n"
    if grep -v qqmarker "$work/zsh_history.$n" | grep -q q; then
        echo "the generated history must hold no other 'q'" >&2; exit 1
    fi
    export CARO_HOME=$work/caro.$n
    "$CARO" history import zsh --file "$work/zsh_history.$n" >/dev/null
    # Imports have no directory or exit status: give them some, as the hooks would.
    sqlite3 "$CARO_HOME/history.db" "UPDATE command_history SET
        working_dir = '/home/me/projects/repo-' || (rowid % 40),
        exit_code = CASE WHEN rowid % 9 = 0 THEN 1 ELSE 0 END,
        execution_time_ms = (rowid * 37) % 5000;"
    read -r c_launch c_key c_cpu c_common < <(tui_ms "$work/sock-caro-$n" \
        "env CARO_HOME=$CARO_HOME $CARO history search --interactive")
    a_launch=- a_key=- a_cpu=-
    if [[ $have_atuin == 1 ]]; then
        ahome=$work/atuin.$n
        mkdir -p "$ahome/config/atuin" "$ahome/data"
        printf 'update_check = false\nauto_sync = false\n' > "$ahome/config/atuin/config.toml"
        # Atuin refuses to start without a session id (its shell hook sets one).
        aenv="HOME=$ahome XDG_CONFIG_HOME=$ahome/config XDG_DATA_HOME=$ahome/data ATUIN_SESSION=0190000000007000800000000000abcd"
        env $aenv HISTFILE="$work/zsh_history.$n" "$ATUIN" import zsh >/dev/null 2>&1
        read -r a_launch a_key a_cpu _ < <(tui_ms "$work/sock-atuin-$n" "env $aenv $ATUIN search --interactive")
    fi
    cwd_ms=$(median_ms 50 "$CARO" history search --cwd /home/me/projects/repo-7 --exit 0 docker logs)
    rows+=("| $n | $c_launch ms | $a_launch ms | $c_key ms | $a_key ms | $c_common ms | $c_cpu ms | $a_cpu ms | $cwd_ms ms |")
done
export CARO_HOME=$work/caro.${SIZES%% *}
add_ms=$(median_ms "${RUNS_PROC:-200}" "$CARO" history add --command "git commit -m 'bench'" --exit-code 0 \
    --duration-ms 12 --cwd /tmp --shell zsh)

atuin_version=$([[ $have_atuin == 1 ]] && "$ATUIN" --version | head -1 || echo "Atuin: not installed")
echo "### caro history search ($(nproc) cores; $(date +%F); $atuin_version)"
echo
echo "| entries | launch → first results, caro | Atuin | keystroke → redraw, caro | Atuin | common letter, caro | CPU per search, caro | Atuin | \`search --cwd D --exit 0 docker logs\` (process) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "\`history add\` (whole process, median of ${RUNS_PROC:-200}, ${SIZES%% *} entries): $add_ms ms"
