// Golden tests of the grouped aggregates (`count by $2`, `p99 ms by host`,
// `distinct`, `--json`, `--groups`) through the real `coropipe` binary, on
// real files: against mawk + sort on the benchmark corpus, and on bad input.

#include "child_process.hpp"
#include "corpus.hpp"
#include "run_coropipe.hpp"
#include "running_child.hpp"
#include "temp_dir.hpp"

#include <coropipe/timestamp.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using coropipe::test::coropipe_stdin;
using coropipe::test::corpus_path;
using coropipe::test::process_result;
using coropipe::test::run_coropipe;
using coropipe::test::run_process;
using coropipe::test::running_child;
using coropipe::test::temp_dir;

namespace {

bool have_mawk() { return run_process({"sh", "-c", "command -v mawk"}).status == 0; }

} // namespace

TEST_CASE("count by $2 over a real file writes the bytes of mawk's array count sorted by sort",
          "[program][group]") {
    if (!have_mawk()) {
        WARN("mawk is not installed: skipped");
        return;
    }
    const process_result ours = run_coropipe({"count by $2", corpus_path()});
    const process_result theirs = run_process(
        {"sh", "-c",
         "mawk '{c[$2]++} END {for (k in c) print k \"\\t\" c[k]}' \"$1\" | LC_ALL=C sort -t'\t' -k2,2nr -k1,1",
         "sh", corpus_path()});
    REQUIRE(ours.status == 0);
    REQUIRE(theirs.status == 0);
    CHECK(ours.err.empty());
    CHECK(ours.out == theirs.out);
    CHECK(std::count(ours.out.begin(), ours.out.end(), '\n') == 30); // 30 hosts
}

TEST_CASE("sum by two keys matches mawk's sums per pair of columns", "[program][group]") {
    if (!have_mawk()) {
        WARN("mawk is not installed: skipped");
        return;
    }
    const process_result ours = run_coropipe({"grep latency_ms= | sum latency_ms by $2, $4", corpus_path()});
    const process_result theirs = run_process(
        {"sh", "-c",
         "mawk '/latency_ms=/ {for (i = 1; i <= NF; i++) if ($i ~ /^latency_ms=/) {v = substr($i, 12); "
         "if (v ~ /^[0-9]+$/) s[$2 \"\\t\" $4] += v}} END {for (k in s) printf \"%s\\t%d\\n\", k, s[k]}' \"$1\" | "
         "LC_ALL=C sort -t'\t' -k3,3nr -k1,1 -k2,2",
         "sh", corpus_path()});
    REQUIRE(ours.status == 0);
    CHECK(ours.out == theirs.out);
}

TEST_CASE("p99 by host is within 1% of the exact percentile of each host's values", "[program][group]") {
    const process_result ours = run_coropipe({"p99 latency_ms by $2", corpus_path()});
    REQUIRE(ours.status == 0);
    const process_result values = run_coropipe({"print '{$2} {latency_ms}'", corpus_path()});
    std::map<std::string, std::vector<double>> by_host;
    std::istringstream in(values.out);
    std::string host;
    std::string value;
    while (in >> host && std::getline(in, value)) {
        if (value.size() > 1) {
            by_host[host].push_back(std::stod(value.substr(1)));
        }
    }
    std::istringstream rows(ours.out);
    std::string line;
    std::size_t checked = 0;
    double previous = 1e300;
    while (std::getline(rows, line)) {
        const std::size_t tab = line.find('\t');
        REQUIRE(tab != std::string::npos);
        std::vector<double>& v = by_host[line.substr(0, tab)];
        REQUIRE(!v.empty());
        std::sort(v.begin(), v.end());
        const double truth = v[static_cast<std::size_t>(0.99 * static_cast<double>(v.size() - 1))];
        const double got = std::stod(line.substr(tab + 1));
        CHECK(std::fabs(got - truth) <= 0.01 * truth);
        CHECK(got <= previous); // largest first
        previous = got;
        ++checked;
    }
    CHECK(checked == by_host.size());
}

TEST_CASE("with --json, one JSON object per group is written and jq reads it back", "[program][group]") {
    const process_result r = coropipe_stdin({"--json", "count by host, $1"}, "a host=x\nb host=y\na host=x\nc\n");
    REQUIRE(r.status == 0);
    CHECK(r.out == "{\"host\":\"x\",\"$1\":\"a\",\"count\":2}\n{\"host\":\"\",\"$1\":\"c\",\"count\":1}\n"
                   "{\"host\":\"y\",\"$1\":\"b\",\"count\":1}\n");
    if (run_process({"sh", "-c", "command -v jq"}).status == 0) {
        temp_dir dir;
        const std::string file = dir.write("out.json", r.out);
        const process_result jq = run_process({"jq", "-c", "-s", "map(.count) | add", file});
        CHECK(jq.out == "4\n");
    }
}

TEST_CASE("lines without the field or with a non-numeric value are reported on stderr, not dropped silently",
          "[program][group]") {
    temp_dir dir;
    const std::string file =
        dir.write("bad.log", "host=a ms=10\nhost=a ms=ten\nhost=b\nhost=b ms=30\nhost=a ms=\n\xff\n");
    const process_result r = run_coropipe({"avg ms by host", file});
    REQUIRE(r.status == 0);
    CHECK(r.out == "b\t30\na\t10\n");
    CHECK(r.err == "coropipe: avg: 4 lines without a number in ms not counted\n");
    const process_result d = run_coropipe({"distinct ms", file});
    CHECK(d.out == "4\n");
    CHECK(d.err == "coropipe: distinct: 2 lines without ms not counted\n");
}

TEST_CASE("a million distinct keys with --groups 1000 keep memory bounded and put the rest in (other)",
          "[program][group]") {
    temp_dir dir;
    const process_result made = run_process(
        {"sh", "-c", "mawk 'BEGIN {for (i = 0; i < 1000000; i++) print \"k\" i, i % 7}' > \"$1\"", "sh",
         dir.path("keys.log")});
    REQUIRE(made.status == 0);
    const process_result bounded = run_coropipe({"--groups", "1000", "count by $1", dir.path("keys.log")});
    REQUIRE(bounded.status == 0);
    CHECK(bounded.out.starts_with("(other)\t999000\n"));
    CHECK(std::count(bounded.out.begin(), bounded.out.end(), '\n') == 1001);
    CHECK(bounded.err ==
          "coropipe: count: more than 1000 groups; lines of further groups are counted in the group (other)\n");
    const process_result all = run_coropipe({"count by $1", dir.path("keys.log")});
    REQUIRE(all.status == 0);
    CHECK(std::count(all.out.begin(), all.out.end(), '\n') == 1000000);
    // The bounded run holds 1,000 groups, the other a million: at least 40 MiB apart.
    CHECK(bounded.max_rss_kb + 40 * 1024 < all.max_rss_kb);
}

TEST_CASE("bad by clauses and group options are errors with a caret", "[program][group]") {
    const process_result missing = coropipe_stdin({"count by"}, "");
    CHECK(missing.status == 2);
    CHECK(missing.err == "coropipe: count: missing KEY after 'by' at column 9; usage: count [--final] [by KEY[, "
                         "KEY...]] [every DURATION]\ncount by\n        ^\n");
    const process_result no_field = coropipe_stdin({"sum by $2"}, "");
    CHECK(no_field.status == 2);
    CHECK(no_field.err.starts_with("coropipe: sum: missing FIELD before 'by' at column 5"));
    const process_result column = coropipe_stdin({"p99 ms by host,$0"}, "");
    CHECK(column.status == 2);
    CHECK(column.err == "coropipe: p99: bad column '$0' at column 16; columns are $1, $2, ...\n"
                        "p99 ms by host,$0\n               ^\n");
    const process_result groups = coropipe_stdin({"--groups", "0", "count by $1"}, "");
    CHECK(groups.status == 2);
    CHECK(groups.err.starts_with("coropipe: --groups: '0' is not a number of groups"));
}

TEST_CASE("coropipe --help lists the new aggregates and help p99 states the error bound", "[program][group]") {
    const process_result help = run_coropipe({"--help"});
    CHECK(help.out.find("p99 FIELD [by KEY[, KEY...]]") != std::string::npos);
    CHECK(help.out.find("distinct FIELD [by KEY[, KEY...]]") != std::string::npos);
    CHECK(help.out.find("count [--final] [by KEY[, KEY...]]") != std::string::npos);
    const process_result p99 = run_coropipe({"help", "p99"});
    CHECK(p99.out.find("within 1%") != std::string::npos);
}

TEST_CASE("count by $2 every 1m over the corpus writes each minute's groups, the window first, and sums to the "
          "line count",
          "[program][group][window]") {
    const process_result r = run_coropipe({"count by $2 every 1m", corpus_path()});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty()); // the corpus is in time order: nothing late
    std::uint64_t total = 0;
    std::string previous_window;
    std::istringstream rows(r.out);
    std::string line;
    while (std::getline(rows, line)) {
        REQUIRE(line.size() > 22);
        const std::string window = line.substr(0, 20);
        CHECK(window.ends_with(":00Z"));
        CHECK(window >= previous_window);
        previous_window = window;
        total += std::stoull(line.substr(line.rfind('\t') + 1));
    }
    CHECK(total == 50000);
}

TEST_CASE("with --time FIELD, windows follow that field, and lines of a closed window are reported as late",
          "[program][group][window]") {
    temp_dir dir;
    const std::string file = dir.write("t.log", "ts=2026-11-23T10:00:05Z ms=5\n"
                                                "ts=2026-11-23T10:00:09Z ms=7\n"
                                                "ts=2026-11-23T10:00:10Z ms=1\n"
                                                "ts=2026-11-23T10:00:01Z ms=100\n"
                                                "ts=2026-11-23T10:00:31Z ms=2\n");
    const process_result r = run_coropipe({"--time", "ts", "max ms every 10s", file});
    REQUIRE(r.status == 0);
    CHECK(r.out == "2026-11-23T10:00:00Z\t7\n2026-11-23T10:00:10Z\t1\n2026-11-23T10:00:30Z\t2\n");
    CHECK(r.err == "coropipe: max: 1 late line (of windows already written) not counted\n");
    const process_result bad = coropipe_stdin({"--time", "a b", "count every 1m"}, "");
    CHECK(bad.status == 2);
    CHECK(bad.err.starts_with("coropipe: --time: "));
}

TEST_CASE("coropipe -f writes a window once the clock passes its end plus the grace, with no later line",
          "[program][group][window][follow]") {
    temp_dir dir;
    const std::string log = dir.write("live.log", "");
    running_child child({coropipe::test::coropipe_binary, "-f", "--grace", "0s", "count by $2 every 1s", log});
    // Lines stamped with the current time: their window ends within a
    // second, and nothing is written after them.
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const std::string stamp = coropipe::format_rfc3339(now);
    const std::string window = coropipe::format_rfc3339(now / 1000 * 1000);
    {
        std::ofstream out(log, std::ios::binary | std::ios::app);
        out << stamp << " web-1\n" << stamp << " web-2\n" << stamp << " web-1\n";
    }
    const std::string expected = window + "\tweb-1\t2\n" + window + "\tweb-2\t1\n";
    child.wait_for_out_size(expected);
    CHECK(child.out == expected);
    // A line of that window, now closed, is late: not merged into another.
    // The next window's line shows when both were read.
    const std::int64_t later = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    {
        std::ofstream out(log, std::ios::binary | std::ios::app);
        out << stamp << " web-3\n" << coropipe::format_rfc3339(later) << " web-4\n";
    }
    const std::string next = expected + coropipe::format_rfc3339(later / 1000 * 1000) + "\tweb-4\t1\n";
    child.wait_for_out_size(next);
    child.signal(SIGTERM);
    CHECK(child.wait_exit() == 0);
    CHECK(child.out == next);
    CHECK(child.err == "coropipe: count: 1 late line (of windows already written) not counted\n");
}

TEST_CASE("coropipe --grace needs a duration", "[program][group][window]") {
    const process_result bad = coropipe_stdin({"--grace", "soon", "count every 1m"}, "");
    CHECK(bad.status == 2);
    CHECK(bad.err.starts_with("coropipe: --grace: 'soon' is not a duration"));
    const process_result ok = coropipe_stdin({"--grace=500ms", "count every 1m"}, "2026-11-23T10:00:05Z x\n");
    CHECK(ok.status == 0);
    CHECK(ok.out == "2026-11-23T10:00:00Z\t1\n");
}
