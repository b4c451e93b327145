#!/usr/bin/env bash
# Grouped aggregates against the tools people use for them (issue 14):
# 1. coropipe 'count by $2' against mawk's array count piped into sort
#    (the same bytes: checked with cmp);
# 2. coropipe 'p99 latency_ms by host' on the logfmt corpus against
#    Miller's stats1 -a p99 -g host (timed; coropipe's values are checked
#    within 1% of the exact ones computed here with sort and awk).
#
# usage: bench/aggregate_vs_peers.sh [LINES [REPS]]
#   LINES default 1000000, REPS default 3. COROPIPE and GENLOG name the
#   binaries (default: build/release, built here with the release preset).
# Prints the medians of REPS runs (wall seconds, bash's EPOCHREALTIME) and
# the ratios as a markdown table.
set -euo pipefail

lines=${1:-1000000}
reps=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
export LC_ALL=C
if [[ -z "${COROPIPE:-}" ]]; then
    (cd "$root" && cmake --preset release >/dev/null &&
        cmake --build --preset release --target coropipe_cli coropipe_genlog >/dev/null)
fi
coropipe=${COROPIPE:-$root/build/release/pipelines/coropipe}
genlog=${GENLOG:-$root/build/release/pipelines/coropipe-genlog}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$genlog" --seed 11 "$lines" > "$tmp/plain.log"
"$genlog" --seed 11 --format logfmt "$lines" > "$tmp/kv.log"
cat "$tmp/plain.log" "$tmp/kv.log" > /dev/null

time_median() {
    local name=$1 cmd=$2 runs=()
    for ((i = 0; i < reps; i++)); do
        local t0=$EPOCHREALTIME
        bash -c "$cmd > /dev/null"
        local t1=$EPOCHREALTIME
        runs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
    done
    printf '%s\n' "${runs[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' > "$tmp/$name.s"
}

declare -A cmd=(
    [coropipe_count]="$coropipe 'count by \$2' $tmp/plain.log"
    [mawk_sort]="mawk '{c[\$2]++} END {for (k in c) print k \"\t\" c[k]}' $tmp/plain.log | sort -t'	' -k2,2nr -k1,1"
    [coropipe_p99]="$coropipe 'p99 latency_ms by host' $tmp/kv.log"
    [mlr_p99]="mlr --idkvp --ifs ' ' --ips '=' --otsv --headerless-csv-output stats1 -a p99 -f latency_ms -g host $tmp/kv.log"
)
for name in "${!cmd[@]}"; do
    bash -c "${cmd[$name]}" > "$tmp/$name.out"
done
same_count=$(cmp -s "$tmp/coropipe_count.out" "$tmp/mawk_sort.out" && echo yes || echo '**no**')
# The exact p99 per host (the value of rank floor(0.99 * (n - 1)), 0-based,
# the definition coropipe documents) by sort and awk; coropipe's must be
# within 1% of it. (mlr's p99 takes another rank, so it is timed, not compared.)
mawk '{ h = ""; v = ""; for (i = 1; i <= NF; i++) { if (substr($i, 1, 5) == "host=") h = substr($i, 6);
        else if (substr($i, 1, 11) == "latency_ms=") v = substr($i, 12) } if (h != "" && v != "") print h "\t" v }' \
    "$tmp/kv.log" | sort -t'	' -k1,1 -k2,2n |
    awk -F'\t' '$1 != h { if (h != "") print h "\t" v[int(0.99 * (n - 1)) + 1]; h = $1; n = 0 } { v[++n] = $2 }
        END { print h "\t" v[int(0.99 * (n - 1)) + 1] }' > "$tmp/exact_p99.out"
same_p99=$(awk -F'\t' 'NR == FNR { m[$1] = $2; k++; next } { n++; d = $2 - m[$1]; if (d < 0) d = -d; if (!($1 in m) || d > 0.01 * m[$1]) bad++ }
    END { print (bad || n != k) ? "**no**" : "yes (" n " hosts within 1% of the exact p99)" }' "$tmp/exact_p99.out" "$tmp/coropipe_p99.out")
for name in "${!cmd[@]}"; do
    echo "timing $name..." >&2
    time_median "$name" "${cmd[$name]}"
done
s() { cat "$tmp/$1.s"; }
ratio() { awk -v a="$(s "$1")" -v b="$(s "$2")" 'BEGIN { printf "%.3f", a / b }'; }
echo "corpus: coropipe-genlog --seed 11 $lines lines (plain and logfmt); median of $reps runs; mlr $(mlr --version | awk '{ print $2 }')"
echo
echo '| job | command | wall s | coropipe / this | output checked |'
echo '|---|---|---:|---:|---|'
echo "| count by \$2 | coropipe | $(s coropipe_count) | | $same_count |"
echo "| count by \$2 | mawk + sort | $(s mawk_sort) | $(ratio coropipe_count mawk_sort)× | (reference) |"
echo "| p99 latency_ms by host | coropipe | $(s coropipe_p99) | | $same_p99 |"
echo "| p99 latency_ms by host | mlr stats1 | $(s mlr_p99) | $(ratio coropipe_p99 mlr_p99)× | (reference) |"
