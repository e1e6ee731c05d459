#!/usr/bin/env bash
# Relay capacity benchmark (one run, not a test): 200 simulated devices (100
# accounts x 2) on one relay, each pushing one entry a second for 60 s. Prints a
# markdown table (see BENCHMARKS.md, section relay capacity). Arguments go to the
# node script, e.g. `bash scripts/bench/relay.sh --devices 20 --seconds 10`.
set -euo pipefail
cd "$(dirname "$0")/../../sync-daemon"
[ -f dist/bin/relay.js ] || npm run build
node bench/relay.mjs "$@"
