# shellcheck shell=bash disable=SC2034  # sourced: the variables it sets are the scripts'
# The pieces the daemon benchmarks share (bench/daemon_vs_rsyslog.sh,
# bench/redis_sink_vs_rsyslog.sh, bench/tls_vs_rsyslog.sh): sourced, not run.
#
# After sourcing: $here (bench/), $root, LC_ALL=C, and $tmp, a temp dir
# removed at exit (with the daemon of $daemon_pid stopped and every command
# of the array $cleanups run first).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
export LC_ALL=C

tmp=$(mktemp -d)
daemon_pid=
cleanups=()
cleanup() {
    if [[ -n $daemon_pid ]]; then kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" || true; fi
    local c
    for c in "${cleanups[@]}"; do eval "$c" || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# release_binary VAR TARGET PATH: unless $VAR is set, builds TARGET with the
# release preset and sets VAR to build/release/PATH.
release_binary() {
    if [[ -z ${!1:-} ]]; then
        (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release --target "$2" >/dev/null)
        printf -v "$1" '%s' "$root/build/release/$3"
    fi
}

# need_rsyslogd [PACKAGE...]: rsyslogd and the packages of its modules, installed as root when missing.
need_rsyslogd() {
    local p missing=()
    for p in rsyslog "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [[ ${#missing[@]} -eq 0 ]] && return
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y "${missing[@]}" >/dev/null # the package's own service is not started here
    else
        echo "$(basename "$0"): missing packages: ${missing[*]} (apt-get install them)" >&2
        exit 2
    fi
}

# make_parts LINES [PATTERN]: the corpus (coropipe-genlog --seed 11 LINES, $GENLOG)
# cut at line boundaries into 4 parts ($parts), the sorted lines that contain
# PATTERN (default ERROR) in $tmp/expected.sorted; sets expect_lines,
# expect_bytes, corpus_bytes. The page cache is warmed.
make_parts() {
    echo "generating $1 lines..." >&2
    "$GENLOG" --seed 11 "$1" > "$tmp/corpus.log"
    (cd "$tmp" && split -n l/4 -d corpus.log part.)
    parts=("$tmp"/part.0[0-3])
    grep -F -- "${2:-ERROR}" "$tmp/corpus.log" | sort > "$tmp/expected.sorted"
    expect_lines=$(wc -l < "$tmp/expected.sorted")
    expect_bytes=$(stat -c %s "$tmp/expected.sorted")
    corpus_bytes=$(stat -c %s "$tmp/corpus.log")
    rm "$tmp/corpus.log"
    cat "${parts[@]}" > /dev/null
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_coropiped CONFIG SOURCE ERRFILE: starts $COROPIPED in the background
# ($daemon_pid) and waits until it is ready and its tcp source SOURCE listens
# (on port 0: the port it got is set in $port).
start_coropiped() {
    "$COROPIPED" "$1" 2> "$3" &
    daemon_pid=$!
    until grep -q "ready:" "$3" && grep -q "source $2: listening on tcp" "$3"; do
        kill -0 "$daemon_pid" || { cat "$3" >&2; exit 1; }
        sleep 0.05
    done
    port=$(sed -n "s/.*source $2: listening on tcp 127\\.0\\.0\\.1:\\([0-9]*\\).*/\\1/p" "$3")
}

clk_tck=$(getconf CLK_TCK)

# stop_daemon NAME ERRFILE: reads the peak RSS (KiB, VmHWM) and CPU seconds of
# $daemon_pid into $rss and $cpu, then stops it with SIGTERM.
stop_daemon() {
    rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon_pid/status")
    cpu=$(awk -v t="$clk_tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$daemon_pid/stat")
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || { echo "$1 exited with $?" >&2; cat "$2" >&2; }
    daemon_pid=
}

json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# median COLUMN FILE: the median of a column of numbers.
median() { sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ a[NR] = $c } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# met VALUE OP BAR: "yes" when VALUE OP BAR (OP: >= or <=), else "**no**".
met() { awk -v v="$1" -v b="$3" -v op="$2" 'BEGIN { print ((op == ">=" ? v + 0 >= b + 0 : v + 0 <= b + 0) ? "yes" : "**no**") }'; }

# measure NAME REP OUT EXPECT DUMP [SENDER_OPTION...]: one timed run against
# the daemon $daemon_pid listening on $port: bench/tcp_sender.py sends $parts
# and waits until OUT (a file, or a Redis target) holds EXPECT (bytes, or
# lines); then the daemon is stopped (stop_daemon), the command DUMP writes
# what it wrote (its lines), and that, sorted, must equal
# $tmp/expected.sorted. Appends "wall rss_kb cpu_s lines lost same" to
# $tmp/NAME.runs.
measure() {
    local name=$1 rep=$2 out=$3 expect=$4 dump=$5
    shift 5
    local result wall got same
    result=$(python3 "$here/tcp_sender.py" "$@" send "$port" "$out" "$expect" "${parts[@]}")
    stop_daemon "$name" "$tmp/$name.err"
    wall=$(json_field "$result" wall)
    eval "$dump" | sort > "$tmp/got.sorted"
    got=$(wc -l < "$tmp/got.sorted")
    cmp -s "$tmp/got.sorted" "$tmp/expected.sorted" && same=yes || same=no
    echo "  $name run $rep: $result rss ${rss} KB cpu ${cpu} s lines $got same $same" >&2
    echo "$wall $rss $cpu $got $((expect_lines - got)) $same" >> "$tmp/$name.runs"
    rm -f "$tmp/got.sorted"
}

# summarize LINES NAME...: the medians of each NAME's runs as a markdown
# table; sets the arrays lps (M input lines/s) and rss_mb for the ratios.
declare -A lps rss_mb
summarize() {
    local n=$1 name wall cpu_s lost same
    shift
    echo "per run (wall s, in the order run): $(for name in "$@"; do printf '%s %s; ' "$name" "$(awk '{ printf "%s ", $1 }' "$tmp/$name.runs")"; done)"
    echo
    echo '| daemon | wall s | M lines/s (input) | peak RSS MB | CPU s | lines lost (worst run) | output = grep ERROR lines (sorted) |'
    echo '|---|---:|---:|---:|---:|---:|---|'
    for name in "$@"; do
        wall=$(median 1 "$tmp/$name.runs")
        rss_mb[$name]=$(awk -v k="$(median 2 "$tmp/$name.runs")" 'BEGIN { printf "%.1f", k / 1024 }')
        cpu_s=$(median 3 "$tmp/$name.runs")
        lost=$(awk '{ print $5 }' "$tmp/$name.runs" | sort -g | tail -1)
        same=$(awk '$6 != "yes" { bad = 1 } END { print bad ? "**no**" : "yes" }' "$tmp/$name.runs")
        lps[$name]=$(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.3f", n / w / 1e6 }')
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$wall" "${lps[$name]}" "${rss_mb[$name]}" "$cpu_s" "$lost" "$same"
    done
}

# bars BAR NAME REF...: the ratios of NAME to each REF, lines/s (bar ≥ BAR×)
# and peak memory (bar ≤ 1×), as a markdown table.
bars() {
    local bar=$1 name=$2 ref t m
    shift 2
    echo "| $name against | lines/s ratio (bar ≥ ${bar}×) | met? | peak RSS ratio (bar ≤ 1×) | met? |"
    echo '|---|---:|---|---:|---|'
    for ref in "$@"; do
        t=$(ratio "${lps[$name]}" "${lps[$ref]}")
        m=$(ratio "${rss_mb[$name]}" "${rss_mb[$ref]}")
        echo "| $ref | ${t}× | $(met "$t" ">=" "$bar") | ${m}× | $(met "$m" "<=" 1) |"
    done
}

# coropiped_config FILE [SOURCE_TLS]: coropiped's config for these
# benchmarks, a tcp source `app` on 127.0.0.1, port 0, newline framing ->
# `grep ERROR` -> the sink `out`, whose keys are read from standard input.
# SOURCE_TLS, when given, is the body of [source.app.tls].
coropiped_config() {
    {
        printf '[source.app]\ntype = "tcp"\nlisten = "127.0.0.1:0"\nframing = "newline"\n\n'
        [[ -n ${2:-} ]] && printf '[source.app.tls]\n%s\n\n' "$2"
        printf '[pipeline.errors]\nfrom = ["app"]\nrun = "grep ERROR"\nto = ["out"]\n\n[sink.out]\n'
        cat
    } > "$1"
}

# rsyslog_config FILE NAME INPUT ACTION [GLOBAL]: rsyslogd's config for the
# same job: INPUT (the module and input lines, listening on $port), the
# filter `:msg, contains, "ERROR"` and ACTION (an action(...)); the
# template `raw` is the line as received ("%rawmsg%", "\n" added when
# ACTION writes a file); maxMessageSize 64k (lines of up to ~20 KB),
# control characters kept (rsyslog would write a tab as #011), GLOBAL added
# to global(). A NAME ending in _direct adds main_queue(queue.type="Direct")
# (no queue: the input threads filter and write).
rsyslog_config() {
    mkdir -p "$tmp/rsyslog-work"
    local nl=
    [[ $4 == *omfile* ]] && nl='\n'
    cat > "$1" <<CONF
global(workDirectory="$tmp/rsyslog-work" maxMessageSize="64k"
       parser.escapeControlCharactersOnReceive="off" ${5:-})
$3
template(name="raw" type="string" string="%rawmsg%$nl")
$([[ $2 == *_direct ]] && echo 'main_queue(queue.type="Direct")')
:msg, contains, "ERROR" $4
CONF
}

# start_rsyslogd NAME CONFIG: rsyslogd -n in the background ($daemon_pid).
start_rsyslogd() {
    rsyslogd -n -f "$2" -i "$tmp/rsyslog.pid" 2> "$tmp/$1.err" &
    daemon_pid=$!
}

# daemon_binaries: $COROPIPED and $GENLOG (release_binary).
daemon_binaries() {
    release_binary COROPIPED coropiped pipelines/coropiped
    release_binary GENLOG coropipe_genlog pipelines/coropipe-genlog
}

# rounds REPS NAME...: REPS rounds, each running run_one NAME ROUND for every
# NAME in turn (interleaved: a change of the machine's load falls on all).
rounds() {
    local reps=$1 i name
    shift
    for ((i = 1; i <= reps; i++)); do
        for name in "$@"; do run_one "$name" "$i"; done
    done
}
