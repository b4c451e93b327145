#!/usr/bin/env bash
# The Asio runtime's benchmarks (docs/BENCHMARKS.md, "Asio runtime"): builds
# them with the release preset, prints the machine, then
#
# 1. bench_asio_memory: memory per waiting pipeline (100,000 on channels,
#    9,000 on unix socketpairs) against a thread per pipeline (1,000);
# 2. bench_memory_bench's std::thread rows, from the same run, for reference;
# 3. bench_asio_throughput: loopback TCP → grep → file with 1 and 100
#    senders, against the synchronous library and the `coropipe` CLI on the
#    same corpus (coropipe-genlog --seed 11 LINES, written to a temp dir
#    that is removed at exit).
#
# usage: bash bench/asio_run.sh [LINES [REPS [build-dir]]]
#   LINES: corpus size, default 2000000 (about 220 MB); REPS: default 3;
#   build-dir: default build/release (the release preset).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
lines=${1:-2000000}
reps=${2:-3}
build=${3:-build/release}
genlog=$build/pipelines/coropipe-genlog
targets=(bench_asio_memory bench_asio_throughput bench_memory_bench coropipe_cli coropipe_genlog)

if [[ $build == build/release ]]; then
    cmake --preset release >/dev/null
    cmake --build --preset release --target "${targets[@]}" >/dev/null
else
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target "${targets[@]}" >/dev/null
fi

echo "date:  $(date -u +%Y-%m-%dT%H:%MZ)"
echo "nproc: $(nproc)"
echo "cpu:   $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "load:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fds:   $(ulimit -Hn) (hard limit)"
echo

echo "### Memory per waiting pipeline, and a thread per pipeline"
echo
"$build"/bench/bench_asio_memory
echo
echo "### std::threads blocked on a latch (bench_memory_bench, same run)"
echo
"$build"/bench/bench_memory_bench 100000 1000 | sed -n '1,2p;/std::thread/p'
echo

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$genlog" --seed 11 "$lines" > "$tmp/corpus.log"
cat "$tmp/corpus.log" > /dev/null # warm the page cache
cat "$tmp/corpus.log" > /dev/null

# The CLI: median wall time of REPS runs, output to a file like the others.
times=()
for ((i = 0; i < reps; i++)); do
    start=$EPOCHREALTIME
    LC_ALL=C "$build"/pipelines/coropipe 'grep ERROR' "$tmp/corpus.log" > "$tmp/cli.out"
    end=$EPOCHREALTIME
    times+=("$(awk "BEGIN { print $end - $start }")")
done
cli=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((reps + 1) / 2))p")

echo "### Loopback TCP → grep → file (load: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
"$build"/bench/bench_asio_throughput "$tmp/corpus.log" "$tmp" "$reps" "$cli"
cmp -s "$tmp/cli.out" "$tmp/sync.out" && echo "(the CLI's output is the library's, byte for byte)" ||
    echo "(WARNING: the CLI's output differs from the library's)"
