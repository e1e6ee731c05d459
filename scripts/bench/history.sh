#!/usr/bin/env bash
# caro history benchmark: whole-process medians with 100,000 entries in the
# database, the way a shell hook or a person runs caro. Prints a markdown table.
#
#   scripts/bench/history.sh            # builds release first
#   CARO=/path/to/caro scripts/bench/history.sh
#
# Uses hyperfine when present (apt-get install hyperfine), else Python timing each run;
# peak RSS comes from GNU time (/usr/bin/time, package `time`).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -z ${CARO:-} ]]; then
    cargo build --release -p caro-cli --quiet
    CARO=$PWD/target/release/caro
fi
ENTRIES=${ENTRIES:-100000}
RUNS=${RUNS:-50}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A synthetic zsh extended history: everyday commands with varying arguments,
# one per 20 s, ending now.
gen_history() {
    awk -v n="$ENTRIES" -v now="$(date +%s)" 'BEGIN {
        srand(42)
        split("git status|git diff|git add -p|git commit -m \"wip %d\"|git push origin feature-%d|git checkout -b fix-%d|git log --oneline -n %d|cargo build|cargo test -p crate-%d|cargo run --release -- --port %d|npm run dev|npm install lodash@4.17.%d|docker ps|docker build -t app:%d .|docker compose up -d|docker logs -f web-%d|kubectl get pods -n team-%d|kubectl logs deploy/api-%d|ls -la|cd ~/projects/repo-%d|vim src/module_%d.rs|cat notes-%d.md|grep -rn TODO src/part%d|rg \"fn handler_%d\"|make test|make build-%d|python3 scripts/job_%d.py|pytest tests/test_%d.py -x|ssh deploy@host-%d.example.com|curl -s https://api.example.com/v1/items/%d|tail -f /var/log/app-%d.log|htop|terraform plan -var env=stage%d|go test ./pkg/%d/...|echo done-%d|rm -f build/out-%d.o|cp config.%d.toml config.toml|find . -name \"*.%d.tmp\"|du -sh dir%d|ping -c 3 10.0.0.%d", t, "|")
        nt = length(t)
        start = now - n * 20
        for (i = 0; i < n; i++) {
            cmd = sprintf(t[int(rand() * nt) + 1], int(rand() * 500))
            printf ": %d:%d;%s\n", start + i * 20, int(rand() * 3), cmd
        }
    }'
}
gen_history > "$work/zsh_history"

source scripts/lib/median.sh

# Import: three fresh homes, the median; the last one stays as the seed.
import_runs=()
for run in 1 2 3; do
    export CARO_HOME=$work/home$run
    t0=$(date +%s%N)
    "$CARO" history import zsh --file "$work/zsh_history" >/dev/null
    t1=$(date +%s%N)
    import_runs+=("$(( (t1 - t0) / 1000000 ))")
done
import_ms=$(printf '%s\n' "${import_runs[@]}" | sort -n | sed -n 2p)
count=$("$CARO" history stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')

add_ms=$(median_ms "$RUNS" "$CARO" history add --command "git commit -m 'bench'" --exit-code 0 \
    --duration-ms 12 --cwd /tmp --shell zsh)
search_ms=$(median_ms "$RUNS" "$CARO" history search docker logs)
list_ms=$(median_ms "$RUNS" "$CARO" history list --limit 20)

rss_kb=0
if [[ -x /usr/bin/time ]]; then
    for _ in 1 2 3 4 5; do
        kb=$(/usr/bin/time -f %M "$CARO" history add --command "echo rss" 2>&1 >/dev/null | tail -1)
        (( kb > rss_kb )) && rss_kb=$kb
    done
fi

echo "### caro history ($count entries; $(nproc) cores; $(date +%F))"
echo
echo "| operation | caro | target | Atuin 18.24 |"
echo "|---|---|---|---|"
echo "| \`history add\` (whole process, median) | ${add_ms} ms | ≤ 5 ms | 37 ms (\`history start\`), 78 ms with \`history end\` |"
echo "| \`history search docker logs\` (median) | ${search_ms} ms | ≤ 15 ms | 32 ms (\`search --limit 20\`) |"
echo "| \`history list --limit 20\` (median) | ${list_ms} ms | ≤ 15 ms | – |"
echo "| import 100,000-line zsh history | $(awk -v m="$import_ms" 'BEGIN{printf "%.2f", m/1000}') s | ≤ 1.5 s | 6.2 s |"
if (( rss_kb > 0 )); then
    echo "| \`history add\` peak RSS | $(awk -v k="$rss_kb" 'BEGIN{printf "%.1f", k/1024}') MB | ≤ 15 MB | – |"
fi
