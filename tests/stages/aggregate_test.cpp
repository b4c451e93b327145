#include <coropipe/stages/aggregate.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted_source.hpp>
#include <counted.hpp>

#include <range/v3/view/take.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

using coropipe::avg;
using coropipe::count;
using coropipe::final_only;
using coropipe::sum;
using coropipe::test::counted;

using coropipe::test::collect;
using coropipe::test::counted_values;
using coropipe::test::value_of;
namespace {

using doubles = std::vector<double>;
using sizes = std::vector<std::size_t>;

const std::vector<std::string_view> log_lines{"GET latency_ms=10", "GET status=500", "POST latency_ms=20",
                                              "GET latency_ms=30 bytes=7", "oops latency_ms=fast"};

} // namespace

TEST_CASE("count yields the running number of inputs", "[stage][aggregate]") {
    CHECK(collect(log_lines | count()) == sizes{1, 2, 3, 4, 5});
    CHECK(collect(count(log_lines)) == sizes{1, 2, 3, 4, 5});
    STATIC_REQUIRE(std::is_same_v<std::ranges::range_value_t<decltype(log_lines | count())>, std::size_t>);
}

TEST_CASE("count with final_only yields the total once, 0 for an empty input", "[stage][aggregate]") {
    CHECK(collect(log_lines | count(final_only)) == sizes{5});
    CHECK(collect(count(log_lines, final_only)) == sizes{5});
    std::vector<int> none;
    CHECK(collect(none | count(final_only)) == sizes{0});
    CHECK(collect(none | count()).empty());
}

TEST_CASE("sum yields the running sum of the projection, skipping empty values", "[stage][aggregate]") {
    CHECK(collect(log_lines | sum(coropipe::field("latency_ms"))) == doubles{10, 30, 60});
    CHECK(collect(sum(log_lines, coropipe::field("bytes"))) == doubles{7});
    std::vector<int> ints{1, 2, 3};
    CHECK(collect(ints | sum(std::identity{})) == doubles{1, 3, 6});
}

TEST_CASE("sum with final_only yields the total once, 0 for an empty input", "[stage][aggregate]") {
    CHECK(collect(log_lines | sum(coropipe::field("latency_ms"), final_only)) == doubles{60});
    CHECK(collect(sum(log_lines, coropipe::field("nothing"), final_only)) == doubles{0});
    std::vector<std::string_view> none;
    CHECK(collect(none | sum(coropipe::column(1), final_only)) == doubles{0});
    CHECK(collect(none | sum(coropipe::column(1))).empty());
}

TEST_CASE("avg yields the running mean of the projection, skipping empty values", "[stage][aggregate]") {
    CHECK(collect(log_lines | avg(coropipe::field("latency_ms"))) == doubles{10, 15, 20});
    std::vector<std::string_view> table{"a 1 4", "b 2", "c x 1", "d 3 3"};
    CHECK(collect(table | avg(coropipe::column(2))) == doubles{1, 1.5, 2});
    const doubles means = collect(avg(table, coropipe::column(3)));
    REQUIRE(means.size() == 3);
    CHECK(means[0] == 4);
    CHECK(means[1] == 2.5);
    CHECK(means[2] == Approx(8.0 / 3));
}

TEST_CASE("avg with final_only yields the mean once, nothing for an empty input", "[stage][aggregate]") {
    CHECK(collect(log_lines | avg(coropipe::field("latency_ms"), final_only)) == doubles{20});
    CHECK(collect(avg(log_lines, coropipe::field("nothing"), final_only)).empty());
    std::vector<int> none;
    CHECK(collect(none | avg(std::identity{}, final_only)).empty());
}

TEST_CASE("aggregates compose with grep, take and range-v3", "[stage][aggregate]") {
    CHECK(collect(log_lines | coropipe::grep("GET") | sum(coropipe::field("latency_ms"))) == doubles{10, 40});
    CHECK(collect(log_lines | coropipe::grep("GET") | count(final_only)) == sizes{3});
    CHECK(collect(log_lines | count() | coropipe::take(2)) == sizes{1, 2});
    auto p = log_lines | avg(coropipe::field("latency_ms"));
    CHECK(collect(p | ranges::views::take(2)) == doubles{10, 15});
    auto stage = coropipe::grep("latency") | count(final_only);
    CHECK(collect(log_lines | std::move(stage)) == sizes{4});
}

TEST_CASE("an exception from upstream surfaces through the aggregates with its type", "[stage][aggregate]") {
    coropipe::test::live_guard guard;
    {
        auto p = counted_values({5, 3, 9, 1}, 2) | sum(value_of);
        auto it = p.begin();
        CHECK(*it == 5);
        ++it;
        CHECK(*it == 8);
        CHECK_THROWS_AS(++it, std::domain_error);
    }
    {
        auto p = counted_values({5, 3}, 1) | count(final_only);
        CHECK_THROWS_AS(p.begin(), std::domain_error);
    }
    CHECK(guard.balanced());
}

TEST_CASE("an exception from the projection surfaces at the consumer", "[stage][aggregate]") {
    coropipe::test::live_guard guard;
    auto throwing = [](const counted& c) {
        if (c.value < 0) {
            throw std::range_error("negative");
        }
        return c.value;
    };
    {
        auto p = counted_values({5, -1, 2}) | avg(throwing, final_only);
        CHECK_THROWS_AS(p.begin(), std::range_error);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying an aggregate pipeline early destroys upstream", "[stage][aggregate]") {
    coropipe::test::live_guard guard;
    {
        auto p = counted_values({4, 2, 8, 1, 0}) | avg(value_of);
        auto it = p.begin();
        ++it;
        CHECK(*it == 3);
        CHECK(counted::live > guard.start);
    }
    {
        auto p = counted_values({4, 2, 8}) | count();
        CHECK(*p.begin() == 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("aggregate stages over a field keep their coroutine frames within 128 bytes", "[stage][aggregate]") {
    auto s = sum(coropipe::field("latency_ms")).build<std::string_view>();
    CHECK(coropipe::detail::last_frame_size() <= 128);
    auto a = avg(coropipe::field("latency_ms"), final_only).build<std::string_view>();
    INFO("avg frame bytes: " << coropipe::detail::last_frame_size());
    CHECK(coropipe::detail::last_frame_size() <= 128);
    auto c = count().build<std::string_view>();
    CHECK(coropipe::detail::last_frame_size() <= 128);
}
