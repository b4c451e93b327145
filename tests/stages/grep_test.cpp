#include <coropipe/stages/grep.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <line_source.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <range/v3/view/take.hpp>

#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::grep;
using coropipe::detail::substring_searcher;

using coropipe::test::collect;
using coropipe::test::strings;
using coropipe::test::append_to;
using coropipe::test::numbered_lines;
namespace {

coropipe::coroutine<void, std::string_view> printer(std::vector<std::string>* out) {
    for (;;) {
        std::string_view line = co_yield {};
        out->emplace_back(line);
    }
}

} // namespace

// ---- the searcher -------------------------------------------------------------

TEST_CASE("substring_searcher finds the needle at the start, middle and end", "[stage][grep]") {
    substring_searcher s("abc");
    CHECK(s.find("abcxxxx") == 0);
    CHECK(s.find("xxabcxx") == 2);
    CHECK(s.find("xxxxabc") == 4);
    CHECK(s.find("abc") == 0);
    CHECK(s.find("ab") == substring_searcher::npos);
    CHECK(s.find("xxabxbcx") == substring_searcher::npos);
    CHECK(s.find("") == substring_searcher::npos);
    CHECK(s.matches("an abc in it"));
}

TEST_CASE("substring_searcher handles needles of repeated bytes", "[stage][grep]") {
    substring_searcher s("aab");
    CHECK(s.find("aaaaaab") == 4);
    CHECK(s.find("aaaaaaa") == substring_searcher::npos);
    CHECK(s.find("abaabaab") == 2);
    substring_searcher a("aaa");
    CHECK(a.find("aabaaab") == 3);
}

TEST_CASE("substring_searcher finds what std::string_view::find finds, in long and short haystacks",
          "[stage][grep]") {
    // Small alphabets make candidates dense (the memmem fallback), long
    // haystacks take the 16-at-a-time scan, short ones the byte scan.
    std::mt19937 rng(11);
    for (int round = 0; round < 3000; ++round) {
        const int alphabet = std::uniform_int_distribution<int>(1, 4)(rng);
        auto random_text = [&](std::size_t size) {
            std::string t(size, 'a');
            for (char& c : t) {
                c = static_cast<char>('a' + std::uniform_int_distribution<int>(0, alphabet - 1)(rng));
            }
            return t;
        };
        const std::string needle = random_text(std::uniform_int_distribution<std::size_t>(1, 9)(rng));
        const std::string haystack = random_text(std::uniform_int_distribution<std::size_t>(0, 300)(rng));
        CAPTURE(needle, haystack);
        CHECK(substring_searcher(needle).find(haystack) == std::string_view(haystack).find(needle));
    }
}

TEST_CASE("substring_searcher with an empty needle matches everything", "[stage][grep]") {
    substring_searcher s("");
    CHECK(s.find("") == 0);
    CHECK(s.find("anything") == 0);
}

TEST_CASE("substring_searcher scans for the rarest needle byte", "[stage][grep]") {
    CHECK(substring_searcher("ee#e").rare_index() == 2);
    CHECK(substring_searcher("the quiet").needle()[substring_searcher("the quiet").rare_index()] == 'q');
    CHECK(substring_searcher("x").rare_index() == 0);
}

TEST_CASE("substring_searcher matches NUL bytes and invalid UTF-8 as plain bytes", "[stage][grep]") {
    substring_searcher nul("a\0b"sv);
    CHECK(nul.find("xxa\0bx"sv) == 2);
    CHECK(nul.find("xxa\0cx"sv) == substring_searcher::npos);
    substring_searcher bad("\xff\xfe"sv);
    CHECK(bad.find("ok \xc3\x28 \xff\xfe"sv) == 6);
    CHECK(bad.find("\xfe\xff"sv) == substring_searcher::npos);
}

TEST_CASE("substring_searcher stays linear and correct on dense candidates", "[stage][grep]") {
    const std::string needle(64, 'a');
    std::string hay(100000, 'a');
    hay[hay.size() - 1] = 'b';
    substring_searcher s(needle + "b");
    CHECK(s.find(hay) == hay.size() - 65);
    CHECK(s.find(hay.substr(0, hay.size() - 1)) == substring_searcher::npos);
}

TEST_CASE("substring_searcher agrees with std::string_view::find on random text", "[stage][grep]") {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> byte('a', 'c');
    std::uniform_int_distribution<std::size_t> len(0, 40);
    for (int round = 0; round < 5000; ++round) {
        std::string needle(len(rng) % 6, ' ');
        std::string hay(len(rng), ' ');
        for (char& c : needle) {
            c = static_cast<char>(byte(rng));
        }
        for (char& c : hay) {
            c = static_cast<char>(byte(rng));
        }
        INFO("needle '" << needle << "' in '" << hay << "'");
        REQUIRE(substring_searcher(needle).find(hay) == std::string_view(hay).find(needle));
    }
}

// ---- the stage ----------------------------------------------------------------

TEST_CASE("grep passes only lines containing the pattern", "[stage][grep]") {
    std::vector<std::string_view> lines{"python is fun", "c++ too", "pythonic", "no"};
    CHECK(collect(grep(lines, "python")) == strings({"python is fun", "pythonic"}));
}

TEST_CASE("grep is pipeable and yields the upstream's lines without copying", "[stage][grep]") {
    std::vector<std::string_view> lines{"a1", "b2", "a3"};
    auto p = lines | grep("a");
    std::vector<const char*> addresses;
    for (std::string_view& line : p) {
        addresses.push_back(line.data());
    }
    CHECK(addresses == std::vector<const char*>{lines[0].data(), lines[2].data()});
}

TEST_CASE("grep finds the pattern at the start, middle and end of a line", "[stage][grep]") {
    std::vector<std::string_view> lines{"xab", "abx", "xabx", "ab", "a b", "ba"};
    CHECK(collect(lines | grep("ab")) == strings({"xab", "abx", "xabx", "ab"}));
}

TEST_CASE("grep with an empty pattern passes every line", "[stage][grep]") {
    std::vector<std::string_view> lines{"", "a", ""};
    CHECK(collect(lines | grep("")) == strings({"", "a", ""}));
}

TEST_CASE("grep with invert passes the lines that do not contain the pattern", "[stage][grep]") {
    std::vector<std::string_view> lines{"keep", "drop me", "also keep"};
    CHECK(collect(lines | grep("drop", coropipe::invert)) == strings({"keep", "also keep"}));
    CHECK(collect(grep(lines, "keep", coropipe::invert)) == strings({"drop me"}));
}

TEST_CASE("grep matches lines with NUL bytes and invalid UTF-8", "[stage][grep]") {
    std::vector<std::string_view> lines{"a\0b"sv, "\xff\xfe ok"sv, "plain"sv};
    CHECK(collect(lines | grep("\0"sv)) == strings({"a\0b"sv}));
    CHECK(collect(lines | grep("\xfe"sv)) == strings({"\xff\xfe ok"sv}));
}

TEST_CASE("grep takes lines from any range of strings", "[stage][grep]") {
    std::vector<std::string> owned{"one x", "two", "three x"};
    CHECK(collect(owned | grep("x")) == strings({"one x", "three x"}));
    CHECK(collect(std::vector<std::string>{"y", "xy"} | grep("x")) == strings({"xy"}));
}

TEST_CASE("grep composes with other stages", "[stage][grep]") {
    std::vector<std::string_view> lines{"a b", "a", "b", "a b c", "a bb"};
    CHECK(collect(lines | grep("a") | grep("c", coropipe::invert) | grep("b")) == strings({"a b", "a bb"}));
    auto both = grep("a") | coropipe::take(2);
    CHECK(collect(lines | std::move(both)) == strings({"a b", "a"}));
}

TEST_CASE("grep composes with range-v3 views", "[stage][grep]") {
    std::vector<std::string_view> lines{"x1", "y", "x2", "x3"};
    auto p = lines | grep("x");
    std::vector<std::string> got;
    for (std::string_view line : p | ranges::views::take(2)) {
        got.emplace_back(line);
    }
    CHECK(got == strings({"x1", "x2"}));
}

TEST_CASE("grep on an empty input yields nothing", "[stage][grep]") {
    std::vector<std::string_view> none;
    CHECK(collect(none | grep("x")).empty());
    CHECK(collect(none | grep("", coropipe::invert)).empty());
}

TEST_CASE("an exception from the source surfaces through grep with its type", "[stage][grep]") {
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = numbered_lines(10, &pulls, 3) | grep("line");
        auto it = p.begin();
        CHECK(*it == "line 0");
        ++it;
        ++it;
        CHECK(*it == "line 2");
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a grep pipeline early destroys the source", "[stage][grep]") {
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = numbered_lines(1000, &pulls) | grep("7");
        auto it = p.begin();
        CHECK(*it == "line 7");
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(pulls == 8);
    CHECK(guard.balanced());
}

TEST_CASE("grep with a target is a sink that pushes the matches on", "[stage][grep]") {
    std::vector<std::string> got;
    SECTION("into a sink") {
        auto s = grep("py", append_to(&got));
        CHECK(s.send("python"));
        CHECK(s.send("c++"));
        CHECK(s.send("ply py"));
        s.close();
        CHECK(got == strings({"python", "ply py"}));
    }
    SECTION("into a two-way coroutine, inverted") {
        auto s = grep("py", coropipe::invert, printer(&got));
        s.send("python");
        s.send("c++");
        s.close();
        CHECK(got == strings({"c++"}));
    }
    SECTION("ending a pulled pipeline") {
        std::vector<std::string_view> lines{"a", "py", "b py"};
        lines | grep("py", printer(&got));
        CHECK(got == strings({"py", "b py"}));
    }
}

TEST_CASE("a grep stage keeps its coroutine frame small", "[stage][grep]") {
    auto s = grep("a pattern longer than the small-string buffer");
    CHECK(coropipe::detail::last_frame_size() <= 128);
}
