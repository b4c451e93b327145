#!/usr/bin/env bash
# coropiped's redis-stream source against Redis's own ceiling (issue 15),
# one run each, on one redis-server (no persistence) started here.
#
# usage: bench/redis_source_vs_bare.sh [LINES]
#   LINES: corpus size, default 5000000 (coropipe-genlog --seed 11).
#   BUILD=dir: where coropiped, coropipe-genlog and bench_bare_stream_reader
#   are (default build/release; the dev preset's RelWithDebInfo works too).
#
# The corpus is loaded into the stream `logs`, 64 lines per entry (a field
# `lines`), with `redis-cli --pipe`. Then, each on a consumer group of its
# own created from the stream's start:
#   bare: bench_bare_stream_reader (bench/bare_stream_reader.cpp): XREADGROUP
#     COUNT 1000 + XACK, counts the lines, nothing else: the ceiling; timed
#     as the daemons are (launch to the group's end, the same poller);
#   coropiped x1, x2: 1 or 2 daemons (consumers of one group), each
#     `grep -E "latency_ms=[0-9]{3,}"` (a regex) to a file sink, batch 1000,
#     timed from their start until the group has delivered every entry and
#     none is pending (XINFO GROUPS, polled every 10 ms on one connection by
#     bench/redis_lines.py group-done; a redis-cli + awk per poll, as before,
#     cost ~50 ms of CPU each: most of a core at one poll every 50 ms).
# Prints lines/s, the daemons' peak RSS (VmHWM), and duplicates (output lines
# beyond the expected `grep -cE` count).
set -euo pipefail

lines=${1:-5000000}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/release}
coropiped=$build/pipelines/coropiped
genlog=$build/pipelines/coropipe-genlog
bare=$build/bench/bench_bare_stream_reader
pattern='latency_ms=[0-9]{3,}'

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
redis-server --port "$port" --save "" --appendonly no --dir "$tmp" --daemonize yes --logfile "$tmp/redis.log"
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done

"$genlog" --seed 11 "$lines" > "$tmp/corpus"
expected=$(grep -cE "$pattern" "$tmp/corpus")
python3 - "$tmp/corpus" <<'PY' | redis-cli -p "$port" --pipe >/dev/null
import sys
out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
with open(sys.argv[1], "rb") as f:
    batch = []
    for line in f:
        batch.append(line)
        if len(batch) == 64:
            cmd(b"XADD", b"logs", b"*", b"lines", b"".join(batch)); batch = []
    if batch:
        cmd(b"XADD", b"logs", b"*", b"lines", b"".join(batch))
PY
entries=$(redis-cli -p "$port" XLEN logs)
echo "corpus: $lines lines in $entries entries; $expected lines match the regex"

# Timed as the daemons are: from its launch until the group has every entry
# acknowledged, seen by the same poller (its own clock, from its connection
# on, is printed too).
start=$(date +%s.%N)
"$bare" 127.0.0.1 "$port" logs bare 1000 > "$tmp/bare.out" &
bare_pid=$!
end=$(python3 "$root/bench/redis_lines.py" group-done "$port" logs bare "$entries")
wait "$bare_pid"
read -r bare_lines bare_entries bare_own_s < "$tmp/bare.out"
[ "$bare_lines" -eq "$lines" ] || { echo "bare reader read $bare_lines lines" >&2; exit 1; }
bare_s=$(python3 -c "print($end - $start)")
echo "bare reader: $bare_s s from its launch, $bare_own_s s by its own clock"

run_daemons() { # N: prints seconds, peak RSS (KiB, the largest), output lines
    local n=$1 group=g$1 pids=() start end rss=0 out=0
    for i in $(seq 1 "$n"); do
        cat > "$tmp/d$n-$i.toml" <<TOML
[daemon]
shutdown_timeout = "30s"
[source.bus]
type = "redis-stream"
address = "127.0.0.1:$port"
stream = "logs"
group = "$group"
consumer = "c$i"
[pipeline.slow]
from = ["bus"]
run = "grep -E \"$pattern\""
to = ["out"]
[sink.out]
type = "file"
path = "$tmp/out$n-$i"
TOML
    done
    start=$(date +%s.%N)
    for i in $(seq 1 "$n"); do
        "$coropiped" "$tmp/d$n-$i.toml" 2>"$tmp/d$n-$i.log" &
        pids+=($!)
    done
    end=$(python3 "$root/bench/redis_lines.py" group-done "$port" logs "$group" "$entries")
    for p in "${pids[@]}"; do
        r=$(awk '/VmHWM/ {print $2}' "/proc/$p/status")
        [ "$r" -gt "$rss" ] && rss=$r
        kill -TERM "$p"
    done
    wait "${pids[@]}" || true
    out=$(cat "$tmp"/out$n-* | wc -l)
    echo "$(python3 -c "print($end - $start)") $rss $out"
}

read -r s1 rss1 out1 < <(run_daemons 1)
read -r s2 rss2 out2 < <(run_daemons 2)

python3 - "$lines" "$bare_s" "$s1" "$rss1" "$out1" "$s2" "$rss2" "$out2" "$expected" <<'PY'
import sys
lines, bare, s1, rss1, out1, s2, rss2, out2, expected = sys.argv[1:]
lines = int(lines); bare = float(bare); expected = int(expected)
print("| reader | seconds | lines/s | / bare | peak RSS | duplicates |")
print("|---|---|---|---|---|---|")
print(f"| bare XREADGROUP + XACK | {bare:.2f} | {lines/bare/1e6:.2f} M | 1.00 | - | - |")
for name, s, rss, out in (("coropiped x1", s1, rss1, out1), ("coropiped x2", s2, rss2, out2)):
    s = float(s)
    print(f"| {name} | {s:.2f} | {lines/s/1e6:.2f} M | {bare/s:.2f} | {int(rss)//1024} MiB | {int(out) - expected} |")
PY
