#!/usr/bin/env bash
# Grouped aggregates against the tools people use for them (issue 14):
# 1. coropipe 'count by $2' against mawk's array count piped into sort
#    (the same bytes: checked with cmp);
# 2. coropipe 'p99 latency_ms by host' on the logfmt corpus against
#    Miller's stats1 -a p99 -g host (timed; coropipe's values are checked
#    within 1% of the exact ones computed here with sort and awk);
# 3. coropipe 'count by .host' on the JSON corpus against jq (a reduce into
#    an object, sorted the same way: the same bytes, checked with cmp);
# 4. the window stage: coropipe 'count by $2 every 1m' against the same
#    aggregate without `every` (1.); checked: no late lines, and the windows'
#    counts summed per host are the counts of 1.
#
# usage: bench/aggregate_vs_peers.sh [LINES [REPS]]
#   LINES default 1000000, REPS default 3. COROPIPE and GENLOG name the
#   binaries (default: build/release, built here with the release preset).
# Each round runs every command once, one after the other (interleaved, so
# that a change of the machine's load falls on all of them alike); wall
# seconds from bash's EPOCHREALTIME. Prints each command's median and the
# ratios of each round (coropipe / the other command of the same round).
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
"$genlog" --seed 11 --format json "$lines" > "$tmp/json.log"
cat "$tmp/plain.log" "$tmp/kv.log" "$tmp/json.log" > /dev/null

declare -A cmd=(
    [coropipe_count]="$coropipe 'count by \$2' $tmp/plain.log"
    [mawk_sort]="mawk '{c[\$2]++} END {for (k in c) print k \"\t\" c[k]}' $tmp/plain.log | sort -t'	' -k2,2nr -k1,1"
    [coropipe_p99]="$coropipe 'p99 latency_ms by host' $tmp/kv.log"
    [mlr_p99]="mlr --idkvp --ifs ' ' --ips '=' --otsv --headerless-csv-output stats1 -a p99 -f latency_ms -g host $tmp/kv.log"
    [coropipe_json]="$coropipe 'count by .host' $tmp/json.log"
    [jq_json]="jq -rn 'reduce inputs as \$l ({}; .[\$l.host] += 1) | to_entries | sort_by(-.value, .key)[] | \"\(.key)\t\(.value)\"' $tmp/json.log"
    [coropipe_window]="$coropipe 'count by \$2 every 1m' $tmp/plain.log"
)
order=(coropipe_count mawk_sort coropipe_window coropipe_p99 mlr_p99 coropipe_json jq_json)
for name in "${order[@]}"; do
    bash -c "${cmd[$name]}" > "$tmp/$name.out" 2> "$tmp/$name.err"
done
same_count=$(cmp -s "$tmp/coropipe_count.out" "$tmp/mawk_sort.out" && echo yes || echo '**no**')
same_json=$(cmp -s "$tmp/coropipe_json.out" "$tmp/jq_json.out" && echo yes || echo '**no**')
# The windows' counts summed per host, sorted as count by sorts, must be 1.'s output; no line late.
awk -F'\t' '{ c[$2] += $3 } END { for (k in c) print k "\t" c[k] }' "$tmp/coropipe_window.out" |
    sort -t'	' -k2,2nr -k1,1 > "$tmp/window_sum.out"
same_window=$(cmp -s "$tmp/window_sum.out" "$tmp/coropipe_count.out" && ! grep -q late "$tmp/coropipe_window.err" &&
    echo "yes ($(wc -l < "$tmp/coropipe_window.out") window rows; summed per host = count by \$2; no late line)" || echo '**no**')
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
for ((r = 1; r <= reps; r++)); do
    echo "round $r..." >&2
    for name in "${order[@]}"; do
        t0=$EPOCHREALTIME
        bash -c "${cmd[$name]} > /dev/null 2>&1"
        t1=$EPOCHREALTIME
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >> "$tmp/$name.runs"
    done
done
med() { sort -g "$tmp/$1.runs" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
runs() { paste -sd' ' "$tmp/$1.runs"; }
# ratios A B: A / B of each round, and their median
ratios() {
    local each
    each=$(paste "$tmp/$1.runs" "$tmp/$2.runs" | awk '{ printf "%.3f\n", $1 / $2 }')
    printf '%s (median %s)' "$(paste -sd' ' <<< "$each" | sed 's/ /, /g')" \
        "$(sort -g <<< "$each" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
}
echo "corpus: coropipe-genlog --seed 11 $lines lines (plain, logfmt, json); $reps rounds, interleaved; mlr $(mlr --version | awk '{ print $2 }'), $(jq --version), mawk $(mawk -W version 2>&1 | awk 'NR == 1 { print $2 }')"
echo
echo '| job | command | wall s (median) | each round | coropipe / this, each round | output checked |'
echo '|---|---|---:|---|---|---|'
echo "| count by \$2 | coropipe | $(med coropipe_count) | $(runs coropipe_count) | | $same_count |"
echo "| count by \$2 | mawk + sort | $(med mawk_sort) | $(runs mawk_sort) | $(ratios coropipe_count mawk_sort) | (reference) |"
echo "| p99 latency_ms by host | coropipe | $(med coropipe_p99) | $(runs coropipe_p99) | | $same_p99 |"
echo "| p99 latency_ms by host | mlr stats1 | $(med mlr_p99) | $(runs mlr_p99) | $(ratios coropipe_p99 mlr_p99) | (reference) |"
echo "| count by .host (JSON) | coropipe | $(med coropipe_json) | $(runs coropipe_json) | | $same_json |"
echo "| count by .host (JSON) | jq reduce + sort_by | $(med jq_json) | $(runs jq_json) | $(ratios coropipe_json jq_json) | (reference) |"
echo "| count by \$2 every 1m | coropipe | $(med coropipe_window) | $(runs coropipe_window) | | $same_window |"
echo
echo "window overhead: (count by \$2 every 1m) / (count by \$2), each round: $(ratios coropipe_window coropipe_count)"
