#include <coropipe/stages/prefix.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>

#include <catch2/catch.hpp>
#include <line_source.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <range/v3/view/take.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::prefix;

using coropipe::test::collect;
using coropipe::test::strings;
using coropipe::test::append_to;
namespace {

// "# header", then "data 0", "data 1", ...; a counted object in scope; throws
// instead of the data line `throw_at`.
coropipe::generator<std::string_view> table(int rows, int throw_at = -1) {
    coropipe::test::counted in_scope;
    co_yield "# header"sv;
    for (int i = 0; i < rows; ++i) {
        if (i == throw_at) {
            throw std::length_error("table failed");
        }
        std::string line = "data " + std::to_string(i);
        co_yield std::string_view(line);
    }
}

} // namespace

TEST_CASE("prefix passes only lines that start with the pattern", "[stage][prefix]") {
    std::vector<std::string_view> lines{"GET /a", "POST /b", "xGET /c", "GET"};
    CHECK(collect(prefix(lines, "GET")) == strings({"GET /a", "GET"}));
}

TEST_CASE("prefix is pipeable and anchored at the start of the line", "[stage][prefix]") {
    std::vector<std::string_view> lines{"ab", " ab", "ba", "a", "abc"};
    CHECK(collect(lines | prefix("ab")) == strings({"ab", "abc"}));
}

TEST_CASE("prefix with an empty pattern passes every line", "[stage][prefix]") {
    std::vector<std::string_view> lines{"", "x"};
    CHECK(collect(lines | prefix("")) == strings({"", "x"}));
}

TEST_CASE("prefix with invert drops the lines that start with the pattern", "[stage][prefix]") {
    std::vector<std::string_view> lines{"# comment", "code", " # not a comment"};
    CHECK(collect(lines | prefix("#", coropipe::invert)) == strings({"code", " # not a comment"}));
    CHECK(collect(prefix(lines, "#", coropipe::invert)) == strings({"code", " # not a comment"}));
}

TEST_CASE("prefix compares bytes, NUL and invalid UTF-8 included", "[stage][prefix]") {
    std::vector<std::string_view> lines{"\0a"sv, "\xff\xfe"sv, "a\0"sv};
    CHECK(collect(lines | prefix("\0"sv)) == strings({"\0a"sv}));
    CHECK(collect(lines | prefix("\xff"sv)) == strings({"\xff\xfe"sv}));
}

TEST_CASE("prefix composes with grep and with range-v3 views", "[stage][prefix]") {
    std::vector<std::string_view> lines{"E: disk full", "W: disk slow", "E: net down", "E: disk gone"};
    CHECK(collect(lines | prefix("E:") | coropipe::grep("disk")) == strings({"E: disk full", "E: disk gone"}));
    auto p = lines | prefix("E:");
    std::vector<std::string> first;
    for (std::string_view line : p | ranges::views::take(1)) {
        first.emplace_back(line);
    }
    CHECK(first == strings({"E: disk full"}));
}

TEST_CASE("prefix on an empty input yields nothing", "[stage][prefix]") {
    std::vector<std::string_view> none;
    CHECK(collect(none | prefix("x")).empty());
}

TEST_CASE("an exception from the source surfaces through prefix with its type", "[stage][prefix]") {
    coropipe::test::live_guard guard;
    {
        auto p = table(5, 2) | prefix("data");
        auto it = p.begin();
        CHECK(*it == "data 0");
        ++it;
        CHECK_THROWS_AS(++it, std::length_error);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a prefix pipeline early destroys the source", "[stage][prefix]") {
    coropipe::test::live_guard guard;
    {
        auto p = table(100) | prefix("#", coropipe::invert);
        CHECK(*p.begin() == "data 0");
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("prefix with a target is a sink that pushes the matches on", "[stage][prefix]") {
    std::vector<std::string> got;
    auto s = prefix("E", append_to(&got));
    s.send("E1");
    s.send("W1");
    s.send("E2");
    s.close();
    CHECK(got == strings({"E1", "E2"}));
}
