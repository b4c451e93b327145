// The whole-buffer fast path of grep and prefix (detail::line_filter,
// detail::line_scanner, `lines(...) | grep(...)`) against the per-line
// stages, on input built to hit its edges: matches across 64 KiB chunks,
// lines longer than a chunk, no final newline, CRLF, NUL bytes, empty lines.

#include <coropipe/detail/line_filter.hpp>

#include <coropipe/detail/line_reader.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/prefix.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::string_literals;
using coropipe::grep;
using coropipe::grep_options;
using coropipe::lines;
using coropipe::prefix;
using coropipe::detail::line_filter;
using coropipe::detail::line_filter_spec;
using coropipe::detail::line_reader;
using coropipe::detail::line_scanner;
using coropipe::test::collect;
using kind = line_filter_spec::kind;

namespace {

constexpr std::size_t chunk_size = line_reader::chunk_size;

/// A real file in the temp directory, removed at scope exit.
struct temp_file {
    fs::path path;
    explicit temp_file(std::string_view content) {
        static int n = 0;
        path = fs::temp_directory_path() /
               ("coropipe-fast-grep-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".txt");
        std::ofstream(path, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() {
        std::error_code ignored;
        fs::remove(path, ignored);
    }
};

/// The lines of `text` as `lines()` splits them: on '\n' only, a last line
/// without '\n' kept, nothing for empty input.
std::vector<std::string> split(std::string_view text) {
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from < text.size()) {
        const std::size_t nl = text.find('\n', from);
        if (nl == std::string_view::npos) {
            out.emplace_back(text.substr(from));
            break;
        }
        out.emplace_back(text.substr(from, nl - from));
        from = nl + 1;
    }
    return out;
}

/// The per-line stage for `spec`: what the fast path must agree with.
coropipe::stage<std::string_view> stage_for(const line_filter_spec& spec) {
    switch (spec.what) {
    case kind::prefix:
        return spec.invert ? prefix(spec.pattern, coropipe::invert) : prefix(spec.pattern);
    case kind::regex:
        return grep(spec.pattern, grep_options{.invert = spec.invert, .ignore_case = spec.ignore_case, .regex = true});
    case kind::substring:
        break;
    }
    return grep(spec.pattern, grep_options{.invert = spec.invert, .ignore_case = spec.ignore_case});
}

/// The lines of `text` that pass every spec, one stage per spec, line by line.
std::vector<std::string> per_line(std::string_view text, const std::vector<line_filter_spec>& specs) {
    std::vector<std::string> kept = split(text);
    for (const line_filter_spec& spec : specs) {
        std::vector<std::string_view> views(kept.begin(), kept.end());
        kept = collect(views | stage_for(spec));
    }
    return kept;
}

/// The same through the scanner, reading `text` from a stream in 64 KiB
/// chunks; a regex searched with Hyperscan, or RE2 (`use_hyperscan` false).
std::vector<std::string> scanned(const std::string& text, const std::vector<line_filter_spec>& specs,
                                 bool use_hyperscan = true) {
    std::istringstream in(text);
    line_reader reader(in);
    const line_filter filter(specs, use_hyperscan);
    line_scanner scan(reader, filter);
    std::vector<std::string> out;
    while (std::optional<std::string_view> line = scan.next()) {
        out.emplace_back(*line);
    }
    return out;
}

/// The runs of `next_run`, split back into lines.
std::vector<std::string> scanned_runs(const std::string& text, const std::vector<line_filter_spec>& specs,
                                      std::size_t* total = nullptr) {
    std::istringstream in(text);
    line_reader reader(in);
    const line_filter filter(specs);
    line_scanner scan(reader, filter);
    std::string joined;
    std::size_t n = 0;
    std::size_t count = 0;
    while (std::optional<std::string_view> run = scan.next_run(&count)) {
        joined.append(*run);
        if (run->back() != '\n') {
            joined += '\n';
        }
        n += count;
    }
    if (total != nullptr) {
        *total = n;
    }
    return split(joined);
}

/// Random log-like text over a few words, with what trips a buffer search:
/// CRLF, NUL, empty lines, a line longer than a chunk, bytes >= 0x80.
std::string tricky_text(unsigned seed, std::size_t size, bool final_newline) {
    std::mt19937 rng(seed);
    const std::vector<std::string> words{"ERROR", "error", "ErRoR", "x",   "ab",    "\r",   "\0"s, "ERR",
                                         "OR",    " ",     "Q",     "\xff", "\xc3\xa9", "a\rb", "xx", "E"};
    std::string text;
    while (text.size() < size) {
        const auto r = rng() % 100;
        if (r < 10) {
            text += '\n'; // an empty line (or the end of one)
            continue;
        }
        if (r < 11) {
            // One line longer than a chunk, a word at each end.
            text += words[rng() % words.size()];
            text.append(chunk_size + rng() % chunk_size, 'z');
            text += words[rng() % words.size()];
            text += '\n';
            continue;
        }
        const std::size_t n = 1 + rng() % 12;
        for (std::size_t i = 0; i < n; ++i) {
            text += words[rng() % words.size()];
        }
        text += '\n';
    }
    if (!final_newline) {
        while (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        text += "ERROR at the very end";
    }
    return text;
}

const std::vector<std::vector<line_filter_spec>> filter_table{
    {},
    {{kind::substring, "ERROR"}},
    {{kind::substring, "E"}},
    {{kind::substring, "ERROR", true}},
    {{kind::substring, "error", false, true}},
    {{kind::substring, "error", true, true}},
    {{kind::substring, "\r"}},
    {{kind::substring, "\0"s}},
    {{kind::substring, ""}},
    {{kind::substring, "", true}},
    {{kind::substring, "R\nE"}},
    {{kind::substring, "R\nE", true}},
    {{kind::substring, "zzzzzzzzzzzzzzzzERROR"}},
    {{kind::prefix, "ERR"}},
    {{kind::prefix, "ERR", true}},
    {{kind::prefix, "\r"}},
    {{kind::prefix, ""}},
    {{kind::prefix, "x\n"}},
    {{kind::regex, "ERR(OR)?$"}},
    {{kind::regex, "^E"}},
    {{kind::regex, "^$"}},
    {{kind::regex, "^$", true}},
    {{kind::regex, "R\\b"}},
    {{kind::regex, "[^x]Q"}},
    {{kind::regex, "x*"}},
    {{kind::regex, "\\<E"}},
    {{kind::regex, "R\\>"}},
    {{kind::regex, "\\bx\\b|\\Bb"}},
    {{kind::regex, "(^|x)E"}},
    {{kind::regex, "R.E"}},
    {{kind::regex, "[[:space:]]$"}},
    {{kind::regex, "\\`E|R\\'"}},
    {{kind::regex, "error", false, true}},
    {{kind::regex, "ERROR|xx", false, true}},
    {{kind::regex, "e?r+o", true, true}},
    {{kind::regex, "Q", true}},
    {{kind::regex, "^ERR"}},
    {{kind::regex, "ERR"}},
    {{kind::regex, "E\nQ"}},
    {{kind::regex, "a|"}},
    {{kind::regex, "a|", true}},
    {{kind::regex, "\\< "}},
    {{kind::regex, "\\< ", true}},
    {{kind::regex, "[^x]*"}},
    {{kind::substring, "ERROR"}, {kind::prefix, "x", true}},
    {{kind::substring, "ERROR", true}, {kind::substring, "E"}},
    {{kind::substring, "ab", true}, {kind::prefix, "E", true}},
    {{kind::regex, "R$"}, {kind::substring, "error", false, true}},
    {{kind::regex, "R$", true}, {kind::regex, "^x|E.R"}},
    {{kind::regex, "[0-9]|E", true}, {kind::prefix, "E", true}},
};

std::string describe(const std::vector<line_filter_spec>& specs) {
    std::string s;
    for (const line_filter_spec& spec : specs) {
        s += (spec.what == kind::prefix ? "prefix" : spec.what == kind::regex ? "grep -E" : "grep");
        s += spec.invert ? " -v" : "";
        s += spec.ignore_case ? " -i" : "";
        s += " '" + spec.pattern + "' | ";
    }
    return s;
}

} // namespace

// ---- line_filter on one buffer ------------------------------------------------

TEST_CASE("line_filter finds the matching lines of a buffer without the others", "[detail][line_filter]") {
    const line_filter filter({{kind::substring, "ERROR"}});
    const std::string text = "ok\nan ERROR here\nfine\nERROR\n\nlast ERROR";
    line_filter::cursor c(filter, text);
    CHECK(c.next() == "an ERROR here");
    CHECK(c.next() == "ERROR");
    CHECK(c.next() == "last ERROR");
    CHECK_FALSE(c.next());
    CHECK(c.position() == text.size());
}

TEST_CASE("line_filter finds matches at the very start and end of a buffer", "[detail][line_filter]") {
    const line_filter filter({{kind::substring, "ab"}});
    line_filter::cursor c(filter, "ab\nxx\nab\n");
    CHECK(c.next() == "ab");
    CHECK(c.next() == "ab");
    CHECK_FALSE(c.next());
    const line_filter starts({{kind::prefix, "ab"}});
    line_filter::cursor p(starts, "ab\nxab\nab");
    CHECK(p.next() == "ab");
    CHECK(p.next() == "ab");
    CHECK_FALSE(p.next());
}

TEST_CASE("line_filter keeps CR, NUL and invalid UTF-8 inside the lines it passes", "[detail][line_filter]") {
    const line_filter filter({{kind::substring, "\0x"s}});
    const std::string text = "a\0x\r\nb\r\n\xff\0x\n"s;
    line_filter::cursor c(filter, text);
    CHECK(c.next() == "a\0x\r"s);
    CHECK(c.next() == "\xff\0x"s);
    CHECK_FALSE(c.next());
}

TEST_CASE("line_filter never lets a match cross a newline", "[detail][line_filter]") {
    const line_filter plain({{kind::substring, "b\na"}});
    line_filter::cursor c(plain, "ab\nab\n");
    CHECK_FALSE(c.next());
    const line_filter regex({{kind::regex, "b.a|b\\sa|b[^x]a"}});
    line_filter::cursor r(regex, "ab\nab\nbya\n");
    CHECK(r.next() == "bya");
    CHECK_FALSE(r.next());
}

TEST_CASE("line_filter passes every line without specs, and tells so", "[detail][line_filter]") {
    const line_filter all({});
    CHECK(all.passes_all());
    CHECK(all.passes("anything"));
    CHECK_FALSE(line_filter({{kind::substring, "x"}}).passes_all());
    CHECK(line_filter({{kind::substring, ""}}).passes_all());
    const line_filter none({{kind::substring, "", true}});
    CHECK_FALSE(none.passes(""));
    line_filter::cursor c(none, "a\nb\n");
    CHECK_FALSE(c.next());
}

TEST_CASE("building a line_filter with an invalid regex throws coropipe::error", "[detail][line_filter]") {
    CHECK_THROWS_AS(line_filter({{kind::regex, "a("}}), coropipe::error);
}

// ---- the scanner against the per-line stages -----------------------------------

TEST_CASE("the scanner passes exactly the lines the per-line stages pass", "[detail][line_filter]") {
    const unsigned seed = GENERATE(1u, 2u, 3u);
    const bool final_newline = GENERATE(true, false);
    const std::string text = tricky_text(seed, 5 * chunk_size / 2, final_newline);
    for (const std::vector<line_filter_spec>& specs : filter_table) {
        INFO(describe(specs) << " seed " << seed << (final_newline ? "" : ", no final newline"));
        const std::vector<std::string> expected = per_line(text, specs);
        CHECK(scanned(text, specs) == expected);
        CHECK(scanned(text, specs, false) == expected);
        std::size_t n = 0;
        CHECK(scanned_runs(text, specs, &n) == expected);
        CHECK(n == expected.size());
    }
}

TEST_CASE("line_filter searches a regex with Hyperscan, and a regex that is a literal as one", "[detail][line_filter]") {
    CHECK(line_filter({{kind::regex, "error|fail"}}).search_engine() == "hyperscan");
    CHECK(line_filter({{kind::regex, "\\<err(or)?\\>", false, true}}).search_engine() == "hyperscan");
    CHECK(line_filter({{kind::regex, "error|fail"}}, false).search_engine() == "re2");
    CHECK(line_filter({{kind::regex, "ERROR"}}).search_engine() == "memchr");
    CHECK(line_filter({{kind::regex, "error", false, true}}).search_engine() == "memchr, case-folded");
    CHECK(line_filter({{kind::regex, "^2026-11-23T10"}}).search_engine() == "prefix");
    CHECK(line_filter({{kind::regex, "a|"}}).search_engine() == "none");
    CHECK(line_filter({{kind::regex, "a|"}}).passes_all());
    CHECK_FALSE(line_filter({{kind::regex, "\\< "}}).passes("a b"));
}

TEST_CASE("the scanner passes the same lines when lines hold many matches and buffers thousands of matching lines",
          "[detail][line_filter]") {
    // Short lines, most of them matching (more lines than one Hyperscan
    // scan notes), and long ones with a match at every byte (a scan stops
    // in them and starts again at the next line).
    std::string text;
    for (int i = 0; i < 40000; ++i) {
        text += i % 7 == 0 ? "x" : std::to_string(i);
        text += i % 1000 == 0 ? std::string(3000, '5') : "";
        text += '\n';
    }
    for (const std::string_view pattern : {"[0-9]", "[0-9]\\b", "^[1-9]", "5$", "x|^$", "[0-9]{2}"}) {
        INFO(pattern);
        for (const bool invert : {false, true}) {
            const std::vector<line_filter_spec> specs{{kind::regex, std::string(pattern), invert}};
            const std::vector<std::string> expected = per_line(text, specs);
            CHECK(scanned(text, specs) == expected);
            CHECK(scanned(text, specs, false) == expected);
        }
    }
}

TEST_CASE("the scanner finds matches that straddle a chunk boundary", "[detail][line_filter]") {
    // "ERROR" at every offset around the end of the first chunk.
    for (std::size_t at = chunk_size - 6; at <= chunk_size + 1; ++at) {
        std::string text(at, 'x');
        text += "ERROR";
        text += "\nno\n";
        text += std::string(chunk_size, 'y') + "\nERROR";
        INFO("ERROR at " << at);
        CHECK(scanned(text, {{kind::substring, "ERROR"}}) == std::vector<std::string>{text.substr(0, at + 5), "ERROR"});
        CHECK(scanned(text, {{kind::prefix, "no"}}) == std::vector<std::string>{"no"});
    }
}

TEST_CASE("the scanner passes a line several chunks long whole", "[detail][line_filter]") {
    const std::string longest = "X" + std::string(5 * chunk_size + 17, 'a') + "X";
    const std::string text = "short\n" + longest + "\nX\n" + longest;
    CHECK(scanned(text, {{kind::substring, "X"}}) == std::vector<std::string>{longest, "X", longest});
    CHECK(scanned(text, {{kind::prefix, "X"}}) == std::vector<std::string>{longest, "X", longest});
    CHECK(scanned(text, {{kind::substring, "aX"}}) == std::vector<std::string>{longest, longest});
    CHECK(scanned(text, {{kind::substring, "X", true}}) == std::vector<std::string>{"short"});
    std::size_t n = 0;
    CHECK(scanned_runs(text, {{kind::prefix, "X"}}, &n) == std::vector<std::string>{longest, "X", longest});
    CHECK(n == 3);
}

TEST_CASE("the scanner gives runs of consecutive matching lines in one piece", "[detail][line_filter]") {
    std::istringstream in("a1\na2\nb\na3\na4\na5\n");
    line_reader reader(in);
    const line_filter filter({{kind::prefix, "a"}});
    line_scanner scan(reader, filter);
    std::size_t n = 0;
    CHECK(scan.next_run(&n) == "a1\na2\n");
    CHECK(n == 2);
    CHECK(scan.next_run(&n) == "a3\na4\na5\n");
    CHECK(n == 3);
    CHECK_FALSE(scan.next_run(&n));
}

TEST_CASE("the scanner over empty input and input of empty lines", "[detail][line_filter]") {
    CHECK(scanned("", {{kind::substring, ""}}).empty());
    CHECK(scanned("\n\n\n", {{kind::substring, ""}}) == std::vector<std::string>{"", "", ""});
    CHECK(scanned("\n\n\n", {{kind::regex, "^$"}}) == std::vector<std::string>{"", "", ""});
    CHECK(scanned("\n\n\n", {{kind::substring, "x", true}}) == std::vector<std::string>{"", "", ""});
    CHECK(scanned("\n\n\n", {{kind::substring, "x"}}).empty());
}

// ---- lines(...) | grep(...) --------------------------------------------------------

TEST_CASE("lines piped into grep and prefix gives the lines of the per-line path", "[detail][line_filter]") {
    const std::string text = tricky_text(7, 3 * chunk_size, false);
    const temp_file file(text);
    const std::vector<std::string> all = split(text);
    std::vector<std::string_view> views(all.begin(), all.end());
    SECTION("grep") {
        CHECK(collect(lines(file.path) | grep("ERROR")) == collect(views | grep("ERROR")));
    }
    SECTION("grep -v") {
        CHECK(collect(lines(file.path) | grep("ERROR", coropipe::invert)) ==
              collect(views | grep("ERROR", coropipe::invert)));
    }
    SECTION("grep -i") {
        CHECK(collect(lines(file.path) | grep("error", coropipe::ignore_case)) ==
              collect(views | grep("error", coropipe::ignore_case)));
    }
    SECTION("grep -E") {
        CHECK(collect(lines(file.path) | grep("R$|^x", {.regex = true})) ==
              collect(views | grep("R$|^x", {.regex = true})));
    }
    SECTION("the source form") {
        CHECK(collect(grep(lines(file.path), "ERROR")) == collect(views | grep("ERROR")));
    }
    SECTION("prefix, then grep -v, then a generic stage") {
        CHECK(collect(lines(file.path) | prefix("E") | grep("OR", coropipe::invert) | coropipe::take(5)) ==
              collect(views | prefix("E") | grep("OR", coropipe::invert) | coropipe::take(5)));
    }
}

TEST_CASE("lines piped into grep is still a generator of lines", "[detail][line_filter]") {
    const temp_file file("a\nb x\nc x\n");
    coropipe::line_source fused = lines(file.path) | grep("x");
    coropipe::generator<std::string_view> plain = std::move(fused);
    CHECK(plain.next() == "b x");
    CHECK(plain.next() == "c x");
    CHECK_FALSE(plain.next());
}

TEST_CASE("grep piped after lines that have started filters what is left", "[detail][line_filter]") {
    const temp_file file("x1\ny\nx2\nx3\n");
    coropipe::line_source source = lines(file.path);
    auto it = source.begin();
    CHECK(*it == "x1");
    CHECK(collect(std::move(source) | grep("x")) == coropipe::test::strings({"x2", "x3"}));
}

TEST_CASE("lines piped into grep opens nothing until begin and throws there", "[detail][line_filter]") {
    coropipe::line_source fused = lines("/nonexistent/coropipe/file") | grep("x");
    CHECK_THROWS_AS(fused.begin(), std::system_error);
}

TEST_CASE("an invalid regex throws at grep, before any fusing", "[detail][line_filter]") {
    CHECK_THROWS_AS(lines("/nonexistent") | grep("a(", {.regex = true}), coropipe::error);
}
