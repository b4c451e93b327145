#!/usr/bin/env bash
# coropiped's redis-stream sink against rsyslog's omhiredis (issue 15):
# 4 loopback TCP senders -> grep ERROR -> Redis, each daemon in turn, interleaved.
#
# usage: bench/redis_sink_vs_rsyslog.sh [LINES [REPS]]
#   LINES: corpus size, default 5000000; REPS: default 3.
#   COROPIPED=path, GENLOG=path: binaries (default: built here with the release preset).
#
# One redis-server (7.0, Debian's; no persistence) on a free loopback port in
# the temp dir; the database is emptied (FLUSHALL) before each run. The corpus
# (`coropipe-genlog --seed 11 LINES`) is cut into 4 parts sent at once by
# bench/tcp_sender.py, one connection each, as in bench/daemon_vs_rsyslog.sh.
# The daemons (sources and filters as there: coropiped tcp + `grep ERROR`;
# rsyslogd -n imptcp + `:msg, contains, "ERROR"`, template "%rawmsg%"):
#   coropiped_1:  [sink] redis-stream, batch_lines = 1: one entry per line
#                 (field `line`), the shape rsyslog writes;
#   coropiped_64: the same with batch_lines = 64 (the default): 64 lines per
#                 entry (field `lines`);
#   rsyslog:      omhiredis mode="queue" (LPUSH of each message to a list,
#                 pipelined per batch), default main queue. Debian 12's
#                 rsyslog 8.2302 has no omhiredis "stream" mode (it came in a
#                 later release: mode="stream" is refused), so the list is its
#                 nearest job: one Redis write per kept line;
#   rsyslog_direct: the same with main_queue(queue.type="Direct").
# Timed from the first byte sent until Redis holds every kept line (XLEN,
# LLEN, or the lines of the entries, polled every 2 ms). Then the daemon's
# peak RSS (VmHWM) and CPU, and the check: every line read back from Redis,
# sorted, must equal the sorted `grep ERROR` lines of the corpus.
set -euo pipefail

lines=${1:-5000000}
reps=${2:-3}
# shellcheck source=bench/daemon_common.sh
source "$(dirname "$0")/daemon_common.sh"

need_rsyslogd rsyslog-hiredis
daemon_binaries

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" \
    --daemonize yes --logfile "$tmp/redis.log" --pidfile "$tmp/redis.pid"
cleanups+=("redis-cli -p $rport shutdown nosave >/dev/null 2>&1")
until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.05; done

make_parts "$lines"
null_wall=$(json_field "$(python3 "$here/tcp_sender.py" null "${parts[@]}")" wall)
echo "sender alone (4 connections into a discarding receiver): $null_wall s" >&2

names=(coropiped_1 coropiped_64 rsyslog rsyslog_direct)

# run_one NAME REP: one run (measure)
run_one() {
    local name=$1 rep=$2 target
    redis-cli -p "$rport" flushall >/dev/null
    if [[ $name == coropiped_* ]]; then
        local batch=${name#coropiped_}
        target=redis:$rport:$([[ $batch == 1 ]] && echo xlen || echo xlines):co
        coropiped_config "$tmp/coropiped.toml" <<EOF
type = "redis-stream"
address = "127.0.0.1:$rport"
stream = "co"
batch_lines = $batch
EOF
        start_coropiped "$tmp/coropiped.toml" app "$tmp/$name.err"
    else
        target=redis:$rport:llen:rs
        port=$(free_port)
        rsyslog_config "$tmp/rsyslog.conf" "$name" "module(load=\"imptcp\")
module(load=\"omhiredis\")
input(type=\"imptcp\" address=\"127.0.0.1\" port=\"$port\" supportOctetCountedFraming=\"off\")" \
            "action(type=\"omhiredis\" server=\"127.0.0.1\" serverport=\"$rport\" mode=\"queue\" key=\"rs\" template=\"raw\")"
        start_rsyslogd "$name" "$tmp/rsyslog.conf"
    fi
    measure "$name" "$rep" "$target" "$expect_lines" 'python3 "$here/redis_lines.py" dump "$target"'
}

rounds "$reps" "${names[@]}"

echo
echo "corpus: $lines lines ($corpus_bytes bytes) in 4 parts, $expect_lines ERROR lines kept; median of $reps runs, interleaved"
echo "sender alone: $null_wall s; rsyslogd $(rsyslogd -v | awk 'NR == 1 { print $2 }'); $(redis-server --version | awk '{ print $1, $3 }')"
summarize "$lines" "${names[@]}"
echo
bars 2 coropiped_1 rsyslog rsyslog_direct
echo
bars 2 coropiped_64 rsyslog rsyslog_direct
