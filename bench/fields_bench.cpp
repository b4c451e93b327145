// FIELD lookups and `where` per log line, each next to its peers in the
// same run:
//
// 1. A JSON field (`.latency_ms`, `.level`, `.req.path`) with
//    `field_ref::find` against simdjson On-Demand used directly (the same
//    padded copy and `find_field_unordered`: the floor for any On-Demand
//    lookup) and against grep -F's search for `"latency_ms":` in the line
//    (no JSON parsing at all, not equivalent: the floor for any lookup).
// 2. A logfmt field (`latency_ms`) with `field_ref::find` against the
//    existing `detail::find_field` it is built on.
// 3. `where`: `latency_ms > 500` on logfmt lines, `.level == "ERROR" and
//    .status >= 500` on JSON lines (1 line in 64 is an ERROR), per line,
//    per line behind `admits`, and as a planner would run it over a buffer:
//    a grep -F search for the prefilter's first literal, `admits` and
//    `matches` on the lines around its hits only; against that search alone.
// 4. `number::parse` against `detail::parse_number` (a double).
//
// The lines are one synthetic service log, 4096 lines of 180-260 bytes,
// written both as JSON and as logfmt with the same content.
//
// Run: build/release/bench/bench_fields_bench (see docs/BENCHMARKS.md).
// The `per_line` counter is seconds per line (58n = 58 ns).
#include <coropipe/detail/search.hpp>
#include <coropipe/field_ref.hpp>
#include <coropipe/number.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/where_expr.hpp>

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t line_count = 4096;

struct corpus {
    std::vector<std::string> json;
    std::vector<std::string> logfmt;
    std::vector<std::string> numbers;
};

const corpus& lines() {
    static const corpus c = [] {
        corpus out;
        std::mt19937 rng(42);
        auto below = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
        const char* const levels[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN"};
        const char* const paths[] = {"/api/v1/users", "/api/v1/orders/42", "/health", "/static/app.js",
                                     "/api/v2/search?q=a+b"};
        for (std::size_t i = 0; i < line_count; ++i) {
            const std::string level = i % 64 == 0 ? "ERROR" : levels[below(5)];
            const std::string path = paths[below(5)];
            const std::uint32_t status = level == "ERROR" ? 500 + below(4) : (below(10) == 0 ? 404 : 200);
            const std::uint32_t latency = below(1000);
            const std::uint32_t bytes = below(100000);
            const std::string ts = "2026-11-23T10:15:" + std::to_string(10 + i % 50) + ".123Z";
            const std::string user = "u" + std::to_string(below(5000));
            out.json.push_back(R"({"ts":")" + ts + R"(","level":")" + level + R"(","host":"web-14",)" +
                               R"("req":{"method":"GET","path":")" + path + R"("},"status":)" + std::to_string(status) +
                               R"(,"latency_ms":)" + std::to_string(latency) + R"(,"bytes":)" + std::to_string(bytes) +
                               R"(,"user":")" + user + R"(","msg":"request served"})");
            out.logfmt.push_back("ts=" + ts + " level=" + level + " host=web-14 method=GET path=" + path +
                                 " status=" + std::to_string(status) + " latency_ms=" + std::to_string(latency) +
                                 " bytes=" + std::to_string(bytes) + " user=" + user + " msg=\"request served\"");
            out.numbers.push_back(i % 4 == 0 ? std::to_string(latency) + "." + std::to_string(bytes % 1000)
                                             : std::to_string(latency));
        }
        return out;
    }();
    return c;
}

void set_rate(benchmark::State& st) {
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(line_count));
    st.counters["per_line"] = benchmark::Counter(
        static_cast<double>(line_count), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---- 1. a JSON field -----------------------------------------------------------------

void json_field_ref(benchmark::State& st, const char* path) {
    const coropipe::field_ref field = coropipe::field_ref::parse(path);
    coropipe::field_scratch scratch;
    std::size_t found = 0;
    for (auto _ : st) {
        for (const std::string& line : lines().json) {
            const std::optional<coropipe::field_value> v = field.find(line, scratch);
            found += v ? v->text.size() : 0;
        }
    }
    benchmark::DoNotOptimize(found);
    set_rate(st);
}
BENCHMARK_CAPTURE(json_field_ref, latency_ms, ".latency_ms");
BENCHMARK_CAPTURE(json_field_ref, level, ".level");
BENCHMARK_CAPTURE(json_field_ref, req_path, ".req.path");

// simdjson On-Demand by hand: the same copy into a padded buffer, then
// doc["latency_ms"] (find_field_unordered) and its raw token.
void json_simdjson_direct(benchmark::State& st) {
    simdjson::ondemand::parser parser;
    const std::size_t capacity = 4096;
    const std::unique_ptr<char[]> padded(new char[capacity]);
    std::size_t found = 0;
    for (auto _ : st) {
        for (const std::string& line : lines().json) {
            std::memcpy(padded.get(), line.data(), line.size());
            std::memset(padded.get() + line.size(), ' ', simdjson::SIMDJSON_PADDING);
            simdjson::ondemand::document doc;
            if (parser.iterate(padded.get(), line.size(), capacity).get(doc) != simdjson::SUCCESS) {
                continue;
            }
            simdjson::ondemand::value v;
            if (doc.find_field_unordered("latency_ms").get(v) == simdjson::SUCCESS) {
                found += v.raw_json_token().size();
            }
        }
    }
    benchmark::DoNotOptimize(found);
    set_rate(st);
}
BENCHMARK(json_simdjson_direct);

// No JSON at all: grep -F's search for "latency_ms": and the digits after it.
void json_substring_scan(benchmark::State& st) {
    const coropipe::detail::substring_searcher key(R"("latency_ms":)");
    std::size_t found = 0;
    for (auto _ : st) {
        for (const std::string& line : lines().json) {
            const std::size_t at = key.find(line);
            if (at != std::string_view::npos) {
                std::size_t end = at + 13;
                while (end < line.size() && line[end] >= '0' && line[end] <= '9') {
                    ++end;
                }
                found += end - at;
            }
        }
    }
    benchmark::DoNotOptimize(found);
    set_rate(st);
}
BENCHMARK(json_substring_scan);

// ---- 2. a logfmt field ----------------------------------------------------------------

void logfmt_field_ref(benchmark::State& st) {
    const coropipe::field_ref field = coropipe::field_ref::parse("latency_ms");
    coropipe::field_scratch scratch;
    std::size_t found = 0;
    for (auto _ : st) {
        for (const std::string& line : lines().logfmt) {
            const std::optional<coropipe::field_value> v = field.find(line, scratch);
            found += v ? v->text.size() : 0;
        }
    }
    benchmark::DoNotOptimize(found);
    set_rate(st);
}
BENCHMARK(logfmt_field_ref);

void logfmt_find_field(benchmark::State& st) {
    std::size_t found = 0;
    for (auto _ : st) {
        for (const std::string& line : lines().logfmt) {
            const std::optional<std::string_view> v = coropipe::detail::find_field(line, "latency_ms=");
            found += v ? v->size() : 0;
        }
    }
    benchmark::DoNotOptimize(found);
    set_rate(st);
}
BENCHMARK(logfmt_find_field);

// ---- 3. where -----------------------------------------------------------------------

void where_matches(benchmark::State& st, const char* expr, bool json, bool prefilter) {
    const coropipe::where_expr e = coropipe::where_expr::parse(expr);
    coropipe::where_expr::scratch scratch;
    const std::vector<std::string>& input = json ? lines().json : lines().logfmt;
    std::size_t passed = 0;
    for (auto _ : st) {
        for (const std::string& line : input) {
            passed += (!prefilter || e.admits(line)) && e.matches(line, scratch) ? 1 : 0;
        }
    }
    benchmark::DoNotOptimize(passed);
    set_rate(st);
    st.counters["passed"] = static_cast<double>(passed) / static_cast<double>(st.iterations());
}
BENCHMARK_CAPTURE(where_matches, logfmt_latency, "latency_ms > 500", false, false);
BENCHMARK_CAPTURE(where_matches, logfmt_level_status, R"(level == "ERROR" and status >= 500)", false, false);
BENCHMARK_CAPTURE(where_matches, logfmt_level_status_prefiltered, R"(level == "ERROR" and status >= 500)", false, true);
BENCHMARK_CAPTURE(where_matches, json_latency, ".latency_ms > 500", true, false);
BENCHMARK_CAPTURE(where_matches, json_level_status, R"(.level == "ERROR" and .status >= 500)", true, false);
BENCHMARK_CAPTURE(where_matches, json_level_status_prefiltered, R"(.level == "ERROR" and .status >= 500)", true, true);
BENCHMARK_CAPTURE(where_matches, json_path_regex, R"(.req.path ~ "^/api/v[12]/")", true, false);

// What a planner does with the prefilter: the lines joined in one buffer
// (as a line reader holds them), searched for the first literal with
// substring_searcher (grep -F's search); only the lines around a hit are
// cut out and tested with admits() and matches(). `\u` is searched once
// per buffer: with none, the literals are exact.
const std::string& joined(bool json) {
    static const auto join = [](const std::vector<std::string>& v) {
        std::string out;
        for (const std::string& line : v) {
            out += line;
            out += '\n';
        }
        return out;
    };
    static const std::string json_text = join(lines().json);
    static const std::string logfmt_text = join(lines().logfmt);
    return json ? json_text : logfmt_text;
}

void where_buffer(benchmark::State& st, const char* expr, bool json) {
    const coropipe::where_expr e = coropipe::where_expr::parse(expr);
    coropipe::where_expr::scratch scratch;
    const std::string& text = joined(json);
    const coropipe::detail::substring_searcher first(e.prefilter().literals.at(0));
    std::size_t passed = 0;
    for (auto _ : st) {
        if (e.prefilter().json_escapes && text.find("\\u") != std::string::npos) {
            st.SkipWithError("the corpus has \\u escapes");
            break;
        }
        for (std::size_t pos = 0; pos < text.size();) {
            const std::size_t hit = first.find(std::string_view(text).substr(pos));
            if (hit == coropipe::detail::substring_searcher::npos) {
                break;
            }
            const std::size_t at = pos + hit;
            const std::size_t begin = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
            const std::size_t end = text.find('\n', at);
            const std::string_view line = std::string_view(text).substr(begin, end - begin);
            passed += e.admits(line) && e.matches(line, scratch) ? 1 : 0;
            pos = end + 1;
        }
    }
    benchmark::DoNotOptimize(passed);
    set_rate(st);
    st.counters["passed"] = static_cast<double>(passed) / static_cast<double>(st.iterations());
}
BENCHMARK_CAPTURE(where_buffer, logfmt_level_status, R"(level == "ERROR" and status >= 500)", false);
BENCHMARK_CAPTURE(where_buffer, json_level_status, R"(.level == "ERROR" and .status >= 500)", true);

// The floor: grep -F's search alone for the same literal, one hit per match.
void grep_buffer(benchmark::State& st, const char* literal, bool json) {
    const std::string& text = joined(json);
    const coropipe::detail::substring_searcher searcher(literal);
    std::size_t hits = 0;
    for (auto _ : st) {
        for (std::size_t pos = 0; pos < text.size();) {
            const std::size_t hit = searcher.find(std::string_view(text).substr(pos));
            if (hit == coropipe::detail::substring_searcher::npos) {
                break;
            }
            ++hits;
            pos += hit + 1;
        }
    }
    benchmark::DoNotOptimize(hits);
    set_rate(st);
}
BENCHMARK_CAPTURE(grep_buffer, logfmt_ERROR, "ERROR", false);
BENCHMARK_CAPTURE(grep_buffer, json_level_ERROR, R"("level":"ERROR")", true);

// ---- 4. numbers ------------------------------------------------------------------------

void number_parse(benchmark::State& st) {
    coropipe::number sum;
    for (auto _ : st) {
        for (const std::string& text : lines().numbers) {
            if (const std::optional<coropipe::number> n = coropipe::number::parse(text)) {
                sum += *n;
            }
        }
    }
    benchmark::DoNotOptimize(sum);
    set_rate(st);
}
BENCHMARK(number_parse);

void parse_number_double(benchmark::State& st) {
    double sum = 0;
    for (auto _ : st) {
        for (const std::string& text : lines().numbers) {
            sum += coropipe::detail::parse_number(text).value_or(0);
        }
    }
    benchmark::DoNotOptimize(sum);
    set_rate(st);
}
BENCHMARK(parse_number_double);

} // namespace

BENCHMARK_MAIN();
