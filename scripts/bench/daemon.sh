#!/usr/bin/env bash
# sync-daemon benchmark: prints a markdown table (see BENCHMARKS.md, section sync-daemon).
set -euo pipefail
cd "$(dirname "$0")/../../sync-daemon"
[ -f dist/bin/daemon.js ] || npx tsc -p tsconfig.build.json
node bench/daemon.mjs
