// The whole-buffer fold of min/max/sum/avg/count over a key=value field
// (detail::field_finder, detail::field_fold, detail::line_blocks) against
// the per-line stages it stands in for (the same pipeline text with the
// fast paths off: `grep`/`prefix` | `min KEY`), on input built to hit its edges: the key
// at the start, middle and end of a line, twice, as the end of a longer key
// (`xlatency_ms=`), inside a value, after a tab or a CR, CRLF lines, no
// final newline, lines longer than a 64 KiB chunk, and numbers with signs,
// decimals, exponents and junk.

#include <coropipe/detail/field_scan.hpp>
#include <coropipe/text_pipeline.hpp>
#include <coropipe/detail/output_buffer.hpp> // to_chars_shortest

#include <coropipe/detail/line_filter.hpp>
#include <coropipe/detail/line_reader.hpp>
#include <coropipe/error.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stages/aggregate.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/prefix.hpp>
#include <coropipe/stages/running_min.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::string_literals;
using coropipe::detail::field_finder;
using coropipe::detail::field_fold;
using coropipe::detail::field_fold_spec;
using coropipe::detail::line_blocks;
using coropipe::detail::line_filter;
using coropipe::detail::line_filter_spec;
using coropipe::detail::line_reader;
using fold_kind = field_fold_spec::kind;
using filter_kind = line_filter_spec::kind;

namespace {

constexpr std::size_t chunk_size = line_reader::chunk_size;

/// The values of the lines of `text` that have `key`, one per line, as
/// field_finder finds them (by whole text, from line to line).
std::vector<std::string> found_values(std::string_view key, std::string_view text) {
    const field_finder finder(key);
    std::vector<std::string> values;
    std::size_t from = 0;
    while (const std::optional<std::string_view> value = finder.next(text, &from)) {
        values.emplace_back(*value);
    }
    CHECK(from == text.size());
    return values;
}

/// The fast path: field_fold over the line_blocks of `in`, filtered.
std::string folded(std::istream& in, const std::vector<line_filter_spec>& filters, const field_fold_spec& spec,
                   std::size_t* written = nullptr) {
    std::string out;
    std::size_t n = 0;
    line_reader reader(in);
    line_blocks blocks(reader);
    const line_filter filter(filters);
    field_fold fold(spec);
    while (const std::optional<std::string_view> block = blocks.next()) {
        n += fold.feed(*block, filter, out);
    }
    n += fold.finish(out);
    if (written != nullptr) {
        *written = n;
    }
    return out;
}

std::string folded(const std::string& text, const std::vector<line_filter_spec>& filters, const field_fold_spec& spec,
                   std::size_t* written = nullptr) {
    std::istringstream in(text);
    return folded(in, filters, spec, written);
}

/// The lines of `text` as line_reader splits them: on '\n' only; a last
/// line without one counts, a final '\n' starts no line.
std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::size_t end = nl == std::string::npos ? text.size() : nl;
        out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

/// The slow path: the same pipeline as pipeline text, run with the fast
/// paths off (every stage line by line, the fold as its per-line stage).
std::string per_line(const std::string& text, const std::vector<line_filter_spec>& filters,
                     const field_fold_spec& spec) {
    std::string pipeline;
    for (const line_filter_spec& f : filters) {
        pipeline += f.what == filter_kind::prefix ? "prefix " : "grep ";
        pipeline += f.invert ? "-v " : "";
        pipeline += f.ignore_case ? "-i " : "";
        pipeline += f.what == filter_kind::regex ? "-E " : "";
        pipeline += "'" + f.pattern + "' | ";
    }
    static constexpr const char* names[] = {"min", "max", "sum", "avg", "count"};
    pipeline += names[static_cast<int>(spec.what)];
    pipeline += spec.final_only ? " --final" : "";
    pipeline += spec.what == fold_kind::count ? "" : " " + spec.key;
    coropipe::text_run run = coropipe::text_pipeline(pipeline, {.fast_paths = false}).start();
    run.feed(text);
    run.finish();
    return run.output();
}

field_fold_spec fold_spec(fold_kind what, std::string key, bool final_only = false) {
    field_fold_spec spec;
    spec.what = what;
    spec.key = std::move(key);
    spec.final_only = final_only;
    return spec;
}

/// Random log-like text around `key`, made to hit the edges.
class text_maker {
public:
    text_maker(std::uint32_t seed, std::string key) : rng_(seed), key_(std::move(key)) {}

    std::string text() {
        std::string out;
        const std::size_t lines = pick(std::array<std::size_t, 6>{0, 1, 3, 40, 400, 3000});
        for (std::size_t i = 0; i < lines; ++i) {
            out += line();
            out += chance(10) ? "\r\n" : "\n";
        }
        if (chance(3)) {
            out += line(); // no final newline
        }
        if (chance(20)) {
            out += "\n\n"; // empty lines at the end
        }
        return out;
    }

private:
    template <class Array>
    typename Array::value_type pick(const Array& a) {
        return a[std::uniform_int_distribution<std::size_t>(0, a.size() - 1)(rng_)];
    }
    bool chance(unsigned one_in) { return std::uniform_int_distribution<unsigned>(1, one_in)(rng_) == 1; }

    std::string number() {
        static const std::array<const char*, 36> numbers = {"0",
                                                            "-0",
                                                            "5",
                                                            "-5",
                                                            "+5",
                                                            "12.5",
                                                            ".5",
                                                            "5.",
                                                            "-.5",
                                                            "1e3",
                                                            "1E-2",
                                                            "2.5e+1",
                                                            "1e400",
                                                            "-1e400",
                                                            "1e-400",
                                                            "12ms",
                                                            "-",
                                                            ".",
                                                            "",
                                                            "inf",
                                                            "nan",
                                                            "0x10",
                                                            "007",
                                                            "1_000",
                                                            "3,5",
                                                            "١",
                                                            "99999",
                                                            "100000",
                                                            "123456789012345",
                                                            "1234567890123456",
                                                            "99999999999999999999999",
                                                            "3.14159265358979323846",
                                                            "-123456.789",
                                                            "42",
                                                            "-42",
                                                            "0.1"};
        if (chance(3)) {
            return std::to_string(std::uniform_int_distribution<int>(-500, 100000)(rng_));
        }
        return pick(numbers);
    }

    std::string word() {
        static const std::array<const char*, 14> words = {
            "INFO",         "ERROR", "error", "t=1", "user=u42", "path=/v1/x", "a_b_c_d_e_f_g_h",
            "____________", "x",     "==",    "=",   "café",     "\x01\xff",   "ms=7"};
        if (chance(4)) {
            std::string w;
            const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 6)(rng_);
            for (std::size_t i = 0; i < n; ++i) {
                w += "akt_ey=ms"[std::uniform_int_distribution<int>(0, 8)(rng_)];
            }
            return w;
        }
        return pick(words);
    }

    std::string field() {
        switch (std::uniform_int_distribution<int>(0, 9)(rng_)) {
        case 0:
            return "x" + key_ + "=" + number(); // a longer key ending in ours
        case 1:
            return "foo=" + key_ + "=" + number(); // inside a value
        case 2:
            return key_.substr(1) + "=" + number(); // a key that ends ours
        case 3:
            return key_ + "=="; // a value that is not a number
        case 4:
            return key_ + "x=" + number();
        default:
            return key_ + "=" + number();
        }
    }

    std::string line() {
        std::string out;
        if (chance(4)) {
            out += field(); // the key at the start of the line
        }
        if (chance(8)) {
            out.insert(0, chance(2) ? "t" : "x");
        }
        const std::size_t parts = std::uniform_int_distribution<std::size_t>(0, 7)(rng_);
        for (std::size_t i = 0; i < parts; ++i) {
            out += pick(std::array<const char*, 7>{" ", " ", " ", "\t", "  ", "\r", ""});
            out += chance(3) ? field() : word();
        }
        if (chance(300)) {
            // Longer than a chunk, the key before, in or after the long part.
            const std::size_t n = std::uniform_int_distribution<std::size_t>(chunk_size / 2, 2 * chunk_size)(rng_);
            std::string filler(n, "ab _="[std::uniform_int_distribution<int>(0, 4)(rng_)]);
            out += " " + filler + (chance(2) ? " " + key_ + "=" + number() : "");
            if (chance(2)) {
                out += " " + key_ + "=" + number();
            }
        }
        return out;
    }

    std::mt19937 rng_;
    std::string key_;
};

} // namespace

// ---- field_finder ----------------------------------------------------------------

TEST_CASE("field_finder finds the first key= at a line start or after a blank, as find_field does",
          "[detail][field_scan]") {
    CHECK(found_values("ms", "ms=1 a\nb ms=2\nb\tms=3 ms=4\n") == std::vector<std::string>{"1", "2", "3"});
    CHECK(found_values("ms", "ms=5") == std::vector<std::string>{"5"});
    CHECK(found_values("ms", "ms=5\r\n") == std::vector<std::string>{"5"});
    CHECK(found_values("ms", "a ms= b\n") == std::vector<std::string>{""});
    CHECK(found_values("ms", "a ms=1\tb\n") == std::vector<std::string>{"1"});
    CHECK(found_values("ms", "").empty());
    CHECK(found_values("ms", "\n\n\n").empty());
}

TEST_CASE("field_finder skips a longer key, a key inside a value, and the second key of a line",
          "[detail][field_scan]") {
    CHECK(found_values("ms", "xms=1\nfoo=ms=2\na\rms=3\nms=4 ms=5\n") == std::vector<std::string>{"4"});
    CHECK(found_values("ms", "xms=1 ms=2\n") == std::vector<std::string>{"2"});
    CHECK(found_values("ab", "aab=1 ab=2 ab=3\nab=4\n") == std::vector<std::string>{"2", "4"});
    // Dense candidates (the scan's byte everywhere) hand over to the searcher.
    const std::string dense = std::string(5000, '_') + " a_b=7\n" + std::string(300, '_') + "\n_ a_b=8";
    CHECK(found_values("a_b", dense) == std::vector<std::string>{"7", "8"});
}

TEST_CASE("field_finder agrees with find_field on every line", "[detail][field_scan]") {
    for (const std::string key : {"latency_ms", "k", "a_long_key_name_beyond_16_bytes", "a=b", "two words"}) {
        for (std::uint32_t seed = 0; seed < 20; ++seed) {
            const std::string text = text_maker(seed, key).text();
            std::vector<std::string> expected;
            for (const std::string& line : split_lines(text)) {
                if (const std::optional<std::string_view> v = coropipe::detail::find_field(line, key + "=")) {
                    expected.emplace_back(*v);
                }
            }
            INFO("key " << key << ", seed " << seed);
            CHECK(found_values(key, text) == expected);
        }
    }
}

TEST_CASE("field_finder finds nothing for a key with a newline, which no line holds", "[detail][field_scan]") {
    CHECK(found_values("a\nb", "a\nb=1\nx a\nb=2\n").empty());
}

TEST_CASE("field_finder and field_fold refuse an empty key", "[detail][field_scan]") {
    CHECK_THROWS_AS(field_finder(""), coropipe::error);
    CHECK_THROWS_AS(field_fold(fold_spec(fold_kind::min, "")), coropipe::error);
    CHECK_NOTHROW(field_fold(fold_spec(fold_kind::count, "")));
}

// ---- field_fold ------------------------------------------------------------------

TEST_CASE("field_fold writes the running value after each line with the field", "[detail][field_scan]") {
    const std::string text = "a ms=10\nno field\nb ms=4\nc ms=x\nd ms=22\ne ms=-1.5\n";
    std::size_t n = 0;
    CHECK(folded(text, {}, fold_spec(fold_kind::min, "ms"), &n) == "10\n4\n4\n-1.5\n");
    CHECK(n == 4);
    CHECK(folded(text, {}, fold_spec(fold_kind::max, "ms")) == "10\n10\n22\n22\n");
    CHECK(folded(text, {}, fold_spec(fold_kind::sum, "ms")) == "10\n14\n36\n34.5\n");
    CHECK(folded(text, {}, fold_spec(fold_kind::avg, "ms")) == "10\n7\n12\n8.625\n");
    CHECK(folded(text, {}, fold_spec(fold_kind::count, "")) == "1\n2\n3\n4\n5\n6\n");
}

TEST_CASE("field_fold with final_only writes only the final value, as the stages do", "[detail][field_scan]") {
    const std::string text = "a ms=10\nb ms=4\nc\n";
    std::size_t n = 0;
    CHECK(folded(text, {}, fold_spec(fold_kind::min, "ms", true), &n) == "4\n");
    CHECK(n == 1);
    CHECK(folded(text, {}, fold_spec(fold_kind::avg, "ms", true)) == "7\n");
    CHECK(folded(text, {}, fold_spec(fold_kind::count, "", true)) == "3\n");
    // Nothing counted: no min or mean of nothing; a sum and a count of 0.
    CHECK(folded("x\n", {}, fold_spec(fold_kind::min, "ms", true), &n).empty());
    CHECK(n == 0);
    CHECK(folded("x\n", {}, fold_spec(fold_kind::avg, "ms", true)).empty());
    CHECK(folded("x\n", {}, fold_spec(fold_kind::sum, "ms", true)) == "0\n");
    CHECK(folded("", {}, fold_spec(fold_kind::count, "", true)) == "0\n");
}

TEST_CASE("field_fold takes only the lines that pass the filter", "[detail][field_scan]") {
    const std::string text = "ERROR ms=5\nINFO ms=1\nERROR ms=9\nERROR no field\n";
    const std::vector<line_filter_spec> errors = {{filter_kind::substring, "ERROR", false, false}};
    CHECK(folded(text, errors, fold_spec(fold_kind::max, "ms")) == "5\n9\n");
    CHECK(folded(text, errors, fold_spec(fold_kind::count, "")) == "1\n2\n3\n");
    const std::vector<line_filter_spec> not_errors = {{filter_kind::substring, "ERROR", true, false}};
    CHECK(folded(text, not_errors, fold_spec(fold_kind::min, "ms", true)) == "1\n");
}

TEST_CASE("field_fold writes the same bytes as the per-line stages on random input", "[detail][field_scan]") {
    const std::array<std::string, 5> keys = {"latency_ms", "k", "x_y", "a_long_key_name_beyond_16_bytes", "ms"};
    const std::array<line_filter_spec, 8> filter_pool = {{
        {filter_kind::substring, "ERROR", false, false},
        {filter_kind::substring, "ERROR", true, false},
        {filter_kind::substring, "error", false, true},
        {filter_kind::prefix, "t", false, false},
        {filter_kind::prefix, "x", true, false},
        {filter_kind::regex, "=[0-9]", false, false},
        {filter_kind::substring, "=", false, false},
        {filter_kind::substring, "_", true, false},
    }};
    const std::array<fold_kind, 5> kinds = {fold_kind::min, fold_kind::max, fold_kind::sum, fold_kind::avg,
                                            fold_kind::count};
    std::mt19937 rng(20261123);
    auto below = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    for (std::uint32_t seed = 0; seed < 1000; ++seed) {
        const std::string& key = keys[below(keys.size())];
        const std::string text = text_maker(seed, key).text();
        std::vector<line_filter_spec> filters;
        for (std::size_t i = below(4); i > 1; --i) { // no filter half the time, else one or two
            filters.push_back(filter_pool[below(filter_pool.size())]);
        }
        if (below(4) == 0) {
            filters.push_back(filter_pool[below(filter_pool.size())]);
        }
        const field_fold_spec spec = fold_spec(kinds[below(kinds.size())], key, below(3) == 0);
        INFO("seed " << seed << ", key " << key << ", kind " << static_cast<int>(spec.what) << ", final "
                     << spec.final_only << ", filters " << filters.size() << ", " << text.size() << " bytes");
        const std::string expected = per_line(text, filters, spec);
        std::size_t written = 0;
        const std::string got = folded(text, filters, spec, &written);
        REQUIRE(got == expected);
        CHECK(written == static_cast<std::size_t>(std::count(expected.begin(), expected.end(), '\n')));
    }
}

TEST_CASE("field_fold keeps its value across inputs", "[detail][field_scan]") {
    // Two files in turn, as the utility reads them: the first without a final
    // newline, whose last line still is a line of its own.
    field_fold fold(fold_spec(fold_kind::min, "ms"));
    std::string out;
    const line_filter all({});
    for (const std::string& text : {"ms=5\nms=3"s, "ms=4\nms=1\n"s}) {
        std::istringstream in(text);
        line_reader reader(in);
        line_blocks blocks(reader);
        while (const std::optional<std::string_view> block = blocks.next()) {
            fold.feed(*block, all, out);
        }
    }
    fold.finish(out);
    CHECK(out == "5\n3\n3\n1\n");
}

// ---- line_blocks -----------------------------------------------------------------

TEST_CASE("line_blocks gives whole lines that add up to the input, with long lines and no final newline",
          "[detail][field_scan]") {
    const std::string long_line(3 * chunk_size + 17, 'x');
    std::string text;
    for (int i = 0; i < 20000; ++i) {
        text += "line " + std::to_string(i) + (i % 7 == 0 ? "\r\n" : "\n");
        if (i == 9000) {
            text += long_line + "\n";
        }
    }
    text += "last";
    // A real file, read with read(2) in 64 KiB chunks.
    const fs::path path = fs::temp_directory_path() / ("coropipe-field-scan-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
    std::string joined;
    std::size_t blocks_seen = 0;
    {
        line_reader reader(path);
        line_blocks blocks(reader);
        while (const std::optional<std::string_view> block = blocks.next()) {
            ++blocks_seen;
            REQUIRE(!block->empty());
            // Whole lines: only the very last block may end without '\n'.
            if (block->back() != '\n') {
                CHECK(joined.size() + block->size() == text.size());
            }
            joined += *block;
        }
        CHECK_FALSE(blocks.next().has_value());
    }
    fs::remove(path);
    CHECK(joined == text);
    CHECK(blocks_seen > text.size() / (2 * chunk_size));
}

TEST_CASE("line_blocks of an empty input is empty", "[detail][field_scan]") {
    std::istringstream in("");
    line_reader reader(in);
    line_blocks blocks(reader);
    CHECK_FALSE(blocks.next().has_value());
}
