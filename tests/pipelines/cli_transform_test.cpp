// Golden tests of the transforms (redact, sample, throttle, dedup) through
// the real `coropipe` binary, on real files.

#include "child_process.hpp"
#include "corpus.hpp"
#include "run_coropipe.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using coropipe::test::coropipe_stdin;
using coropipe::test::corpus_path;
using coropipe::test::process_result;
using coropipe::test::run_coropipe;
using coropipe::test::run_process;
using coropipe::test::temp_dir;

TEST_CASE("redact writes the bytes sed -E writes for the same substitution", "[program][transform]") {
    const process_result ours = run_coropipe({"redact 'user=u[0-9]+' with user=***", corpus_path()});
    const process_result sed = run_process({"sed", "-E", "s/user=u[0-9]+/user=***/g", corpus_path()});
    REQUIRE(ours.status == 0);
    REQUIRE(sed.status == 0);
    CHECK(ours.out == sed.out);
    CHECK(ours.out.find("user=u1") == std::string::npos);
}

TEST_CASE("an invalid redact regex is an error with a caret before anything is read", "[program][transform]") {
    const process_result r = coropipe_stdin({"redact '[z-a]'"}, "x\n");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("coropipe: redact: invalid regex: "));
    CHECK(r.err.find("\nredact '[z-a]'\n") != std::string::npos);
}

TEST_CASE("sample by a key keeps the same hosts on every run, all of their lines", "[program][transform]") {
    const process_result first = run_coropipe({"sample 5 by $2 | count by $2", corpus_path()});
    const process_result again = run_coropipe({"sample 5 by $2 | count by $2", corpus_path()});
    const process_result all = run_coropipe({"count by $2", corpus_path()});
    REQUIRE(first.status == 0);
    CHECK(first.out == again.out);
    // Each kept host has its full count.
    std::size_t hosts = 0;
    for (std::size_t at = 0; at < first.out.size(); at = first.out.find('\n', at) + 1) {
        const std::string line = first.out.substr(at, first.out.find('\n', at) + 1 - at);
        CHECK(all.out.find(line) != std::string::npos);
        ++hosts;
    }
    CHECK(hosts > 0);
    CHECK(hosts < 30);
    const process_result plain = coropipe_stdin({"sample 3"}, "1\n2\n3\n4\n5\n6\n7\n");
    CHECK(plain.out == "1\n4\n7\n");
}

TEST_CASE("throttle drops the lines over the rate and says how many on stderr", "[program][transform]") {
    const process_result r = run_coropipe({"throttle 10 per 1h by $2", corpus_path()});
    REQUIRE(r.status == 0);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 300); // 30 hosts
    CHECK(r.err == "coropipe: throttle: 49700 lines over 10 per 1h dropped\n");
}

TEST_CASE("dedup replaces repeats with rsyslog's 'last message repeated N times'", "[program][transform]") {
    temp_dir dir;
    const std::string file = dir.write("repeats.log", "a\na\na\nb\nb\na\n");
    const process_result r = run_coropipe({"dedup", file});
    CHECK(r.out == "a\nlast message repeated 2 times\nb\nlast message repeated 1 times\na\n");
    const process_result bad = coropipe_stdin({"dedup 5"}, "");
    CHECK(bad.status == 2);
    CHECK(bad.err.starts_with("coropipe: dedup: '5' is not a duration at column 7"));
}
