#!/usr/bin/env bash
# coropipe 'grep -E PAT' against GNU grep -E, under LC_ALL=C and under the
# UTF-8 locale, on several forms of pattern (issue 13).
#
# usage: bench/regex_vs_grep.sh [LINES [REPS]]
#   LINES: corpus size, default 5000000 (about 520 MB); REPS: default 5.
#
# Builds build/release/pipelines/coropipe (the release preset's
# coropipe_cli), writes a log corpus with the small generator below (no
# file outside the repo) to a temp dir (removed at exit), warms the page
# cache, then runs each command REPS times, interleaved (coropipe, grep C,
# grep UTF-8, coropipe, ...), each writing into a pipe (`| cat > /dev/null`:
# GNU grep stops at the first match when its output is /dev/null). It
# reports the median wall seconds (bash's EPOCHREALTIME around the
# pipeline) and the median CPU seconds of the command itself (user + system,
# /usr/bin/time), which a loaded machine moves less. One more, untimed run
# of each is compared byte for byte (cmp) with the others' output.
set -euo pipefail

lines=${1:-5000000}
reps=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
coropipe=$root/build/release/pipelines/coropipe
utf8=C.UTF-8

[[ -x /usr/bin/time ]] || { echo "regex_vs_grep.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
locale -a | grep -qix "c.utf-\?8" || { echo "regex_vs_grep.sh: no $utf8 locale" >&2; exit 2; }

(cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target coropipe_cli >/dev/null)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corpus=$tmp/corpus.log

# The corpus: syslog-like lines, `TIMESTAMP HOST APP[PID]: LEVEL MESSAGE
# latency_ms=N user=uN`, levels and messages skewed as in real logs (a few
# percent of lines say error or fail), some UTF-8. Deterministic (seeded).
echo "generating $lines lines..." >&2
python3 - "$lines" > "$corpus" <<'EOF'
import random, sys
n = int(sys.argv[1])
rng = random.Random(13)
levels = ["INFO"] * 70 + ["DEBUG"] * 15 + ["WARN"] * 10 + ["ERROR"] * 4 + ["FATAL"]
hosts = [f"web-{i:02d}" for i in range(24)] + [f"db-{i:02d}" for i in range(6)]
apps = ["api", "auth", "cron", "nginx", "worker", "billing"]
msgs = (["request served path=/v1/items/{n}"] * 40 + ["cache miss key=session:{n}"] * 15 +
        ["user login ok"] * 10 + ["retrying upstream attempt={n}"] * 5 + ["GC pause"] * 5 +
        ["disk usage {n}%"] * 5 + ["connection reset by peer"] * 4 + ["café órdenes procesadas={n}"] * 4 +
        ["upstream timeout after {n}ms"] * 4 + ["payment declined code={n}"] * 3 + ["db: query failed"] * 2 +
        ["job failed, will retry"] * 2 + ["an error occurred in handler"] * 1)
t = 1795428000  # 2026-11-23T10:00:00Z
out = []
for i in range(n):
    t += rng.random() < 0.3
    hh, mm, ss = (t // 3600) % 24, (t // 60) % 60, t % 60
    out.append(f"2026-11-23T{hh:02d}:{mm:02d}:{ss:02d}.{rng.randrange(1000):03d}Z "
               f"{rng.choice(hosts)} {rng.choice(apps)}[{rng.randrange(1, 65536)}]: "
               f"{rng.choice(levels)} {rng.choice(msgs).format(n=rng.randrange(100000))} "
               f"latency_ms={int(rng.lognormvariate(3.5, 1.0))} user=u{rng.randrange(10000)}")
    if len(out) == 10000:
        sys.stdout.write("\n".join(out) + "\n")
        out.clear()
if out:
    sys.stdout.write("\n".join(out) + "\n")
EOF
cat "$corpus" > /dev/null # warm the page cache
cat "$corpus" > /dev/null

# The forms: label, grep's options, pattern.
forms=(
    "literal|| upstream timeout"
    "two literals|| error|fail"
    "three literals|| ERROR|FATAL|WARN"
    "class-heavy|| [0-9]{3}ms"
    "anchored|| ^2026-11-23T10"
    "word edges|| \\<fail(ed)?\\>"
    "-i|-i| error|warn"
    "-v|-v| INFO|DEBUG"
)

# argv KIND FLAGS PATTERN: sets args to the command (no shell in between)
argv() {
    local opts=()
    [[ -n $2 ]] && opts=("$2")
    case $1 in
    cp) args=("$coropipe" "grep ${2:+$2 }-E '$3'" "$corpus") ;;
    c) args=(env LC_ALL=C grep "${opts[@]}" -E -e "$3" "$corpus") ;;
    u) args=(env LC_ALL=$utf8 grep "${opts[@]}" -E -e "$3" "$corpus") ;;
    esac
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
echo "corpus: $lines lines, $(($(stat -c %s "$corpus") / 1000000)) MB; median of $reps runs; output into a pipe;" \
    "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo '| form | pattern | lines out | coropipe wall s | grep C wall s | grep UTF-8 wall s | coropipe / grep C | coropipe / grep UTF-8 | CPU s coropipe / grep C / grep UTF-8 | CPU ratio vs C | outputs equal (cmp) |'
echo '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|'
for form in "${forms[@]}"; do
    IFS='|' read -r label flags pattern <<< "$form"
    pattern=${pattern# }
    declare -A walls=() cpus=()
    for ((i = 0; i < reps; i++)); do
        for kind in cp c u; do
            t0=$EPOCHREALTIME
            argv "$kind" "$flags" "$pattern"
            /usr/bin/time -o "$tmp/t" -f "%U %S" "${args[@]}" | cat > /dev/null
            t1=$EPOCHREALTIME
            walls[$kind]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
            cpus[$kind]+="$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/t") "
        done
    done
    for kind in cp c u; do
        argv "$kind" "$flags" "$pattern"
        "${args[@]}" > "$tmp/out.$kind" || true # grep -v may find no line: status 1
    done
    same=yes
    cmp -s "$tmp/out.cp" "$tmp/out.c" || same="**no** (C)"
    cmp -s "$tmp/out.cp" "$tmp/out.u" || same="${same/yes/} **no** (UTF-8)"
    n=$(wc -l < "$tmp/out.cp")
    rm -f "$tmp"/out.*
    declare -A w=() c=()
    for kind in cp c u; do
        w[$kind]=$(tr ' ' '\n' <<< "${walls[$kind]}" | grep . | median)
        c[$kind]=$(tr ' ' '\n' <<< "${cpus[$kind]}" | grep . | median)
        echo "  $label $kind: walls ${walls[$kind]}s, cpu ${cpus[$kind]}s" >&2
    done
    printf '| %s | `grep %s-E '"'"'%s'"'"'` | %s | %s | %s | %s | %s× | %s× | %s / %s / %s | %s× | %s |\n' \
        "$label" "${flags:+$flags }" "${pattern//|/\\|}" "$n" "${w[cp]}" "${w[c]}" "${w[u]}" \
        "$(ratio "${w[cp]}" "${w[c]}")" "$(ratio "${w[cp]}" "${w[u]}")" \
        "${c[cp]}" "${c[c]}" "${c[u]}" "$(ratio "${c[cp]}" "${c[c]}")" "$same"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
