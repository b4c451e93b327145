// Golden tests of the utility's whole-buffer fold (`min`, `max`, `sum`,
// `avg`, `count` after optional grep/prefix stages: detail::field_fold):
// the real binary against mawk on the benchmark's corpus, and against its
// own per-line path (the same stages followed by a `head` that passes
// everything, which the fold does not take) on edge-case input.

#include "child_process.hpp"
#include "corpus.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

using coropipe::test::corpus_path;
using coropipe::test::process_result;
using coropipe::test::run_options;
using coropipe::test::run_process;
using coropipe::test::temp_dir;

namespace {

const std::string binary = COROPIPE_BINARY_DIR "/pipelines/coropipe";

process_result run_coropipe(std::vector<std::string> args, const run_options& options = {}) {
    if (::access(binary.c_str(), X_OK) != 0) {
        FAIL("no program at " << binary << ": build the target coropipe_cli first");
    }
    args.insert(args.begin(), binary);
    return run_process(args, options);
}

bool have_mawk() { return run_process({"sh", "-c", "command -v mawk"}).status == 0; }

/// `text` with a stage that passes everything added (before a last
/// `print`): the same output, by the per-line stages rather than the fold.
std::string per_line(std::string text) {
    const std::string print = " | print";
    const bool printed = text.ends_with(print);
    if (printed) {
        text.resize(text.size() - print.size());
    }
    return text + " | head 999999999999" + (printed ? print : "");
}

/// Random lines around the key `ms`, with the edges the fold must get right.
std::string edge_text(std::uint32_t seed) {
    std::mt19937 rng(seed);
    auto below = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    const std::array<const char*, 16> values = {
        "5",  "-3",  "12.5", "1e3",    "+5", "12ms", "", "-0", "007", "1234567890123456", "99999999999999999999",
        ".5", "nan", "0.1",  "-1e400", "42"};
    const std::array<const char*, 9> fields = {
        "ms=", "xms=", "foo=ms=", "s=", "ms=ms=", "t=", "ERROR", "ERRORms=", "mms="};
    const std::array<const char*, 5> blanks = {" ", "\t", "\r", "  ", ""};
    std::string out;
    const std::size_t lines = std::array<std::size_t, 4>{3, 100, 2000, 20000}[below(4)];
    for (std::size_t i = 0; i < lines; ++i) {
        const std::size_t parts = below(5);
        for (std::size_t p = 0; p < parts; ++p) {
            if (p != 0 || below(3) == 0) {
                out += blanks[below(blanks.size())];
            }
            out += fields[below(fields.size())];
            out += values[below(values.size())];
        }
        if (below(2000) == 0) {
            out += " " + std::string(100000, 'x') + " ms=" + values[below(values.size())]; // longer than a chunk
        }
        out += below(10) == 0 ? "\r\n" : "\n";
    }
    if (below(2) == 0) {
        out += "ms=1"; // no final newline
    }
    return out;
}

} // namespace

TEST_CASE("coropipe min writes the same bytes as mawk's running minimum on the corpus", "[pipelines][coropipe]") {
    if (!have_mawk()) {
        WARN("mawk is not installed: skipped");
        return;
    }
    // The program of bench/cli_vs_peers.sh (issue 3).
    const std::string mawk_min = "{ if (match($0, /latency_ms=[0-9]+/)) { v = substr($0, RSTART+11, RLENGTH-11)+0; "
                                 "if (n++ == 0 || v < m) m = v; print m } }";
    const process_result expected = run_process({"mawk", mawk_min, corpus_path()});
    REQUIRE(expected.status == 0);
    const process_result actual = run_coropipe({"min latency_ms", corpus_path()});
    CHECK(actual.out.size() == expected.out.size());
    CHECK(actual.out == expected.out);
    CHECK(actual.err.empty());
    CHECK(actual.status == 0);
}

TEST_CASE("coropipe max, sum and count write the same bytes as mawk on the corpus", "[pipelines][coropipe]") {
    if (!have_mawk()) {
        WARN("mawk is not installed: skipped");
        return;
    }
    const std::string value = "match($0, /latency_ms=[0-9]+/)) { v = substr($0, RSTART+11, RLENGTH-11)+0; ";
    struct pair {
        std::string mawk;
        std::string coropipe;
    };
    const std::vector<pair> pairs = {
        {"{ if (" + value + "if (n++ == 0 || v > m) m = v; print m } }", "max latency_ms"},
        {"{ if (" + value + "s += v; print s } }", "sum latency_ms"},
        {"/ERROR/ { if (" + value + "s += v } } END { print s + 0 }", "grep ERROR | sum --final latency_ms"},
        {"{ print NR }", "count"},
        {"/^2026-11-23T10:1/ { n++ } END { print n + 0 }", "prefix 2026-11-23T10:1 | count --final"},
    };
    for (const pair& p : pairs) {
        INFO(p.coropipe);
        const process_result expected = run_process({"mawk", p.mawk, corpus_path()});
        const process_result actual = run_coropipe({p.coropipe, corpus_path()});
        CHECK(actual.out.size() == expected.out.size());
        CHECK(actual.out == expected.out);
        CHECK(actual.status == 0);
    }
}

TEST_CASE("coropipe's fold writes what its per-line stages write, on files and standard input",
          "[pipelines][coropipe]") {
    const std::vector<std::string> pipelines = {
        "min ms",
        "max ms",
        "sum ms",
        "avg ms",
        "count",
        "min --final ms",
        "max --final ms",
        "sum --final ms",
        "avg --final ms",
        "count --final",
        "grep ERROR | min ms",
        "grep -v ERROR | avg ms",
        "prefix -v ms | max ms",
        "grep -i error | prefix ERROR | count",
        "grep -E 'ms=[0-9]' | sum --final ms",
        "min ms | print",
        "grep nothing-like-this | sum --final ms",
        "min xms",
    };
    temp_dir dir;
    // Each seed is ~150 runs of the binary: 2 seeds under the sanitizers
    // (they took 100 s of the asan run with 6), 6 otherwise.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    constexpr std::uint32_t seeds = 2;
#else
    constexpr std::uint32_t seeds = 6;
#endif
    for (std::uint32_t seed = 0; seed < seeds; ++seed) {
        const std::string text = edge_text(seed);
        const std::string file = dir.write("edge" + std::to_string(seed) + ".log", text);
        const std::string other = dir.write("other.log", edge_text(seed + 100));
        for (const std::string& p : pipelines) {
            INFO("seed " << seed << ": " << p);
            // Two files, one state; a missing file in between is told and skipped.
            const std::vector<std::vector<std::string>> inputs = {{file}, {file, dir.path("missing"), other}};
            for (const std::vector<std::string>& files : inputs) {
                std::vector<std::string> fast_args = {p};
                std::vector<std::string> slow_args = {per_line(p)};
                fast_args.insert(fast_args.end(), files.begin(), files.end());
                slow_args.insert(slow_args.end(), files.begin(), files.end());
                const process_result fast = run_coropipe(fast_args);
                const process_result slow = run_coropipe(slow_args);
                CHECK(fast.out == slow.out);
                CHECK(fast.err == slow.err);
                CHECK(fast.status == slow.status);
            }
            // Standard input: a pipe, read in whatever pieces it gives.
            run_options in;
            in.input = text;
            const process_result fast = run_coropipe({"--line-buffered", p}, in);
            const process_result slow = run_coropipe({per_line(p)}, in);
            CHECK(fast.out == slow.out);
            CHECK(fast.status == slow.status);
        }
    }
}

TEST_CASE("coropipe's fold exits 1 when it writes nothing, and 0 for a final sum of nothing", "[pipelines][coropipe]") {
    run_options in;
    in.input = "no field here\n";
    const process_result none = run_coropipe({"min ms"}, in);
    CHECK(none.out.empty());
    CHECK(none.status == 1);
    const process_result zero = run_coropipe({"sum --final ms"}, in);
    CHECK(zero.out == "0\n");
    CHECK(zero.status == 0);
}

TEST_CASE("coropipe's fold ends quietly with 0 when the reader closes the output pipe", "[pipelines][coropipe]") {
    run_options options;
    options.close_out_after_line = true;
    const process_result r = run_coropipe({"min latency_ms", corpus_path()}, options);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
}
