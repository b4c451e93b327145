#!/usr/bin/env bash
# Tests .ci/check-paths on scratch git repositories: files that stay inside
# pass, each way of naming a path outside is reported as FILE:LINE and fails.
# The paths are assembled from pieces ($up, $ws, $old) so that this file,
# which the checker also reads, does not name them itself.
#
# usage: tests/check_paths_test.sh CHECKER
set -euo pipefail
checker=$1
up=$'\x2e\x2e' # two dots
ws=work
old=shared
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# repo NAME: a fresh repository holding the files that stay inside.
repo() {
    local r=$tmp/$1
    mkdir -p "$r/examples" "$r/docs" "$r/bench" "$r/tests/pipelines" "$r/.ci"
    git -C "$r" init -q
    printf '# Core\n' > "$r/docs/core.md"
    printf 'See [docs](%s/docs/core.md) and [up](%s/README.md).\n' "$up" "$up" > "$r/examples/README.md"
    printf 'add_subdirectory(${PROJECT_SOURCE_DIR}/x/%s/tests)\ninclude(${CMAKE_CURRENT_SOURCE_DIR}/%s/y.cmake)\n' \
        "$up" "$up" > "$r/tests/CMakeLists.txt"
    printf '#!/usr/bin/env bash\nhere=$(cd "$(dirname "$0")" && pwd)\nroot=$(cd "$here/%s" && pwd)\n' "$up" \
        > "$r/bench/run.sh"
    printf '#!/usr/bin/env bash\ncd "$(dirname "${BASH_SOURCE[0]}")/%s"\n' "$up" > "$r/.ci/run"
    printf '#include "%s/child_process.hpp"\nauto p = COROPIPE_SOURCE_DIR "/tests/%s/x";\n' "$up" "$up" \
        > "$r/tests/pipelines/a_test.cpp"
    printf 'text... and so on.. and 1..3, ranges [a..z]\n' > "$r/docs/prose.md"
    git -C "$r" add .
    echo "$r"
}

# expect_clean NAME: the checker passes on the repository.
expect_clean() {
    local out status=0
    out=$("$checker" "$1" 2>&1) || status=$?
    if [[ $status -ne 0 ]]; then
        echo "FAIL: expected a pass on $1, got $status:"
        echo "$out"
        failures=$((failures + 1))
    fi
}

# expect_flag FILE TEXT WANT: a file FILE with TEXT (tracked) fails the
# check with an output line that contains WANT.
expect_flag() {
    local r out status=0
    r=$(repo "case$RANDOM$RANDOM")
    mkdir -p "$(dirname "$r/$1")"
    printf '%s\n' "first line" "$2" > "$r/$1"
    git -C "$r" add "$1"
    out=$("$checker" "$r" 2>&1) || status=$?
    if [[ $status -ne 1 || $out != *"$3"* ]]; then
        echo "FAIL: $1 with '$2': expected status 1 and '$3', got $status:"
        echo "$out"
        failures=$((failures + 1))
    fi
}

clean=$(repo clean)
expect_clean "$clean"
# An untracked file is not the repository's.
printf 'x=%s/%s/outside\n' '${PROJECT_SOURCE_DIR}' "$up" > "$clean/untracked.cmake"
expect_clean "$clean"

expect_flag CMakeLists.txt "set(X \${PROJECT_SOURCE_DIR}/$up/outside)" "CMakeLists.txt:2: '\${PROJECT_SOURCE_DIR}/$up/outside' climbs"
expect_flag bench/a.sh "genlog=\$root/$up/corpus/genlog.py" "bench/a.sh:2: '\$root/$up/corpus/genlog.py' climbs"
expect_flag bench/b.sh "genlog=$up/corpus/genlog.py" "bench/b.sh:2: '$up/corpus/genlog.py' climbs"
expect_flag bench/c.sh "cd \"\$(dirname \"\$0\")/$up/$up\"" "bench/c.sh:2:"
expect_flag docs/a.md "[x]($up/$up/outside.md)" "docs/a.md:2: '$up/$up/outside.md' climbs"
expect_flag lib/a.cpp "#include \"$up/$up/outside.hpp\"" "lib/a.cpp:2:"
expect_flag tests/a.cpp "auto p = COROPIPE_SOURCE_DIR \"/$up/outside\";" "tests/a.cpp:2: '/$up/outside' climbs"
expect_flag tests/b.cmake "include(\${CMAKE_CURRENT_SOURCE_DIR}/$up/$up/x.cmake)" "tests/b.cmake:2:"
expect_flag tests/c.cmake "set(D \${UNKNOWN_DIR}/$up)" "tests/c.cmake:2:"
expect_flag docs/b.md "see /$ws/main/README.md" "docs/b.md:2: an absolute path under /$ws"
expect_flag docs/c.md "made by $old/corpus/genlog.py" "docs/c.md:2: names $old/corpus"

# A symbolic link out of the repository.
r=$(repo link)
ln -s "/$ws" "$r/link"
git -C "$r" add link
out=$("$checker" "$r" 2>&1) && status=0 || status=$?
if [[ $status -ne 1 || $out != *"link: a symbolic link"* ]]; then
    echo "FAIL: a symbolic link out of the repository: got $status: $out"
    failures=$((failures + 1))
fi

# Not a git work tree: exit 2.
mkdir "$tmp/plain"
"$checker" "$tmp/plain" > /dev/null 2>&1 && status=0 || status=$?
if [[ $status -ne 2 ]]; then
    echo "FAIL: outside a git work tree: expected 2, got $status"
    failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "check-paths: every case as expected"
