#include <coropipe/stages/where.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/take.hpp>
#include <coropipe/syntax_error.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <line_source.hpp>
#include <temp_file.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::where;

using coropipe::test::append_to;
using coropipe::test::collect;
using coropipe::test::copied_lines;
using coropipe::test::numbered_lines;
using coropipe::test::strings;

namespace {

coropipe::coroutine<void, std::string_view> printer(std::vector<std::string>* out) {
    for (;;) {
        std::string_view line = co_yield {};
        out->emplace_back(line);
    }
}

const std::vector<std::string_view> access_log{
    "level=info latency_ms=12 path=/",           "level=error latency_ms=812 path=/api/users",
    "level=warn latency_ms=501 path=/health",    "not a key=value line",
    "level=error latency_ms=40 path=/api/items",
};

} // namespace

TEST_CASE("where passes only the lines for which the expression holds", "[stage][where]") {
    CHECK(collect(where(access_log, "latency_ms > 500")) ==
          strings({"level=error latency_ms=812 path=/api/users", "level=warn latency_ms=501 path=/health"}));
}

TEST_CASE("where is pipeable and yields the upstream's lines without copying", "[stage][where]") {
    auto p = access_log | where(R"(level == "error")");
    std::vector<const char*> addresses;
    for (std::string_view& line : p) {
        addresses.push_back(line.data());
    }
    CHECK(addresses == std::vector<const char*>{access_log[1].data(), access_log[4].data()});
}

TEST_CASE("where takes a where_expr parsed before", "[stage][where]") {
    const coropipe::where_expr e = coropipe::where_expr::parse(R"(path ~ "^/api" and latency_ms < 100)");
    CHECK(collect(access_log | where(e)) == strings({"level=error latency_ms=40 path=/api/items"}));
    CHECK(collect(access_log | where(e)).size() == 1); // the expression is reused, unchanged
}

TEST_CASE("where reads JSON lines from a real file", "[stage][where]") {
    const coropipe::test::temp_file log(R"({"level":"info","status":200,"path":"/"})"
                                        "\n"
                                        R"({"level":"error","status":503,"path":"/api"})"
                                        "\n"
                                        "garbage {\n"
                                        R"({"level":"error","status":404,"path":"/x"})"
                                        "\n"
                                        R"({"level":"error","sta)"); // cut short, no '\n'
    CHECK(collect(coropipe::lines(log.path) | where(R"(.level == "error" and .status >= 500)")) ==
          strings({R"({"level":"error","status":503,"path":"/api"})"}));
    CHECK(collect(coropipe::lines(log.path) | where("not has .level")) ==
          strings({"garbage {", R"({"level":"error","sta)"}));
}

TEST_CASE("where works on lines in a reused buffer", "[stage][where]") {
    // copied_lines reuses one buffer: same address, new bytes, every line.
    auto p = copied_lines({R"({"a":1,"b":1})", R"({"a":2,"b":2})", R"({"a":3,"b":4})"}) | where(".a == .b");
    CHECK(collect(p) == strings({R"({"a":1,"b":1})", R"({"a":2,"b":2})"}));
}

TEST_CASE("where composes with other stages", "[stage][where]") {
    CHECK(collect(access_log | coropipe::grep("api") | where("latency_ms > 100")) ==
          strings({"level=error latency_ms=812 path=/api/users"}));
    auto both = where("has level") | coropipe::take(2);
    CHECK(collect(access_log | std::move(both)) ==
          strings({"level=info latency_ms=12 path=/", "level=error latency_ms=812 path=/api/users"}));
}

TEST_CASE("where on an empty input yields nothing", "[stage][where]") {
    const std::vector<std::string_view> none;
    CHECK(collect(none | where("a > 1")).empty());
}

TEST_CASE("a malformed expression throws syntax_error when the stage is made", "[stage][where]") {
    CHECK_THROWS_AS(where("latency_ms = 500"), coropipe::syntax_error);
    CHECK_THROWS_WITH(where("latency_ms = 500"), Catch::Contains("write =="));
    CHECK_THROWS_AS(access_log | where("a &&"), coropipe::error);
}

TEST_CASE("an exception from the source surfaces through where with its type", "[stage][where]") {
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = numbered_lines(10, &pulls, 3) | where("$2 >= 0");
        auto it = p.begin();
        CHECK(*it == "line 0");
        ++it;
        ++it;
        CHECK(*it == "line 2");
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a where pipeline early destroys the source", "[stage][where]") {
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = numbered_lines(1000, &pulls) | where("$2 == 7");
        auto it = p.begin();
        CHECK(*it == "line 7");
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(pulls == 8);
    CHECK(guard.balanced());
}

TEST_CASE("where with a target is a sink that pushes the passing lines on", "[stage][where]") {
    std::vector<std::string> got;
    SECTION("into a sink") {
        auto s = where("n > 1", append_to(&got));
        CHECK(s.send("n=1"));
        CHECK(s.send("n=2"));
        CHECK(s.send("m=3"));
        s.close();
        CHECK(got == strings({"n=2"}));
    }
    SECTION("into a two-way coroutine") {
        auto s = where("not n > 1", printer(&got));
        s.send("n=1");
        s.send("n=2");
        s.send("m=3");
        s.close();
        CHECK(got == strings({"n=1", "m=3"}));
    }
}

TEST_CASE("a where stage keeps its coroutine frame small", "[stage][where]") {
    auto s = where(R"(.a.long.path."with a quoted key" == "and a string longer than a small buffer")");
    CHECK(coropipe::detail::last_frame_size() <= 128);
}
