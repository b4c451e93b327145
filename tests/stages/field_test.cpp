#include <coropipe/stages/field.hpp>

#include <coropipe/error.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/running_min.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::column;
using coropipe::field;

using coropipe::test::collect;
namespace {

coropipe::generator<std::string_view> log_lines(int n, int throw_at = -1) {
    coropipe::test::counted in_scope;
    for (int i = 0; i < n; ++i) {
        if (i == throw_at) {
            throw std::overflow_error("log failed");
        }
        std::string line = "req=" + std::to_string(i) + " latency_ms=" + std::to_string(100 - i);
        co_yield std::string_view(line);
    }
}

} // namespace

TEST_CASE("field reads the number after key=", "[stage][field]") {
    auto latency = field("latency_ms");
    CHECK(latency("latency_ms=12") == 12.0);
    CHECK(latency("GET /x latency_ms=7 status=200") == 7.0);
    CHECK(latency("status=200\tlatency_ms=3.25") == 3.25);
    CHECK(latency("offset latency_ms=-4.5") == -4.5);
    CHECK(latency("latency_ms=.5") == 0.5);
    CHECK(latency("latency_ms=1e3") == 1000.0);
}

TEST_CASE("field only matches a whole key", "[stage][field]") {
    auto latency = field("latency_ms");
    CHECK(latency("xlatency_ms=5") == std::nullopt);
    CHECK(latency("a.latency_ms=5") == std::nullopt);
    CHECK(latency("latency_ms_p99=5") == std::nullopt);
    CHECK(latency("xlatency_ms=5 latency_ms=6") == 6.0);
}

TEST_CASE("field is empty when the key is missing or its value is not a number", "[stage][field]") {
    auto latency = field("latency_ms");
    CHECK(latency("") == std::nullopt);
    CHECK(latency("status=200") == std::nullopt);
    CHECK(latency("latency_ms") == std::nullopt);
    CHECK(latency("latency_ms=") == std::nullopt);
    CHECK(latency("latency_ms= 5") == std::nullopt);
    CHECK(latency("latency_ms=fast") == std::nullopt);
    CHECK(latency("latency_ms=12ms") == std::nullopt);
    CHECK(latency("latency_ms=-") == std::nullopt);
    CHECK(latency("latency_ms=nan") == std::nullopt);
    CHECK(latency("latency_ms=inf") == std::nullopt);
    CHECK(latency("latency_ms=+5") == std::nullopt);
}

TEST_CASE("field tolerates a CRLF line ending", "[stage][field]") {
    CHECK(field("n")("n=42\r") == 42.0);
    CHECK(field("n")("a=1 n=-2.5\r\n") == -2.5);
}

TEST_CASE("field treats NUL bytes and invalid UTF-8 as part of other tokens", "[stage][field]") {
    CHECK(field("n")("\xff n=3"sv) == 3.0);
    CHECK(field("n")("\0n=3"sv) == std::nullopt);
    CHECK(field("n")("n=3\0"sv) == std::nullopt);
}

TEST_CASE("field with an empty key is an error", "[stage][field]") {
    CHECK_THROWS_AS(field(""), coropipe::error);
}

TEST_CASE("column reads the n-th whitespace column as a number, like awk", "[stage][field]") {
    CHECK(column(1)("12 abc 3.5") == 12.0);
    CHECK(column(3)("12 abc 3.5") == 3.5);
    CHECK(column(3)("  12\t\tabc   -3.5  ") == -3.5);
    CHECK(column(2)("12 abc 3.5") == std::nullopt);
    CHECK(column(4)("12 abc 3.5") == std::nullopt);
    CHECK(column(1)("") == std::nullopt);
    CHECK(column(1)("   ") == std::nullopt);
    CHECK(column(2)("a 7\r\n") == 7.0);
    CHECK_THROWS_AS(column(0), coropipe::error);
}

TEST_CASE("field and column are projections for running_min", "[stage][field]") {
    std::vector<std::string_view> log{"a latency_ms=5", "b", "c latency_ms=2", "d latency_ms=9"};
    CHECK(collect(log | coropipe::running_min(field("latency_ms"))) == std::vector<double>{5, 2, 2});
    std::vector<std::string_view> table{"x 10", "y 3", "z oops", "w 4"};
    CHECK(collect(coropipe::running_max(table, column(2), coropipe::final_only)) == std::vector<double>{10});
}

TEST_CASE("field composes with grep and range-v3 views", "[stage][field]") {
    std::vector<std::string_view> log{"GET n=1", "POST n=2", "GET n=3", "GET n=4"};
    auto p = log | coropipe::grep("GET") | coropipe::running_max(field("n"));
    CHECK(collect(p | ranges::views::take(2)) == std::vector<double>{1, 3});
    auto values = log | ranges::views::transform(field("n"));
    CHECK(*ranges::begin(values) == 1.0);
}

TEST_CASE("field on an empty input yields nothing", "[stage][field]") {
    std::vector<std::string_view> none;
    CHECK(collect(none | coropipe::running_min(field("n"))).empty());
}

TEST_CASE("an exception from the source surfaces past a field projection", "[stage][field]") {
    coropipe::test::live_guard guard;
    {
        auto p = log_lines(10, 3) | coropipe::running_min(field("latency_ms"));
        auto it = p.begin();
        CHECK(*it == 100.0);
        ++it;
        ++it;
        CHECK(*it == 98.0);
        CHECK_THROWS_AS(++it, std::overflow_error);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a pipeline with a field projection early destroys the source", "[stage][field]") {
    coropipe::test::live_guard guard;
    {
        auto p = log_lines(1000) | coropipe::running_min(field("latency_ms"));
        CHECK(*p.begin() == 100.0);
    }
    CHECK(guard.balanced());
}
