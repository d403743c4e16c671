#!/usr/bin/env bash
# The scaling runs of issue 19: the thread rows of `benches/peers.rs`
# (20,000 jobs in flight, and the sequential round trip) with the whole
# process pinned to 1 and to 2 cores (`taskset`), and every pool (ours,
# rayon's, tokio's blocking cap, the threadpool crate's) at 1, 2 and 10
# threads. Each run writes target/bench-peers/peers-MODE-cpusC-threadsN.json;
# benches/plot_scaling.py draws them and prints the table.
#
#   benches/scaling.sh            quick mode (about 3 s a row, ~2 minutes)
#   benches/scaling.sh --full     the figures for the docs (25 s a row)
#
# Run it on a quiet machine: the rows measure threads waiting for cores.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
[[ "${1:-}" == "--full" ]] && mode=(--full)
command -v taskset >/dev/null || { echo "scaling.sh: taskset (util-linux) is needed" >&2; exit 2; }
cores=$(nproc --all)
# Build once, unpinned; the runs below only execute.
cargo bench --locked --bench peers --no-run
for cpus in 0 0,1; do
    if [[ "$cpus" == "0,1" && "$cores" -lt 2 ]]; then
        echo "scaling.sh: one core only, skipping the 2-core runs" >&2
        continue
    fi
    for threads in 1 2 10; do
        echo "== cores $cpus, $threads threads"
        taskset -c "$cpus" cargo bench --locked --bench peers -- "${mode[@]}" \
            in_flight sequential --threads "$threads"
    done
done
echo "== plot: target/venv-bench/bin/python benches/plot_scaling.py ${mode[*]:+--mode full}"
