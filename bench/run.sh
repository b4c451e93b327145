#!/usr/bin/env bash
# Builds the benchmarks with the release preset and runs them the way
# docs/BENCHMARKS.md reports them: the machine, then bench_core_bench
# (5 repetitions, aggregates; read the medians, CPU time), its summary with
# ratios (bench/summarize.py), and bench_memory_bench.
#
# Usage: bash bench/run.sh [build-dir]   (default: build/release, the release preset)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/release}
if [[ $build == build/release ]]; then
    cmake --preset release >/dev/null
else
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target bench_core_bench bench_memory_bench
echo "date:  $(date -u +%Y-%m-%dT%H:%MZ)"
echo "nproc: $(nproc)"
echo "cpu:   $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "load:  $(cut -d' ' -f1-3 /proc/loadavg)"
"$build"/bench/bench_core_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
    --benchmark_out="$build/core_bench.json" --benchmark_out_format=json
python3 bench/summarize.py "$build/core_bench.json"
echo
"$build"/bench/bench_memory_bench
