#!/usr/bin/env bash
# sync-daemon benchmark: prints a markdown table (see BENCHMARKS.md, section sync-daemon).
set -euo pipefail
cd "$(dirname "$0")/../../sync-daemon"
[ -f dist/caro-sync-daemon.cjs ] || npm run build
node bench/daemon.mjs
