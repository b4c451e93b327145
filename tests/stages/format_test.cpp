#include <coropipe/stages/format.hpp>

#include <coropipe/error.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>
#include <coropipe/stages/uniq.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <line_source.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::format;

using coropipe::test::collect;
using coropipe::test::numbered_lines;
using coropipe::test::strings;

namespace {

// The offset in the format string that `format(fmt)` complains about.
std::size_t error_offset(std::string_view fmt) {
    try {
        (void)format(fmt);
    } catch (const coropipe::format_string_error& e) {
        return e.position();
    }
    FAIL("no format_string_error for " << fmt);
    return 0;
}

} // namespace

TEST_CASE("format fills in the line, key=value fields and columns", "[stage][format]") {
    std::vector<std::string_view> log{"GET /a host=web-1 latency_ms=12 user=u7", "POST /b latency_ms=3.5 host=db-2"};
    CHECK(collect(log | format("{host}: {latency_ms} ms ({$1} {$2})")) ==
          strings({"web-1: 12 ms (GET /a)", "db-2: 3.5 ms (POST /b)"}));
    CHECK(collect(log | format("[{}]")) ==
          strings({"[GET /a host=web-1 latency_ms=12 user=u7]", "[POST /b latency_ms=3.5 host=db-2]"}));
}

TEST_CASE("format called with a source is the source piped into it", "[stage][format]") {
    std::vector<std::string> owned{"a=1 b=2", "b=3"};
    CHECK(collect(format(owned, "{b}/{a}")) == strings({"2/1", "3/"}));
}

TEST_CASE("format writes a field as it is in the line, numeric or not", "[stage][format]") {
    std::vector<std::string_view> log{"user=u42 status=200 ms=1e3 note=fast\r"};
    CHECK(collect(log | format("{user} {status} {ms} {note}")) == strings({"u42 200 1e3 fast"}));
}

TEST_CASE("format finds fields as field() does: whole keys, the first one", "[stage][format]") {
    std::vector<std::string_view> log{"xkey=1 key=2 key=3", "key_x=1", "key= next=4"};
    CHECK(collect(log | format("<{key}>")) == strings({"<2>", "<>", "<>"}));
}

TEST_CASE("format writes a missing field or column as nothing and keeps the line", "[stage][format]") {
    std::vector<std::string_view> log{"a=1", "", "b=2 c"};
    CHECK(collect(log | format("{a}|{$2}|{}")) == strings({"1||a=1", "||", "|c|b=2 c"}));
}

TEST_CASE("format turns doubled braces into literal ones", "[stage][format]") {
    std::vector<std::string_view> one{"x=5"};
    CHECK(collect(one | format("{{x}} = {x} }}{{")) == strings({"{x} = 5 }{"}));
    CHECK(collect(one | format("")) == strings({""}));
    CHECK(collect(one | format("no placeholders")) == strings({"no placeholders"}));
    CHECK(collect(one | format("tab\there \\t")) == strings({"tab\there \\t"}));
}

TEST_CASE("format passes bytes through: NUL, invalid UTF-8, CR", "[stage][format]") {
    std::vector<std::string_view> one{"k=\xff\xfe a\0b=1\r"sv};
    CHECK(collect(one | format("{k}\0{}"sv)) == strings({"\xff\xfe\0k=\xff\xfe a\0b=1\r"sv}));
}

TEST_CASE("format yields a view of its own buffer, one line per input", "[stage][format]") {
    std::vector<std::string_view> log{"a=1", "a=22", "a=333"};
    auto p = log | format("{a}");
    std::vector<std::string> seen;
    const char* buffer = nullptr;
    for (std::string_view line : p) {
        seen.emplace_back(line);
        CHECK((buffer == nullptr || buffer == line.data()));
        buffer = line.data();
    }
    CHECK(seen == strings({"1", "22", "333"}));
}

TEST_CASE("format composes with other stages", "[stage][format]") {
    std::vector<std::string_view> log{"GET n=1", "POST n=2", "GET n=1", "GET n=3", "GET n=4"};
    CHECK(collect(log | coropipe::grep("GET") | format("n is {n}") | coropipe::uniq() | coropipe::take(2)) ==
          strings({"n is 1", "n is 3"}));
    auto both = format("{$1}") | coropipe::uniq();
    CHECK(collect(log | std::move(both)) == strings({"GET", "POST", "GET"}));
}

TEST_CASE("format takes its lines from a pushed sink too", "[stage][format]") {
    std::vector<std::string> out;
    auto s = format("<{}>") | coropipe::test::append_to(&out);
    CHECK(s.send("a"));
    CHECK(s.send("b"));
    s.close();
    CHECK(out == strings({"<a>", "<b>"}));
}

TEST_CASE("format on an empty input yields nothing", "[stage][format]") {
    std::vector<std::string_view> none;
    CHECK(collect(none | format("{}")).empty());
}

TEST_CASE("a malformed format throws when the stage is made, with the offset", "[stage][format]") {
    CHECK_THROWS_AS(format("{"), coropipe::format_string_error);
    CHECK_THROWS_AS(format("}"), coropipe::error);
    CHECK(error_offset("ab {x") == 3);   // unterminated: at the '{'
    CHECK(error_offset("ab } {}") == 3); // single '}'
    CHECK(error_offset("{x{y}") == 2);   // '{' inside a placeholder
    CHECK(error_offset("{a b}") == 1);   // bad names: at the name
    CHECK(error_offset("{}{k=v}") == 3);
    CHECK(error_offset("{$0}") == 1); // columns are from 1
    CHECK(error_offset("{$}") == 1);
    CHECK(error_offset("{$x}") == 1);
    CHECK(error_offset("{$99999999999999999999999}") == 1);
    CHECK(error_offset("{{}") == 2); // "{{" is a brace; then a single '}'
    try {
        (void)format("x {$0}");
    } catch (const coropipe::format_string_error& e) {
        CHECK(std::string(e.what()) == "coropipe::format: bad column '$0' at offset 3; columns are {$1}, {$2}, ...");
        CHECK(e.reason() == "bad column '$0'");
        CHECK(e.hint() == "columns are {$1}, {$2}, ...");
    }
}

TEST_CASE("an exception from the source surfaces through format with its type", "[stage][format]") {
    coropipe::test::live_guard guard;
    {
        auto p = numbered_lines(5, nullptr, 2) | format("[{$2}]");
        auto it = p.begin();
        CHECK(*it == "[0]");
        ++it;
        CHECK(*it == "[1]");
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a format pipeline early destroys the source", "[stage][format]") {
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = numbered_lines(1000, &pulls) | format("{}!");
        auto it = p.begin();
        CHECK(*it == "line 0!");
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(pulls == 1);
    CHECK(guard.balanced());
}

TEST_CASE("a format stage keeps its coroutine frame small", "[stage][format]") {
    auto s = format("{a} {b}");
    INFO("frame bytes: " << coropipe::detail::last_frame_size());
    CHECK(coropipe::detail::last_frame_size() <= 128);
}
