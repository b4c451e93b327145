#!/usr/bin/env bash
# coropipe (the shell utility) against its peers: GNU grep, mawk and a
# Python generator-coroutine pipeline (issue 3).
#
# usage: bench/cli_vs_peers.sh [LINES [REPS]]
#   LINES: corpus size, default 5000000 (about 500 MB); REPS: default 3.
#
# Builds build/release/pipelines/coropipe and coropipe-genlog, writes a corpus
# with `coropipe-genlog --seed 11 LINES` to a temp dir (removed at exit), warms the page
# cache, then times each command REPS times (wall seconds from bash's
# EPOCHREALTIME around the pipeline, peak RSS from /usr/bin/time) and prints the medians as a markdown table. Each command writes
# into a pipe (`| cat > /dev/null`), as in real use. One more, untimed run of
# every command is hashed (sha256) to check coropipe's output is the peer's,
# byte for byte and in the same order.
set -euo pipefail

lines=${1:-5000000}
reps=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
genlog=$root/build/release/pipelines/coropipe-genlog
coropipe=$root/build/release/pipelines/coropipe
export LC_ALL=C

if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y time >/dev/null
    else
        echo "cli_vs_peers.sh: /usr/bin/time is missing (apt-get install time)" >&2
        exit 2
    fi
fi
command -v mawk >/dev/null || { echo "cli_vs_peers.sh: mawk is missing" >&2; exit 2; }

(cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target coropipe_cli coropipe_genlog >/dev/null)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corpus=$tmp/corpus.log
echo "generating $lines lines..." >&2
"$genlog" --seed 11 "$lines" > "$corpus"
cat "$corpus" > /dev/null   # warm the page cache
cat "$corpus" > /dev/null

mawk_min='{ if (match($0, /latency_ms=[0-9]+/)) { v = substr($0, RSTART+11, RLENGTH-11)+0; if (n++ == 0 || v < m) m = v; print m } }'

# name -> command: its words joined by the separator $sep (US, 0x1f), run
# without a shell
sep=$'\x1f'
declare -A cmd
cmd[cp_prefix]="$coropipe${sep}prefix 2026-11-23T11${sep}$corpus"
cmd[grep_prefix]="grep${sep}^2026-11-23T11${sep}$corpus"
cmd[cp_grep]="$coropipe${sep}grep ERROR${sep}$corpus"
cmd[grep_F]="grep${sep}-F${sep}ERROR${sep}$corpus"
cmd[cp_min]="$coropipe${sep}min latency_ms${sep}$corpus"
cmd[mawk_min]="mawk${sep}$mawk_min${sep}$corpus"
cmd[py_grep]="python3${sep}$here/peer_grep.py${sep}ERROR${sep}$corpus"

argv() { IFS=$sep read -r -a args <<< "${cmd[$1]}"; }

# time_one NAME: REPS runs into a pipe; sets med_wall, med_rss_mb
time_one() {
    local name=$1 i walls=() rsss=()
    argv "$name"
    for ((i = 0; i < reps; i++)); do
        t0=$EPOCHREALTIME
        /usr/bin/time -o "$tmp/t" -f "%M" "${args[@]}" | cat > /dev/null
        t1=$EPOCHREALTIME
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        read -r r < "$tmp/t"
        walls+=("$w"); rsss+=("$r")
    done
    med_wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    med_rss_mb=$(printf '%s\n' "${rsss[@]}" | sort -g |
        awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1024}')
    echo "  $name: walls ${walls[*]} s, rss ${rsss[*]} KB" >&2
}

# hash_one NAME: sha256 and line count of the output (untimed run)
hash_one() {
    argv "$1"
    "${args[@]}" | cat > "$tmp/out"
    sha[$1]=$(sha256sum < "$tmp/out" | cut -c1-64)
    nlines[$1]=$(wc -l < "$tmp/out")
    rm -f "$tmp/out"
}

declare -A wall rss sha nlines
for name in cp_prefix grep_prefix cp_grep grep_F cp_min mawk_min py_grep; do
    time_one "$name"
    wall[$name]=$med_wall; rss[$name]=$med_rss_mb
    hash_one "$name"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r + 0 <= t + 0) ? "yes" : "**no**" }'; }
same() { [[ ${sha[$1]} == "${sha[$2]}" ]] && echo yes || echo "**no**"; }

row() { # name label ratio target met same
    printf '| `%s` | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$2" "${wall[$1]}" "${rss[$1]}" "${nlines[$1]}" "$3" "$4" "$5" "$6"
}

echo
echo "corpus: $lines lines, $(($(stat -c %s "$corpus") / 1000000)) MB; median of $reps runs; LC_ALL=C; output into a pipe"
echo
echo '| command | median wall s | peak RSS MB | output lines | ratio vs peer (time) | target | met? | outputs identical? |'
echo '|---|---:|---:|---:|---:|---:|---|---|'
r=$(ratio "${wall[cp_prefix]}" "${wall[grep_prefix]}")
row cp_prefix "coropipe 'prefix 2026-11-23T11'" "$r×" "≤ 1.0×" "$(met "$r" 1.0)" "$(same cp_prefix grep_prefix)"
row grep_prefix "grep '^2026-11-23T11'" "1 (peer)" "" "" ""
r=$(ratio "${wall[cp_grep]}" "${wall[grep_F]}")
row cp_grep "coropipe 'grep ERROR'" "$r×" "≤ 1.0×" "$(met "$r" 1.0)" "$(same cp_grep grep_F)"
row grep_F "grep -F ERROR" "1 (peer)" "" "" ""
r=$(ratio "${wall[cp_min]}" "${wall[mawk_min]}")
row cp_min "coropipe 'min latency_ms'" "$r×" "≤ 0.25×" "$(met "$r" 0.25)" "$(same cp_min mawk_min)"
row mawk_min "mawk '{ if (match(\$0, /latency_ms=[0-9]+/)) ... print m }'" "1 (peer)" "" "" ""
r=$(ratio "${wall[cp_grep]}" "${wall[py_grep]}")
row py_grep "python3 bench/peer_grep.py ERROR" "coropipe = $r× Python" "(report)" "—" "$(same cp_grep py_grep)"
