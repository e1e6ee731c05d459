#!/usr/bin/env bash
# The two-device demo: a relay on a free loopback port, two caro homes A and
# B, `caro sync init` on A, `caro sync join` on B with A's phrase file, the same
# history on both, a command from B reaching A through the background agents
# that init and join leave running, and the relay's storage searched for a
# plaintext marker. Everything it starts is stopped on exit. Run through `make demo`, which builds everything first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ ! -f sync-daemon/dist/caro-sync-daemon.cjs ]; then
  echo "sync-daemon/dist is missing: run \`make demo\` (or \`make build\` first)" >&2
  exit 1
fi
CARO="$ROOT/target/release/caro"
[ -x "$CARO" ] || cargo build --quiet --release -p caro-cli
export CARO_SYNC_DAEMON="${CARO_SYNC_DAEMON:-node $ROOT/sync-daemon/dist/caro-sync-daemon.cjs}"
export CARO_SYNC_RELAY_BIN="${CARO_SYNC_RELAY_BIN:-node $ROOT/sync-daemon/dist/bin/relay.js}"
export CARO_SYNC_LOG_LEVEL="${CARO_SYNC_LOG_LEVEL:-warn}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/caro-demo.XXXXXX")
PIDS=()
cleanup() {
  for home in A B; do
    [ -d "$WORK/$home" ] && CARO_HOME="$WORK/$home" "$CARO" sync stop >/dev/null 2>&1 || true
  done
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then BOLD=$'\033[1m'; DIM=$'\033[2m'; OFF=$'\033[0m'; else BOLD=; DIM=; OFF=; fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$OFF"; }
say() { printf '%s%s%s\n' "$DIM" "$*" "$OFF"; }
A() { CARO_HOME="$WORK/A" "$CARO" "$@"; }
B() { CARO_HOME="$WORK/B" "$CARO" "$@"; }
# Waits up to $1 seconds for the command after it to succeed.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.1
  done
}
# id and command of every entry, sorted: what "the same history" means.
history_of() { "$1" history list --limit 1000000 --json | node -e '
  const rows = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const r of rows.map((e) => `${e.id} ${e.command}`).sort()) console.log(r);'; }

MARKER="demo-marker-$RANDOM$RANDOM"

step "0. A relay on a free loopback port (caro sync relay, data in $WORK/relay)"
mkdir -p "$WORK/relay"
"$CARO" sync relay --host 127.0.0.1 --port 0 --db "$WORK/relay/relay.sqlite" \
  >"$WORK/relay.out" 2>"$WORK/relay.err" &
PIDS+=($!)
wait_until 20 grep -q '^listening ' "$WORK/relay.out" || {
  cat "$WORK/relay.err" >&2
  exit 1
}
export CARO_SYNC_RELAY
CARO_SYNC_RELAY=$(sed -n 's/^listening //p' "$WORK/relay.out")
say "relay listening at ${CARO_SYNC_RELAY%%\?*} (its URL carries a token: ?token=...)"

step "1. Device A records a few commands"
A history add --command "git clone https://example.com/acme/shop.git" --exit-code 0 --duration-ms 2300 >/dev/null
A history add --command "cd shop && cargo build --release" --exit-code 0 --duration-ms 41000 >/dev/null
A history add --command "echo $MARKER > notes.txt" --exit-code 0 --duration-ms 3 >/dev/null
A history add --command "git push --force origin main" --exit-code 1 --duration-ms 900 >/dev/null
A history list

step "2. A sets up sync: a new account; its 24-word phrase goes to a private file"
say "(on a terminal, caro sync init shows it once instead; into a pipe or a log it refuses)"
A sync init --device-name laptop-A --phrase-file "$WORK/phrase.txt"
ls -l "$WORK/phrase.txt"

step "3. Device B joins with the phrase file (without one, on a terminal, a hidden prompt)"
B sync join --device-name desktop-B --phrase-file "$WORK/phrase.txt"

step "4. B's history is A's history"
B history list
if diff <(history_of A) <(history_of B) >/dev/null; then
  say "identical on both devices: $(history_of B | wc -l) entries, same ids, same commands"
else
  echo "the histories differ:" >&2
  diff <(history_of A) <(history_of B) >&2
  exit 1
fi

step "5. Nothing more to run: a command recorded on B reaches A through the agents"
say "(init and join left a background sync agent on each device; \`caro sync stop\` stops one)"
B history add --command "kubectl rollout restart deployment/shop" --exit-code 0 >/dev/null
started=$(date +%s%N)
arrived() { A history search kubectl --json | grep -q '"kubectl rollout restart deployment/shop"'; }
wait_until 30 arrived
say "on A $(( ($(date +%s%N) - started) / 1000000 )) ms after B recorded it"
A history list --limit 2
say "A's agent log ($WORK/A/sync/agent.log):"
sed 's/^/    /' "$WORK/A/sync/agent.log"

step "6. The relay never saw a command in clear"
# How often the marker occurs in the files given (grep finding none is fine).
hits() { cat "$@" 2>/dev/null | grep -a -o -- "$MARKER" | wc -l || true; }
relay_hits=$(hits "$WORK"/relay/*)
daemon_hits=$(hits "$WORK"/A/sync-daemon/* "$WORK"/B/sync-daemon/*)
local_hits=$(hits "$WORK"/A/history.db*)
say "\"$MARKER\" in the relay's storage:          $relay_hits"
say "\"$MARKER\" in the daemons' stores:          $daemon_hits"
say "\"$MARKER\" in A's own history.db (control): $local_hits"
if [ "$relay_hits" -ne 0 ] || [ "$daemon_hits" -ne 0 ] || [ "$local_hits" -eq 0 ]; then
  echo "plaintext check failed" >&2
  exit 1
fi

step "7. Status and devices, as A sees them"
A sync status
A sync devices

step "Done: two devices in sync, end to end encrypted. Stopping the agents and the relay."
