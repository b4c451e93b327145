#include <coropipe/stages/grep.hpp>

#include <coropipe/detail/regex.hpp>
#include <coropipe/error.hpp>
#include <coropipe/regex_error.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>
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

TEST_CASE("regex_matcher with ignore_case ignores the case of ASCII letters only", "[stage][regex]") {
    CHECK(regex_matcher("err(or)?", true)("ERROR"));
    CHECK_FALSE(regex_matcher("err(or)?", false)("ERROR"));
    CHECK(regex_matcher("[a-c]x", true)("BX"));
    CHECK(regex_matcher("[^a]", true)("b"));
    CHECK_FALSE(regex_matcher("[^a]", true)("A"));
    // As grep -i under LC_ALL=C: bytes from 0x80 on are not folded (RE2's
    // own Latin-1 folding would make \xe9 match \xc9).
    CHECK_FALSE(regex_matcher("caf\xe9", true)("CAF\xc9"));
    CHECK(regex_matcher("caf\xe9", true)("CAF\xe9"));
}

TEST_CASE("regex_matcher matches bytes, so invalid UTF-8 and NUL pass", "[stage][regex]") {
    CHECK(regex_matcher("ok", false)("\xff\xfe ok"sv));
    CHECK(regex_matcher("\xff.", false)("a\xff\xfe"sv));
    CHECK(regex_matcher("a.b", false)("a\xc3\x28\x62"sv) == false); // '.' is one byte: a \xc3 ( b
    CHECK(regex_matcher("a..b", false)("a\xc3\x28\x62"sv));
    CHECK(regex_matcher("a.b", false)("xa\0bx"sv));
    CHECK(regex_matcher("a\0b"sv, false)("xa\0bx"sv));
    CHECK_FALSE(regex_matcher("a\0b"sv, false)("xa\1bx"sv));
    // Alternatives with a common start (RE2 gets those wrong from 0x80 on, see lib/ere.cpp).
    CHECK(regex_matcher("\xe9" "b|\xe9" "c", false)("x\xe9" "b"sv));
    CHECK(regex_matcher("caf\xc3\xa9|caf\xc3\xa8s", false)("un caf\xc3\xa9"sv));
    CHECK(regex_matcher("\xe9|\xe9", false)("\xe9"sv));
}

TEST_CASE("regex_matcher reads POSIX ERE with GNU's extensions, as grep -E does", "[stage][regex]") {
    // Word edges and GNU's classes.
    CHECK(regex_matcher("\\<word\\>", false)("a word here"));
    CHECK_FALSE(regex_matcher("\\<word\\>", false)("swordfish"));
    CHECK_FALSE(regex_matcher("\\<word", false)("a_word"));
    CHECK(regex_matcher("\\bid\\b", false)("(id)"));
    CHECK(regex_matcher("^\\w+\\s\\S$", false)("ab_9 x"));
    CHECK_FALSE(regex_matcher("\\s", false)("ab"));
    CHECK(regex_matcher("\\s", false)("a\vb")); // [[:space:]] holds \v, Perl's \s does not
    // Intervals: {,n} is {0,n}; a '{' that starts none is itself.
    CHECK(regex_matcher("^a{,2}$", false)(""));
    CHECK_FALSE(regex_matcher("^a{,2}$", false)("aaa"));
    CHECK(regex_matcher("^a{2,}$", false)("aaaa"));
    CHECK(regex_matcher("a{x", false)("a{x"));
    CHECK(regex_matcher("x{1", false)("x{1"));
    // Brackets: a backslash is itself, ']' first is itself, POSIX classes.
    CHECK(regex_matcher("[\\.]", false)("\\"));
    CHECK(regex_matcher("[\\.]", false)("."));
    CHECK_FALSE(regex_matcher("[\\.]", false)("x"));
    CHECK(regex_matcher("[]a]", false)("]"));
    CHECK(regex_matcher("[^]a]", false)("b"));
    CHECK_FALSE(regex_matcher("[^]a]", false)("]"));
    CHECK(regex_matcher("^[[:alpha:]_][[:alnum:]_]*$", false)("_id9"));
    CHECK_FALSE(regex_matcher("[[:alpha:]]", false)("\xe9")); // C locale: é is not a letter
    CHECK(regex_matcher("[[.-.]a]", false)("-"));
    CHECK(regex_matcher("[[=a=]]", false)("a"));
    // A repeat with nothing before it repeats nothing; ERE's a+? is (a+)?.
    CHECK(regex_matcher("*abc", false)("abc"));
    CHECK(regex_matcher("x|+y", false)("y"));
    CHECK(regex_matcher("^b+?$", false)(""));
    // An unmatched ')' is itself; () and a| match the empty string.
    CHECK(regex_matcher("a)", false)("a)"));
    CHECK(regex_matcher("()", false)("x"));
    CHECK(regex_matcher("a|", false)("x"));
    // ^ and $ are anchors anywhere; \` and \' are the ends of the line.
    CHECK_FALSE(regex_matcher("a^b", false)("a^b"));
    CHECK(regex_matcher("(^|,)b", false)("a,b"));
    CHECK(regex_matcher("\\`ab\\'", false)("ab"));
    // Escaped specials and punctuation are themselves.
    CHECK(regex_matcher("\\(\\)\\{\\}\\|\\-\\/", false)("(){}|-/"));
    // A newline separates alternatives, as in grep's PATTERNS.
    CHECK(regex_matcher("foo\nbar", false)("a bar"));
}

TEST_CASE("regex_matcher anchors at the ends of a text that holds newlines, not at its lines", "[stage][regex]") {
    // Lines hold no '\n'; any other text is one line for ^ and $.
    CHECK_FALSE(regex_matcher("a$", false)("a\nb"));
    CHECK_FALSE(regex_matcher("^b", false)("a\nb"));
    CHECK(regex_matcher("^a.*b$|x", false)("a\tb"));
    CHECK_FALSE(regex_matcher("a.b", false)("a\nb")); // no part of a pattern matches a newline
    CHECK(regex_matcher("b$", false)("a\nb"));
}

TEST_CASE("regex_matcher matches from several threads at once, with many patterns in each", "[stage][regex]") {
    // Each thread has a scratch space of its own, which grows for the
    // patterns it meets (more of them than it remembers).
    std::vector<regex_matcher> matchers;
    for (int i = 0; i < 12; ++i) {
        matchers.emplace_back("x{" + std::to_string(i + 1) + "}(a|b)$", false);
    }
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&matchers, &wrong, t] {
            for (int round = 0; round < 2000; ++round) {
                const std::size_t i = static_cast<std::size_t>(round + t) % matchers.size();
                const std::string yes = std::string(i + 1, 'x') + "b";
                const std::string no = std::string(i + 1, 'x') + "c";
                wrong[static_cast<std::size_t>(t)] += matchers[i](yes) ? 0 : 1;
                wrong[static_cast<std::size_t>(t)] += matchers[i](no) ? 1 : 0;
            }
        });
    }
    for (std::thread& th : threads) {
        th.join();
    }
    CHECK(wrong == std::vector<int>(4, 0));
}

TEST_CASE("regex_matcher stays linear on a pattern that makes backtracking engines explode", "[stage][regex]") {
    // (a+)+$ on "aaaa...b" takes exponential time with backtracking.
    regex_matcher m("(a+)+$", false);
    const std::string line = std::string(5000, 'a') + "b";
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(m(line));
    CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("an invalid regex throws coropipe::regex_error with the offset when grep is called", "[stage][regex]") {
    CHECK_THROWS_AS(regex_matcher("a(b", false), coropipe::error);
    CHECK_THROWS_WITH(grep("a(b", regex), Catch::Contains("invalid regex") && Catch::Contains("unmatched '(' at offset 1"));
    CHECK_THROWS_AS(grep("[z-a]", regex), coropipe::regex_error);
    // A substring grep takes the same text as it is.
    std::vector<std::string_view> lines{"a(b", "ab"};
    CHECK(collect(lines | grep("a(b")) == strings({"a(b"}));
}

TEST_CASE("regex_error says what is wrong and where, as GNU grep -E would refuse it", "[stage][regex]") {
    const auto [pattern, position, reason] = GENERATE(table<std::string_view, std::size_t, std::string_view>({
        {"ab(c|d", 2, "unmatched '('"},
        {"x[ab", 1, "unmatched '['"},
        {"[[:alpha:]", 0, "unmatched '['"},
        {"[[:foo:]]", 1, "invalid character class name '[:foo:]'"},
        {"[:space:]", 0, "character class syntax is [[:space:]], not [:space:]"},
        {"x[z-a]", 2, "invalid range end"},
        {"[a-c-e]", 1, "invalid range end"},
        {"[[.ab.]]", 1, "invalid collation character 'ab'"},
        {"a{2,1}", 1, "invalid content of {}"},
        {"a{40000}", 1, "regular expression too big"},
        {"ab\\", 2, "trailing backslash"},
    }));
    INFO(pattern);
    try {
        regex_matcher m(pattern, false);
        FAIL("no error");
    } catch (const coropipe::regex_error& e) {
        CHECK(e.position() == position);
        CHECK_THAT(e.reason(), Catch::StartsWith(std::string(reason)));
        CHECK_THAT(e.what(), Catch::Contains("at offset " + std::to_string(position)));
    }
}

TEST_CASE("regex_error refuses what coropipe cannot match as GNU grep -E does, and says so", "[stage][regex]") {
    const auto [pattern, position, reason, hint] =
        GENERATE(table<std::string_view, std::size_t, std::string_view, std::string_view>({
            {"(a)\\1", 3, "back-references (\\1) are not supported", "linear"},
            {"\\d+", 0, "'\\d' is not ERE (GNU grep -E would read it as 'd')", "[0-9]"},
            {"a\\tb", 1, "'\\t' is not ERE", "tab"},
            {"\\x41", 0, "'\\x' is not ERE", "byte itself"},
            {"a{1001}", 1, "repeat count over 1000", "RE2"},
            {"x\\<(a|-)", 1, "coropipe cannot express this \\< exactly", "\\b"},
            {"(a|-)\\>", 5, "coropipe cannot express this \\> exactly", "\\b"},
        }));
    INFO(pattern);
    try {
        regex_matcher m(pattern, false);
        FAIL("no error");
    } catch (const coropipe::regex_error& e) {
        CHECK(e.position() == position);
        CHECK_THAT(e.reason(), Catch::StartsWith(std::string(reason)));
        CHECK_THAT(e.hint(), Catch::Contains(std::string(hint)));
    }
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
