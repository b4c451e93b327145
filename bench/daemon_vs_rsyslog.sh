#!/usr/bin/env bash
# coropiped (the log daemon) against rsyslog, Debian's package (issue 5):
# loopback TCP -> grep ERROR -> file, 4 sender connections.
#
# usage: bench/daemon_vs_rsyslog.sh [LINES [REPS]]
#   LINES: corpus size, default 5000000 (about 550 MB); REPS: default 3.
#   COROPIPED=path: use this coropiped binary instead of building
#   build/release/pipelines/coropiped (the release preset); GENLOG=path
#   likewise for coropipe-genlog, BARE_READER=path for bench_bare_reader.
#
# Writes a corpus with `coropipe-genlog --seed 11 LINES` into a temp dir (removed at
# exit), cuts it at line boundaries into 4 parts and, REPS times, runs each
# daemon in turn (coropiped, then rsyslogd) with its own config, listening on
# 127.0.0.1, filtering the lines that contain ERROR into a file:
#   coropiped: [source] tcp, framing = "newline"; run = "grep ERROR"; [sink] file
#   rsyslogd -n: imptcp (octet-counted framing off, as the lines start with a
#     digit), the property filter `:msg, contains, "ERROR"`, omfile with the
#     template "%rawmsg%\n" (the line as received), maxMessageSize 64k (the
#     corpus has lines of up to ~20 KB; coropiped's max_line is 64 KiB) and
#     control characters kept (rsyslog would write a tab as #011).
#     Everything else is rsyslog's default (main queue, one omfile).
#   rsyslog_direct: the same, with main_queue(queue.type="Direct") (no
#     queue: the input threads filter and write; rsyslog's fastest and
#     smallest setting for this job that we found), a second reference.
# bench/tcp_sender.py sends the 4 parts at once, one connection each, with
# sendfile(2), and times from the first byte until the output file holds every
# expected byte. Then the daemon's peak RSS (VmHWM) and CPU time are read from
# /proc and it is stopped with SIGTERM. Lines lost = expected ERROR lines -
# output lines; the sorted output must equal the sorted `grep ERROR` lines
# (order differs across connections). Prints medians as a markdown table.
#
# The floor: bench_bare_reader (bench/bare_reader.cpp), a C-style epoll
# reader that reads the same 4 connections and discards the bytes, timed the
# same way (it sets the output file's size when it has read everything).
# `coropiped / floor` is how close the daemon gets to the least any daemon
# must do here.
set -euo pipefail

lines=${1:-5000000}
reps=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export LC_ALL=C

if ! command -v rsyslogd >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y rsyslog >/dev/null # the package's own service is not started here
    else
        echo "daemon_vs_rsyslog.sh: rsyslogd is missing (apt-get install rsyslog)" >&2
        exit 2
    fi
fi
if [[ -z ${COROPIPED:-} ]]; then
    (cd "$root" && cmake --preset release >/dev/null &&
        cmake --build --preset release --target coropiped >/dev/null)
    COROPIPED=$root/build/release/pipelines/coropiped
fi
if [[ -z ${BARE_READER:-} ]]; then
    (cd "$root" && cmake --preset release >/dev/null &&
        cmake --build --preset release --target bench_bare_reader >/dev/null)
    BARE_READER=$root/build/release/bench/bench_bare_reader
fi
if [[ -z ${GENLOG:-} ]]; then
    (cd "$root" && cmake --preset release >/dev/null &&
        cmake --build --preset release --target coropipe_genlog >/dev/null)
    GENLOG=$root/build/release/pipelines/coropipe-genlog
fi

tmp=$(mktemp -d)
daemon_pid=
cleanup() {
    if [[ -n $daemon_pid ]]; then kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "generating $lines lines..." >&2
"$GENLOG" --seed 11 "$lines" > "$tmp/corpus.log"
(cd "$tmp" && split -n l/4 -d corpus.log part.)
parts=("$tmp"/part.0[0-3])
grep ERROR "$tmp/corpus.log" | sort > "$tmp/expected.sorted"
expect_lines=$(wc -l < "$tmp/expected.sorted")
expect_bytes=$(stat -c %s "$tmp/expected.sorted")
corpus_bytes=$(stat -c %s "$tmp/corpus.log")
rm "$tmp/corpus.log"
cat "${parts[@]}" > /dev/null # warm the page cache

# The sender alone, into a receiver that discards: it must be far faster
# than either daemon.
null_wall=$(python3 "$here/tcp_sender.py" null "${parts[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["wall"])')
echo "sender alone (4 connections into a discarding receiver): $null_wall s" >&2

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

write_configs() { # write_configs OUT_COROPIPED OUT_RSYSLOG RSYSLOG_PORT [MAIN_QUEUE_LINE]
    cat > "$tmp/coropiped.toml" <<EOF
[source.app]
type = "tcp"
listen = "127.0.0.1:0"
framing = "newline"

[pipeline.errors]
from = ["app"]
run = "grep ERROR"
to = ["out"]

[sink.out]
type = "file"
path = "$1"
EOF
    mkdir -p "$tmp/rsyslog-work"
    cat > "$tmp/rsyslog.conf" <<EOF
global(workDirectory="$tmp/rsyslog-work" maxMessageSize="64k"
       parser.escapeControlCharactersOnReceive="off")
module(load="imptcp")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imptcp" address="127.0.0.1" port="$3" supportOctetCountedFraming="off")
${4:-}
:msg, contains, "ERROR" action(type="omfile" file="$2" template="raw")
EOF
}

clk_tck=$(getconf CLK_TCK)

# run_one NAME REP: one run of a daemon; appends "wall rss_kb cpu_s lines lost same" to $tmp/NAME.runs
run_one() {
    local name=$1 rep=$2 out=$tmp/$1.out port
    rm -f "$out"
    if [[ $name == coropiped ]]; then
        write_configs "$out" /dev/null 1
        "$COROPIPED" "$tmp/coropiped.toml" 2> "$tmp/coropiped.err" &
        daemon_pid=$!
        until grep -q "ready:" "$tmp/coropiped.err" && grep -q "source app: listening on tcp" "$tmp/coropiped.err"; do
            kill -0 "$daemon_pid" || { cat "$tmp/coropiped.err" >&2; exit 1; }
            sleep 0.05
        done
        port=$(sed -n 's/.*source app: listening on tcp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/coropiped.err")
    elif [[ $name == floor ]]; then
        "$BARE_READER" "$corpus_bytes" "$out" "$expect_bytes" 2> "$tmp/floor.err" &
        daemon_pid=$!
        until grep -q "listening on" "$tmp/floor.err"; do
            kill -0 "$daemon_pid" || { cat "$tmp/floor.err" >&2; exit 1; }
            sleep 0.05
        done
        port=$(sed -n 's/listening on \([0-9]*\)/\1/p' "$tmp/floor.err")
    else
        port=$(free_port)
        write_configs /dev/null "$out" "$port" \
            "$([[ $name == rsyslog_direct ]] && echo 'main_queue(queue.type="Direct")')"
        rsyslogd -n -f "$tmp/rsyslog.conf" -i "$tmp/rsyslog.pid" 2> "$tmp/$name.err" &
        daemon_pid=$!
    fi
    local result
    result=$(python3 "$here/tcp_sender.py" send "$port" "$out" "$expect_bytes" "${parts[@]}")
    local rss cpu
    rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon_pid/status")
    cpu=$(awk -v t="$clk_tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$daemon_pid/stat")
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || { echo "$name exited with $?" >&2; cat "$tmp/$name.err" >&2; }
    daemon_pid=
    local wall got same
    wall=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall"])' "$result")
    if [[ $name == floor ]]; then # it writes no lines: only its size says it read everything
        got=$expect_lines
        [[ $(stat -c %s "$out") == "$expect_bytes" ]] && same=yes || same=no
    else
        got=$(wc -l < "$out")
        sort "$out" | cmp -s - "$tmp/expected.sorted" && same=yes || same=no
    fi
    echo "  $name run $rep: $result rss ${rss} KB cpu ${cpu} s lines $got same $same" >&2
    echo "$wall $rss $cpu $got $((expect_lines - got)) $same" >> "$tmp/$name.runs"
    rm -f "$out"
}

for ((i = 1; i <= reps; i++)); do
    run_one floor "$i"
    run_one coropiped "$i"
    run_one rsyslog "$i"
    run_one rsyslog_direct "$i"
done

# median COLUMN NAME
median() { sort -g -k"$1","$1" "$tmp/$2.runs" | awk -v c="$1" '{ a[NR] = $c } END { print a[int((NR + 1) / 2)] }'; }
declare -A wall rss cpu lost same lps tput mem
for name in floor coropiped rsyslog rsyslog_direct; do
    wall[$name]=$(median 1 "$name")
    rss[$name]=$(awk -v k="$(median 2 "$name")" 'BEGIN { printf "%.1f", k / 1024 }')
    cpu[$name]=$(median 3 "$name")
    lost[$name]=$(awk '{ print $5 }' "$tmp/$name.runs" | sort -g | tail -1) # the worst run
    same[$name]=$(awk '$6 != "yes" { bad = 1 } END { print bad ? "**no**" : "yes" }' "$tmp/$name.runs")
    lps[$name]=$(awk -v n="$lines" -v w="${wall[$name]}" 'BEGIN { printf "%.2f", n / w / 1e6 }')
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
met() { awk -v t="$1" -v r="$2" -v m="$3" 'BEGIN { print ((m == ">=" ? t + 0 >= 1.0 : t + 0 <= 1.0) ? "yes" : "**no**") }'; }

echo
echo "corpus: $lines lines ($corpus_bytes bytes) in 4 parts, $expect_lines ERROR lines ($expect_bytes bytes); median of $reps runs"
echo "sender alone: $null_wall s ($(awk -v n="$lines" -v w="$null_wall" 'BEGIN { printf "%.1f", n / w / 1e6 }') M lines/s)"
echo "rsyslogd $(rsyslogd -v | awk 'NR == 1 { print $2 }'); coropiped $COROPIPED"
echo
echo '| daemon | wall s | M lines/s | peak RSS MB | CPU s | lines lost (worst run) | output = grep ERROR (sorted) |'
echo '|---|---:|---:|---:|---:|---:|---|'
for name in floor coropiped rsyslog rsyslog_direct; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "${wall[$name]}" "${lps[$name]}" "${rss[$name]}" \
        "${cpu[$name]}" "${lost[$name]}" "${same[$name]}"
done
echo
echo "| bar | coropiped / rsyslog | met? | coropiped / rsyslog_direct | met? |"
echo "|---|---:|---|---:|---|"
for ref in rsyslog rsyslog_direct; do
    tput[$ref]=$(ratio "${lps[coropiped]}" "${lps[$ref]}")
    mem[$ref]=$(ratio "${rss[coropiped]}" "${rss[$ref]}")
done
echo "| throughput ≥ 1.0× | ${tput[rsyslog]}× | $(met "${tput[rsyslog]}" "" ">=") | ${tput[rsyslog_direct]}× | $(met "${tput[rsyslog_direct]}" "" ">=") |"
echo "| peak memory ≤ 1.0× | ${mem[rsyslog]}× | $(met "${mem[rsyslog]}" "" "<=") | ${mem[rsyslog_direct]}× | $(met "${mem[rsyslog_direct]}" "" "<=") |"
floor_ratio=$(ratio "${lps[coropiped]}" "${lps[floor]}")
echo "| throughput ≥ 0.7× the floor (bare reader) | coropiped / floor: ${floor_ratio}× | $(awk -v r="$floor_ratio" 'BEGIN { print (r + 0 >= 0.7 ? "yes" : "**no**") }') | | |"
echo "| lines lost = 0 | ${lost[coropiped]} | $([[ ${lost[coropiped]} == 0 ]] && echo yes || echo '**no**') | | |"
