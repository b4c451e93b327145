// Which engine finds the lines of a log buffer that match an alternation of
// literals (`error|fail`) fastest, all in one run (issue 13):
//
// - line_filter/hyperscan: coropipe's whole-buffer path for `grep -E`
//   (lib/hyperscan_lines.cpp: Hyperscan in block mode over each buffer, the
//   ERE translated by lib/ere.cpp);
// - line_filter/re2: the same with RE2 in multi-line mode (its fallback);
// - hyperscan_literals: Hyperscan's literal API (hs_compile_lit_multi, one
//   literal per alternative: Teddy, FDR), the same line-noting callback;
// - hyperscan_pattern: Hyperscan compiling the alternation as written
//   (`error|fail`, not the translator's `err(?:or)?|...`-style merged form);
// - memchr_each: substring_searcher once per literal, the lines merged;
// - per_line/regex_matcher and per_line/re2: one line at a time, as the
//   per-line grep -E stage and where's ~ match: coropipe's regex_matcher
//   (Hyperscan, one scan per line) and RE2 on each line.
//
// The buffer is a generated log (some 6 MB, in 64 KiB regions cut at line
// ends as line_scanner cuts them); every figure counts the lines found, and
// all variants of a pattern must find the same number (a variant that does
// not is reported as an error).
//
// Run: build/release/bench/bench_regex_engines (see docs/BENCHMARKS.md).
#include <coropipe/detail/line_filter.hpp>
#include <coropipe/detail/regex.hpp>
#include <coropipe/detail/search.hpp>

#include <benchmark/benchmark.h>

#include <hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using coropipe::detail::line_filter;
using coropipe::detail::line_filter_spec;
using coropipe::detail::regex_matcher;
using coropipe::detail::substring_searcher;

// ---- the buffer -----------------------------------------------------------------

std::string make_log(std::size_t lines) {
    std::mt19937 rng(13);
    const char* levels[] = {"INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
    const char* messages[] = {"request served path=/v1/items/",
                              "cache miss key=session:",
                              "user login ok ",
                              "retrying upstream attempt=",
                              "GC pause ",
                              "disk usage ",
                              "connection reset by peer ",
                              "upstream timeout after ",
                              "db: query failed ",
                              "job failed, will retry ",
                              "an error occurred in handler "};
    constexpr std::size_t message_weights[] = {40, 15, 10, 5, 5, 5, 4, 4, 2, 2, 1};
    std::discrete_distribution<std::size_t> message(std::begin(message_weights), std::end(message_weights));
    std::string text;
    for (std::size_t i = 0; i < lines; ++i) {
        text += "2026-11-23T10:";
        text += std::to_string(10 + rng() % 50) + ":" + std::to_string(10 + rng() % 50) + ".123Z web-0";
        text += std::to_string(rng() % 10) + " api[" + std::to_string(rng() % 65536) + "]: ";
        text += levels[rng() % 10];
        text += ' ';
        text += messages[message(rng)];
        text += std::to_string(rng() % 100000) + " latency_ms=" + std::to_string(rng() % 900) + " user=u" +
                std::to_string(rng() % 10000) + "\n";
    }
    return text;
}

const std::string& log_text() {
    static const std::string text = make_log(60000);
    return text;
}

// The buffer in ~64 KiB regions of whole lines.
const std::vector<std::string_view>& regions() {
    static const std::vector<std::string_view> cut = [] {
        std::vector<std::string_view> out;
        const std::string& text = log_text();
        for (std::size_t from = 0; from < text.size();) {
            std::size_t end = std::min(text.size(), from + 64 * 1024);
            end = text.rfind('\n', end - 1) + 1;
            if (end <= from) {
                end = text.find('\n', from) + 1;
            }
            out.emplace_back(text.data() + from, end - from);
            from = end;
        }
        return out;
    }();
    return cut;
}

std::vector<std::string> alternatives(const std::string& pattern) {
    std::vector<std::string> out;
    for (std::size_t from = 0;;) {
        const std::size_t bar = pattern.find('|', from);
        out.push_back(pattern.substr(from, bar - from));
        if (bar == std::string::npos) {
            return out;
        }
        from = bar + 1;
    }
}

// Reports the throughput and the lines found, which must be what the first
// variant of the same pattern found.
void finish(benchmark::State& state, const std::string& pattern, std::size_t found) {
    static std::map<std::string, std::size_t> first;
    const auto [at, inserted] = first.emplace(pattern, found);
    if (!inserted && at->second != found) {
        state.SkipWithError("found another number of lines than the first variant");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * log_text().size()));
    state.counters["lines_found"] = static_cast<double>(found);
}

// ---- coropipe's line_filter ---------------------------------------------------------

void line_filter_lines(benchmark::State& state, const std::string& pattern, bool use_hyperscan) {
    const line_filter filter({{line_filter_spec::kind::regex, pattern}}, use_hyperscan);
    std::size_t found = 0;
    for (auto _ : state) {
        found = 0;
        for (const std::string_view region : regions()) {
            line_filter::cursor c(filter, region);
            while (c.next()) {
                ++found;
            }
        }
        benchmark::DoNotOptimize(found);
    }
    finish(state, pattern, found);
}

// ---- Hyperscan directly ---------------------------------------------------------------

struct notes {
    const char* text;
    std::size_t size;
    std::size_t line_end = 0; // the end of the last line noted (its '\n' + 1)
    std::size_t count = 0;
};

int note_line(unsigned, unsigned long long, unsigned long long to, unsigned, void* context) {
    notes& n = *static_cast<notes*>(context);
    if (to < n.line_end) {
        return 0;
    }
    const void* nl = std::memchr(n.text + to, '\n', n.size - to);
    n.line_end = nl == nullptr ? n.size : static_cast<std::size_t>(static_cast<const char*>(nl) - n.text) + 1;
    ++n.count;
    return 0;
}

struct hyperscan_db {
    hs_database_t* database = nullptr;
    hs_scratch_t* scratch = nullptr;
    ~hyperscan_db() {
        hs_free_scratch(scratch);
        hs_free_database(database);
    }
};

void hyperscan_lines(benchmark::State& state, const std::string& pattern, bool literal_api) {
    hyperscan_db db;
    hs_compile_error_t* error = nullptr;
    hs_error_t rc = HS_SUCCESS;
    if (literal_api) {
        const std::vector<std::string> literals = alternatives(pattern);
        std::vector<const char*> expressions;
        std::vector<std::size_t> lengths;
        for (const std::string& l : literals) {
            expressions.push_back(l.c_str());
            lengths.push_back(l.size());
        }
        const std::vector<unsigned> flags(literals.size(), 0);
        const std::vector<unsigned> ids(literals.size(), 0);
        rc = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                                  static_cast<unsigned>(literals.size()), HS_MODE_BLOCK, nullptr, &db.database, &error);
    } else {
        rc = hs_compile(pattern.c_str(), HS_FLAG_MULTILINE, HS_MODE_BLOCK, nullptr, &db.database, &error);
    }
    if (rc != HS_SUCCESS || hs_alloc_scratch(db.database, &db.scratch) != HS_SUCCESS) {
        state.SkipWithError("Hyperscan did not compile the pattern");
        hs_free_compile_error(error);
        return;
    }
    std::size_t found = 0;
    for (auto _ : state) {
        found = 0;
        for (const std::string_view region : regions()) {
            notes n{region.data(), region.size()};
            hs_scan(db.database, region.data(), static_cast<unsigned>(region.size()), 0, db.scratch, note_line, &n);
            found += n.count;
        }
        benchmark::DoNotOptimize(found);
    }
    finish(state, pattern, found);
}

// ---- memchr-based search, once per literal -------------------------------------------

void memchr_each(benchmark::State& state, const std::string& pattern) {
    std::vector<substring_searcher> searchers;
    for (const std::string& l : alternatives(pattern)) {
        searchers.emplace_back(l);
    }
    std::vector<std::size_t> starts;
    std::size_t found = 0;
    for (auto _ : state) {
        found = 0;
        for (const std::string_view region : regions()) {
            starts.clear();
            for (const substring_searcher& s : searchers) {
                for (std::size_t from = 0;;) {
                    const std::size_t at = s.find(region.substr(from));
                    if (at == substring_searcher::npos) {
                        break;
                    }
                    const std::size_t hit = from + at;
                    const std::size_t begin = region.rfind('\n', hit) + 1; // npos + 1 == 0
                    starts.push_back(begin);
                    const std::size_t nl = region.find('\n', hit);
                    from = nl == std::string_view::npos ? region.size() : nl + 1;
                }
            }
            std::sort(starts.begin(), starts.end());
            found += static_cast<std::size_t>(std::unique(starts.begin(), starts.end()) - starts.begin());
        }
        benchmark::DoNotOptimize(found);
    }
    finish(state, pattern, found);
}

// ---- one line at a time ---------------------------------------------------------------

const std::vector<std::string_view>& log_lines() {
    static const std::vector<std::string_view> lines = [] {
        std::vector<std::string_view> out;
        const std::string& text = log_text();
        for (std::size_t from = 0; from < text.size();) {
            const std::size_t nl = text.find('\n', from);
            out.emplace_back(text.data() + from, nl - from);
            from = nl + 1;
        }
        return out;
    }();
    return lines;
}

// regex_matcher (the per-line grep -E stage, where's ~): Hyperscan, one scan per line.
void per_line_matcher(benchmark::State& state, const std::string& pattern) {
    const regex_matcher matcher(pattern, false);
    std::size_t found = 0;
    for (auto _ : state) {
        found = 0;
        for (const std::string_view line : log_lines()) {
            found += matcher(line) ? 1 : 0;
        }
        benchmark::DoNotOptimize(found);
    }
    finish(state, pattern, found);
}

// RE2 on each line, as regex_matcher did before Hyperscan.
void per_line_re2(benchmark::State& state, const std::string& pattern) {
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    const RE2 re(pattern, o);
    std::size_t found = 0;
    for (auto _ : state) {
        found = 0;
        for (const std::string_view line : log_lines()) {
            found += re.Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED, nullptr, 0)
                         ? 1
                         : 0;
        }
        benchmark::DoNotOptimize(found);
    }
    finish(state, pattern, found);
}

const std::vector<std::string> patterns{"error|fail", "ERROR|FATAL|WARN", "timeout|refused|reset|declined"};

[[maybe_unused]] const bool registered = [] {
    for (const std::string& p : patterns) {
        benchmark::RegisterBenchmark(("line_filter/hyperscan/" + p).c_str(),
                                     [p](benchmark::State& s) { line_filter_lines(s, p, true); });
        benchmark::RegisterBenchmark(("line_filter/re2/" + p).c_str(),
                                     [p](benchmark::State& s) { line_filter_lines(s, p, false); });
        benchmark::RegisterBenchmark(("hyperscan_literals/" + p).c_str(),
                                     [p](benchmark::State& s) { hyperscan_lines(s, p, true); });
        benchmark::RegisterBenchmark(("hyperscan_pattern/" + p).c_str(),
                                     [p](benchmark::State& s) { hyperscan_lines(s, p, false); });
        benchmark::RegisterBenchmark(("memchr_each/" + p).c_str(), [p](benchmark::State& s) { memchr_each(s, p); });
        benchmark::RegisterBenchmark(("per_line/regex_matcher/" + p).c_str(),
                                     [p](benchmark::State& s) { per_line_matcher(s, p); });
        benchmark::RegisterBenchmark(("per_line/re2/" + p).c_str(), [p](benchmark::State& s) { per_line_re2(s, p); });
    }
    return true;
}();

} // namespace

BENCHMARK_MAIN();
