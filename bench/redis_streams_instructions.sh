#!/usr/bin/env bash
# Client instructions per entry for each row of bench_redis_streams, counted
# by callgrind (deterministic, unlike time on a shared machine): each row runs
# alone for 1 and for 2 rounds; the difference is one round of it.
#
# Usage: bash bench/redis_streams_instructions.sh [build/release/bench/bench_redis_streams [entries]]
set -euo pipefail
program=${1:-build/release/bench/bench_redis_streams}
entries=${2:-20000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
count() { # row rounds -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$out" "$program" "$entries" "$2" "$1" >/dev/null 2>&1
    awk '/^summary:/ { print $2 }' "$out"
}
echo "| row | client instructions per entry |"
echo "|---|---:|"
for row in "64: hiredis blocking" "64: coropipe, 1 in flight" "64: coropipe, 4 in flight" \
           "1000: hiredis blocking" "1000: coropipe, 1 in flight" "1000: coropipe, 4 in flight" \
           "XACK: hiredis blocking" "XACK: coropipe, XACK awaited" "XACK: coropipe, XACK sent with the next XREADGROUP"; do
    one=$(count "$row" 1)
    two=$(count "$row" 2)
    echo "| $row | $(( (two - one) / entries )) |"
done
