#include <coropipe/stages/grep.hpp>

#include <coropipe/detail/regex.hpp>
#include <coropipe/error.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::grep;
using coropipe::grep_options;
using coropipe::detail::regex_matcher;

using coropipe::test::collect;
using coropipe::test::strings;
namespace {

constexpr grep_options regex{.regex = true};

} // namespace

TEST_CASE("regex_matcher searches anywhere in the line unless anchored", "[stage][regex]") {
    regex_matcher m("a.c", false);
    CHECK(m("xxabcxx"));
    CHECK(m("a-c"));
    CHECK_FALSE(m("ac"));
    CHECK(regex_matcher("^GET ", false)("GET /x"));
    CHECK_FALSE(regex_matcher("^GET ", false)("xGET /x"));
    CHECK(regex_matcher("[0-9]+ms$", false)("took 12ms"));
    CHECK_FALSE(regex_matcher("[0-9]+ms$", false)("took 12ms!"));
    CHECK(regex_matcher("GET|POST", false)("a POST"));
    CHECK(regex_matcher("", false)(""));
}

TEST_CASE("regex_matcher with ignore_case uses RE2's case-insensitive mode", "[stage][regex]") {
    CHECK(regex_matcher("err(or)?", true)("ERROR"));
    CHECK_FALSE(regex_matcher("err(or)?", false)("ERROR"));
}

TEST_CASE("regex_matcher matches bytes, so invalid UTF-8 and NUL pass", "[stage][regex]") {
    CHECK(regex_matcher("ok", false)("\xff\xfe ok"sv));
    CHECK(regex_matcher("\\xff.", false)("a\xff\xfe"sv));
    CHECK(regex_matcher("a.b", false)("a\xc3\x28\x62"sv) == false); // '.' is one byte: a \xc3 ( b
    CHECK(regex_matcher("a..b", false)("a\xc3\x28\x62"sv));
    CHECK(regex_matcher("a\\x00b", false)("xa\0bx"sv));
}

TEST_CASE("regex_matcher stays linear on a pattern that makes backtracking engines explode", "[stage][regex]") {
    // (a+)+$ on "aaaa...b" takes exponential time with backtracking.
    regex_matcher m("(a+)+$", false);
    const std::string line = std::string(5000, 'a') + "b";
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(m(line));
    CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("an invalid regex throws coropipe::error with RE2's message when grep is called", "[stage][regex]") {
    CHECK_THROWS_AS(regex_matcher("a(b", false), coropipe::error);
    CHECK_THROWS_WITH(grep("a(b", regex), Catch::Contains("a(b") && Catch::Contains("missing )"));
    CHECK_THROWS_AS(grep("[z-a]", regex), coropipe::error);
    // A substring grep takes the same text as it is.
    std::vector<std::string_view> lines{"a(b", "ab"};
    CHECK(collect(lines | grep("a(b")) == strings({"a(b"}));
}

TEST_CASE("grep with regex passes the lines the regex matches", "[stage][regex]") {
    std::vector<std::string_view> lines{"GET /a 200", "POST /b 500", "GET /c 404", "HEAD /d 200"};
    CHECK(collect(lines | grep(" [45][0-9][0-9]$", regex)) == strings({"POST /b 500", "GET /c 404"}));
    CHECK(collect(grep(lines, "^(GET|HEAD) ", regex)) == strings({"GET /a 200", "GET /c 404", "HEAD /d 200"}));
    CHECK(collect(lines | grep("^get", grep_options{.ignore_case = true, .regex = true})) ==
          strings({"GET /a 200", "GET /c 404"}));
    CHECK(collect(lines | grep("^GET", grep_options{.invert = true, .regex = true})) ==
          strings({"POST /b 500", "HEAD /d 200"}));
}

TEST_CASE("grep with regex composes with other stages", "[stage][regex]") {
    std::vector<std::string_view> lines{"a1", "b2", "a22", "a3", "a44"};
    CHECK(collect(lines | grep("^a", regex) | grep("[0-9]{2}", regex) | coropipe::take(1)) == strings({"a22"}));
}

// An exception from the source and early destruction: grep_icase_test.cpp
// covers every grep_options matcher, the regex one included.

TEST_CASE("grep with regex on an empty input yields nothing", "[stage][regex]") {
    std::vector<std::string_view> none;
    CHECK(collect(none | grep(".", regex)).empty());
}
