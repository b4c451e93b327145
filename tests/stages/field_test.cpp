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

#include <bit>
#include <charconv>
#include <cstdint>
#include <optional>
#include <random>
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

TEST_CASE("field reads numbers exactly as std::from_chars does", "[stage][field]") {
    // The fast path for plain decimals must give the very same doubles
    // (signed zeros included) as the from_chars path it short-cuts.
    std::vector<std::string> tokens{"0",
                                    "-0",
                                    "0.0",
                                    "-0.0",
                                    "5.",
                                    "-5.",
                                    ".5",
                                    "-.5",
                                    "007",
                                    "0.1",
                                    "0.3",
                                    "2.675",
                                    "1.005",
                                    "123456789012345",
                                    "12345678901234.5",
                                    "0.000000000000001",
                                    "1234567890123456",
                                    "9007199254740993",
                                    "99999999999999999999",
                                    "4.35",
                                    "1e3",
                                    "-2.5E-3",
                                    "179769313486231570000000000000000000000"};
    std::mt19937_64 random(42);
    for (int i = 0; i < 20000; ++i) {
        const auto digits = std::to_string(random() >> (random() % 64));
        const std::size_t point = random() % (digits.size() + 2);
        std::string token = (i % 3 == 0 ? "-" : "") + digits;
        if (point < digits.size()) {
            token.insert(token.size() - point, ".");
        }
        tokens.push_back(token);
    }
    for (const std::string& token : tokens) {
        INFO(token);
        double expected = 0;
        auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), expected);
        REQUIRE(ec == std::errc());
        REQUIRE(ptr == token.data() + token.size());
        const std::optional<double> got = field("n")("a=1 n=" + token + " b=2");
        REQUIRE(got.has_value());
        CHECK(std::bit_cast<std::uint64_t>(*got) == std::bit_cast<std::uint64_t>(expected));
        const std::optional<double> at_end = column(2)("x " + token);
        REQUIRE(at_end.has_value());
        CHECK(std::bit_cast<std::uint64_t>(*at_end) == std::bit_cast<std::uint64_t>(expected));
    }
}

TEST_CASE("field and column give their text as written, numeric or not", "[stage][field]") {
    CHECK(field("user").text("a user=u42 b=1") == "u42"sv);
    CHECK(field("user").text("user=\tx") == ""sv);
    CHECK(field("user").text("user=x\r") == "x"sv);
    CHECK(field("user").text("xuser=1") == std::nullopt);
    CHECK(field("user").text("") == std::nullopt);
    CHECK(field("a=b").text("a=b=c") == "c"sv); // a key may hold '=' in the library
    CHECK(column(2).text("one  two\tthree") == "two"sv);
    CHECK(column(4).text("one two three") == std::nullopt);
}

TEST_CASE("field with an empty key is an error", "[stage][field]") { CHECK_THROWS_AS(field(""), coropipe::error); }

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
