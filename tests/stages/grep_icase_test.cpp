#include <coropipe/stages/grep.hpp>

#include <coropipe/detail/fold_case.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <line_source.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::grep;
using coropipe::grep_options;
using coropipe::ignore_case;
using coropipe::detail::ascii_icase_searcher;

using coropipe::test::collect;
using coropipe::test::strings;
using coropipe::test::append_to;
using coropipe::test::numbered_lines;
namespace {

} // namespace

TEST_CASE("ascii_icase_searcher ignores the case of ASCII letters", "[stage][grep]") {
    ascii_icase_searcher s("ErRoR");
    CHECK(s.matches("an error here"));
    CHECK(s.matches("ERROR"));
    CHECK(s.matches("xxErrorxx"));
    CHECK_FALSE(s.matches("err or"));
    CHECK_FALSE(s.matches(""));
    CHECK(ascii_icase_searcher("").matches(""));
}

TEST_CASE("ascii_icase_searcher compares bytes from 0x80 on exactly", "[stage][grep]") {
    ascii_icase_searcher s("caf\xc3\xa9"sv); // café in UTF-8
    CHECK(s.matches("CAF\xc3\xa9"sv));
    CHECK_FALSE(s.matches("CAF\xc3\x89"sv)); // CAFÉ: É is not folded
    // 0xC1 - 0x20 would be 0xA1: no such folding of non-ASCII bytes.
    CHECK_FALSE(ascii_icase_searcher("\xc1"sv).matches("\xe1"sv));
    CHECK(ascii_icase_searcher("a\0B"sv).matches("xA\0bx"sv));
    // '@' and '[' border 'A'..'Z' and '`', '{' border 'a'..'z': not letters.
    CHECK_FALSE(ascii_icase_searcher("@").matches("`"));
    CHECK_FALSE(ascii_icase_searcher("[").matches("{"));
}

TEST_CASE("ascii_icase_searcher agrees with a folded std::string_view::find on random text", "[stage][grep]") {
    std::mt19937 rng(777);
    const std::string_view alphabet = "abAB\xe1\xc1";
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<std::size_t> len(0, 30);
    auto fold = [](std::string s) {
        for (char& c : s) {
            c = coropipe::detail::ascii_lower(c);
        }
        return s;
    };
    for (int round = 0; round < 3000; ++round) {
        std::string needle(len(rng) % 5, ' ');
        std::string hay(len(rng), ' ');
        for (char& c : needle) {
            c = alphabet[pick(rng)];
        }
        for (char& c : hay) {
            c = alphabet[pick(rng)];
        }
        REQUIRE(ascii_icase_searcher(needle).matches(hay) == (fold(hay).find(fold(needle)) != std::string::npos));
    }
}

TEST_CASE("grep with ignore_case passes lines containing the pattern in any ASCII case", "[stage][grep]") {
    std::vector<std::string_view> lines{"Error: x", "no", "an ERROR", "errors", "e r r o r"};
    CHECK(collect(lines | grep("error", ignore_case)) == strings({"Error: x", "an ERROR", "errors"}));
    CHECK(collect(grep(lines, "ERROR", ignore_case)) == strings({"Error: x", "an ERROR", "errors"}));
}

TEST_CASE("grep options combine invert and ignore_case", "[stage][grep]") {
    std::vector<std::string_view> lines{"Keep", "DROP me", "keep too", "drop"};
    CHECK(collect(lines | grep("drop", grep_options{.invert = true, .ignore_case = true})) ==
          strings({"Keep", "keep too"}));
    CHECK(collect(lines | grep("drop", grep_options{.invert = true})) == strings({"Keep", "DROP me", "keep too"}));
    CHECK(collect(lines | grep("drop", grep_options{})) == strings({"drop"}));
    CHECK(collect(grep(lines, "KEEP", {.ignore_case = true})) == strings({"Keep", "keep too"}));
}

TEST_CASE("grep with ignore_case yields the upstream's lines without copying", "[stage][grep]") {
    std::vector<std::string_view> lines{"A1", "b2", "a3"};
    std::vector<const char*> addresses;
    auto p = lines | grep("a", ignore_case);
    for (std::string_view& line : p) {
        addresses.push_back(line.data());
    }
    CHECK(addresses == std::vector<const char*>{lines[0].data(), lines[2].data()});
}

TEST_CASE("grep with ignore_case composes with other stages", "[stage][grep]") {
    std::vector<std::string_view> lines{"GET /a", "get /b", "POST /c", "Get /d", "GET /e"};
    CHECK(collect(lines | grep("get", ignore_case) | grep("/b", coropipe::invert) | coropipe::take(2)) ==
          strings({"GET /a", "Get /d"}));
}

TEST_CASE("grep with ignore_case on an empty input yields nothing", "[stage][grep]") {
    std::vector<std::string_view> none;
    CHECK(collect(none | grep("x", ignore_case)).empty());
}

// Each matcher grep_options can pick: the substring one, ASCII case-folding
// and the regex one, all matching "line 1" .. and "LINE 2" .. alike.
TEST_CASE("an exception from the source surfaces through grep with options", "[stage][grep]") {
    const auto [pattern, options] = GENERATE(table<std::string_view, grep_options>({
        {"line", {.ignore_case = true}},
        {"^(line|LINE) [0-9]", {.regex = true}},
        {"x", {.invert = true}},
    }));
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = numbered_lines(10, &pulls, 2, true) | grep(pattern, options);
        auto it = p.begin();
        CHECK(*it == "LINE 0");
        ++it;
        CHECK(*it == "line 1");
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a grep pipeline with options early destroys the source", "[stage][grep]") {
    const auto [pattern, options] = GENERATE(table<std::string_view, grep_options>({
        {"LINE 1", {.ignore_case = true}},
        {"^line 1$", {.ignore_case = true, .regex = true}},
    }));
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = numbered_lines(1000, &pulls, -1, true) | grep(pattern, options);
        auto it = p.begin();
        CHECK(*it == "line 1");
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(pulls == 2);
    CHECK(guard.balanced());
}

TEST_CASE("grep with options and a target is a sink", "[stage][grep]") {
    std::vector<std::string> got;
    auto s = grep("PY", {.ignore_case = true}, append_to(&got));
    s.send("python");
    s.send("c++");
    s.send("Py");
    s.close();
    CHECK(got == strings({"python", "Py"}));
}

TEST_CASE("a grep ignore_case stage keeps its coroutine frame small", "[stage][grep]") {
    auto s = grep("a pattern longer than the small-string buffer", ignore_case);
    CHECK(coropipe::detail::last_frame_size() <= 128);
    auto r = grep("a pattern longer than the small-string buffer", {.invert = true, .regex = true});
    CHECK(coropipe::detail::last_frame_size() <= 128);
}
