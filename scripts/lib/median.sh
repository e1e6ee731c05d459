# Sourced by the benchmarks: median_ms RUNS CMD... prints the median wall time
# of CMD as a whole process, in ms. hyperfine when present; else Python around
# each run (a `date` before and after, as a shell loop would take, adds two
# process starts to every run).
median_ms() {
    local runs=$1; shift
    if command -v hyperfine >/dev/null 2>&1; then
        local json
        json=$(mktemp)
        hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$json" \
            -- "$(printf '%q ' "$@")" >/dev/null
        python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$json"
        rm -f "$json"
    else
        python3 -c '
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - t)
print("%.1f" % (statistics.median(times) * 1000))' "$runs" "$@"
    fi
}
