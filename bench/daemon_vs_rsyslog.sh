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
# shellcheck source=bench/daemon_common.sh
source "$(dirname "$0")/daemon_common.sh"

need_rsyslogd
daemon_binaries
release_binary BARE_READER bench_bare_reader bench/bench_bare_reader

make_parts "$lines"

# The sender alone, into a receiver that discards: it must be far faster
# than either daemon.
null_wall=$(json_field "$(python3 "$here/tcp_sender.py" null "${parts[@]}")" wall)
echo "sender alone (4 connections into a discarding receiver): $null_wall s" >&2

# run_one NAME REP: one run of a daemon; appends "wall rss_kb cpu_s lines lost same" to $tmp/NAME.runs
run_one() {
    local name=$1 rep=$2 out=$tmp/$1.out port
    rm -f "$out"
    if [[ $name == coropiped ]]; then
        coropiped_config "$tmp/coropiped.toml" <<< "type = \"file\"
path = \"$out\""
        start_coropiped "$tmp/coropiped.toml" app "$tmp/coropiped.err"
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
        rsyslog_config "$tmp/rsyslog.conf" "$name" "module(load=\"imptcp\")
input(type=\"imptcp\" address=\"127.0.0.1\" port=\"$port\" supportOctetCountedFraming=\"off\")" \
            "action(type=\"omfile\" file=\"$out\" template=\"raw\")"
        start_rsyslogd "$name" "$tmp/rsyslog.conf"
    fi
    local result
    result=$(python3 "$here/tcp_sender.py" send "$port" "$out" "$expect_bytes" "${parts[@]}")
    local rss cpu
    stop_daemon "$name" "$tmp/$name.err"
    local wall got same
    wall=$(json_field "$result" wall)
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

rounds "$reps" floor coropiped rsyslog rsyslog_direct

declare -A wall rss cpu lost same lps tput mem
for name in floor coropiped rsyslog rsyslog_direct; do
    wall[$name]=$(median 1 "$tmp/$name.runs")
    rss[$name]=$(awk -v k="$(median 2 "$tmp/$name.runs")" 'BEGIN { printf "%.1f", k / 1024 }')
    cpu[$name]=$(median 3 "$tmp/$name.runs")
    lost[$name]=$(awk '{ print $5 }' "$tmp/$name.runs" | sort -g | tail -1) # the worst run
    same[$name]=$(awk '$6 != "yes" { bad = 1 } END { print bad ? "**no**" : "yes" }' "$tmp/$name.runs")
    lps[$name]=$(awk -v n="$lines" -v w="${wall[$name]}" 'BEGIN { printf "%.2f", n / w / 1e6 }')
done

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
echo "| throughput ≥ 1.0× | ${tput[rsyslog]}× | $(met "${tput[rsyslog]}" ">=" 1.0) | ${tput[rsyslog_direct]}× | $(met "${tput[rsyslog_direct]}" ">=" 1.0) |"
echo "| peak memory ≤ 1.0× | ${mem[rsyslog]}× | $(met "${mem[rsyslog]}" "<=" 1.0) | ${mem[rsyslog_direct]}× | $(met "${mem[rsyslog_direct]}" "<=" 1.0) |"
floor_ratio=$(ratio "${lps[coropiped]}" "${lps[floor]}")
echo "| throughput ≥ 0.7× the floor (bare reader) | coropiped / floor: ${floor_ratio}× | $(awk -v r="$floor_ratio" 'BEGIN { print (r + 0 >= 0.7 ? "yes" : "**no**") }') | | |"
echo "| lines lost = 0 | ${lost[coropiped]} | $([[ ${lost[coropiped]} == 0 ]] && echo yes || echo '**no**') | | |"
