#!/usr/bin/env bash
# `where` against the tools people use for the same job (issue 13):
#
# 1. On JSON lines (coropipe-genlog --format json): coropipe 'where .level ==
#    "ERROR"' against jq -c 'select(.level == "ERROR")', Miller
#    (mlr --ijsonl --ojsonl filter '$level == "ERROR"') and, as the floor of
#    any tool that must read every byte, grep -F '"level":"ERROR"'.
# 2. On the plain key=value corpus: coropipe 'where latency_ms > 500'
#    against the equivalent mawk program.
#
# usage: bench/where_vs_peers.sh [LINES [REPS]]
#   LINES: corpus size, default 1000000 (jq and mlr take about 10 s per
#   million lines); REPS: default 3.
#
# Builds build/release (the release preset), writes the corpora into a temp
# dir (removed at exit), warms the page cache, times each command REPS times
# (wall seconds from bash's EPOCHREALTIME, output into `cat > /dev/null`) and
# prints the medians and the ratios against coropipe as a markdown table.
# Outputs are checked: coropipe's lines must be grep -F's (JSON: the lines
# are the same bytes, `"level":"ERROR"` appears only in the level field in
# this corpus) and mawk's, byte for byte; jq and mlr re-format JSON, so
# their line counts must equal coropipe's.
set -euo pipefail

lines=${1:-1000000}
reps=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export LC_ALL=C

for tool in jq mlr mawk; do
    if ! command -v "$tool" >/dev/null; then
        if [[ $(id -u) -eq 0 ]]; then
            apt-get install -y jq miller mawk >/dev/null
        else
            echo "where_vs_peers.sh: $tool is missing (apt-get install jq miller mawk)" >&2
            exit 2
        fi
    fi
done
(cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target coropipe_cli coropipe_genlog >/dev/null)
coropipe=$root/build/release/pipelines/coropipe
genlog=$root/build/release/pipelines/coropipe-genlog

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$genlog" --seed 11 --format json "$lines" > "$tmp/json.log"
"$genlog" --seed 11 "$lines" > "$tmp/plain.log"
cat "$tmp/json.log" "$tmp/plain.log" > /dev/null

# time_median NAME COMMAND: median wall seconds of REPS runs, into $tmp/NAME.s
time_median() {
    local name=$1 cmd=$2 runs=()
    for ((i = 0; i < reps; i++)); do
        local t0=$EPOCHREALTIME
        bash -c "$cmd | cat > /dev/null"
        local t1=$EPOCHREALTIME
        runs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
    done
    printf '%s\n' "${runs[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' > "$tmp/$name.s"
}

json=$tmp/json.log
plain=$tmp/plain.log
declare -A cmd=(
    [coropipe_json]="$coropipe 'where .level == \"ERROR\"' $json"
    [jq]="jq -c 'select(.level == \"ERROR\")' $json"
    [mlr]="mlr --ijsonl --ojsonl filter '\$level == \"ERROR\"' $json"
    [grep_json]="grep -F '\"level\":\"ERROR\"' $json"
    [coropipe_kv]="$coropipe 'where latency_ms > 500' $plain"
    [mawk]="mawk '{ for (i = 1; i <= NF; i++) if (substr(\$i, 1, 11) == \"latency_ms=\") { if (substr(\$i, 12) + 0 > 500) print; break } }' $plain"
)

# The outputs, once, untimed.
for name in coropipe_json grep_json coropipe_kv mawk jq mlr; do
    bash -c "${cmd[$name]}" > "$tmp/$name.out" || true
done
check() { cmp -s "$tmp/$1.out" "$tmp/$2.out" && echo yes || echo '**no**'; }
same_count() { [[ $(wc -l < "$tmp/$1.out") == $(wc -l < "$tmp/$2.out") ]] && echo yes || echo '**no**'; }
declare -A same=(
    [coropipe_json]="$(check coropipe_json grep_json)" [grep_json]="(reference)"
    [jq]="$(same_count jq coropipe_json) (count)" [mlr]="$(same_count mlr coropipe_json) (count)"
    [coropipe_kv]="$(check coropipe_kv mawk)" [mawk]="(reference)"
)
for name in "${!cmd[@]}"; do
    echo "timing $name..." >&2
    time_median "$name" "${cmd[$name]}"
done
s() { cat "$tmp/$1.s"; }
ratio() { awk -v a="$(s "$1")" -v b="$(s "$2")" 'BEGIN { printf "%.3f", a / b }'; }

echo
echo "corpus: coropipe-genlog --seed 11 $lines lines, JSON $(stat -c %s "$json") bytes and plain $(stat -c %s "$plain") bytes;"
echo "$(wc -l < "$tmp/coropipe_json.out") ERROR lines, $(wc -l < "$tmp/coropipe_kv.out") lines with latency_ms > 500; median of $reps runs"
echo "$(jq --version), mlr $(mlr --version | awk '{ print $2 }'), $(grep --version | head -1), mawk $(mawk -W version 2>&1 | awk 'NR == 1 { print $2 }')"
echo
echo '| job | command | wall s | coropipe / this | output checked |'
echo '|---|---|---:|---:|---|'
for name in coropipe_json jq mlr grep_json; do
    echo "| JSON: level == ERROR | $name | $(s "$name") | $(ratio coropipe_json "$name")× | ${same[$name]} |"
done
for name in coropipe_kv mawk; do
    echo "| key=value: latency_ms > 500 | $name | $(s "$name") | $(ratio coropipe_kv "$name")× | ${same[$name]} |"
done
echo
echo "bars (issue 13): coropipe ≤ 0.05× jq: $(ratio coropipe_json jq)×; ≤ 2× grep -F: $(ratio coropipe_json grep_json)×; ≤ 0.2× mawk: $(ratio coropipe_kv mawk)×"
