#include <coropipe/stages/running_min.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <counted_source.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <range/v3/view/take.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::final_only;
using coropipe::running_max;
using coropipe::running_min;
using coropipe::test::counted;

using coropipe::test::collect;
using coropipe::test::counted_values;
using coropipe::test::value_of;
namespace {

std::optional<int> even_only(int x) {
    if (x % 2 != 0) {
        return std::nullopt;
    }
    return x;
}

// A counted value with an order, for the two-way form.
struct ordered : counted {
    using counted::counted;
    friend bool operator<(const ordered& a, const ordered& b) noexcept { return a.value < b.value; }
};

} // namespace

TEST_CASE("running_min yields the smallest value sent so far", "[stage][running_min]") {
    auto m = running_min<int>();
    CHECK(m.send(10) == 10);
    CHECK(m.send(4) == 4);
    CHECK(m.send(22) == 4);
    CHECK(m.send(-1) == -1);
    CHECK_FALSE(m.done());
}

TEST_CASE("running_max yields the largest value sent so far", "[stage][running_min]") {
    auto m = running_max<double>();
    CHECK(m.send(1.5) == 1.5);
    CHECK(m.send(-3.0) == 1.5);
    CHECK(m.send(7.0) == 7.0);
}

TEST_CASE("the two-way running_min works for any ordered type", "[stage][running_min]") {
    auto m = running_min<std::string>();
    CHECK(m.send("pear") == "pear");
    CHECK(m.send("apple") == "apple");
    CHECK(m.send("zebra") == "apple");
}

TEST_CASE("running_min as a stage yields one running minimum per input", "[stage][running_min]") {
    std::vector<int> seed{10, 4, 22, -1};
    CHECK(collect(seed | running_min(std::identity{})) == std::vector<int>{10, 4, 4, -1});
    CHECK(collect(running_min(seed, std::identity{})) == std::vector<int>{10, 4, 4, -1});
    CHECK(collect(seed | running_max(std::identity{})) == std::vector<int>{10, 10, 22, 22});
}

TEST_CASE("running_min yields the minimum of the projection", "[stage][running_min]") {
    std::vector<std::string> words{"three", "a", "seven", "no"};
    auto length = [](const std::string& s) { return s.size(); };
    CHECK(collect(words | running_min(length)) == std::vector<std::size_t>{5, 1, 1, 1});
    CHECK(collect(words | running_max(length)) == std::vector<std::size_t>{5, 5, 5, 5});
}

TEST_CASE("running_min skips inputs whose projection is empty", "[stage][running_min]") {
    std::vector<int> values{3, 8, 5, 6, 2, 9};
    CHECK(collect(values | running_min(even_only)) == std::vector<int>{8, 6, 2});
    CHECK(collect(values | running_max(even_only)) == std::vector<int>{8, 8, 8});
}

TEST_CASE("running_min with final_only yields only the final minimum", "[stage][running_min]") {
    std::vector<int> seed{10, 4, 22, -1};
    CHECK(collect(seed | running_min(std::identity{}, final_only)) == std::vector<int>{-1});
    CHECK(collect(running_max(seed, std::identity{}, final_only)) == std::vector<int>{22});
    std::vector<int> odd{1, 3};
    CHECK(collect(odd | running_min(even_only, final_only)).empty());
}

TEST_CASE("running_min on an empty input yields nothing", "[stage][running_min]") {
    std::vector<int> none;
    CHECK(collect(none | running_min(std::identity{})).empty());
    CHECK(collect(none | running_max(std::identity{}, final_only)).empty());
}

TEST_CASE("running_max of a field composes with grep, take and range-v3", "[stage][running_min]") {
    std::vector<std::string_view> log{"GET latency_ms=12", "POST latency_ms=30", "GET latency_ms=45", "GET status=500",
                                      "GET latency_ms=7"};
    CHECK(collect(log | coropipe::grep("GET") | running_max(coropipe::field("latency_ms"))) ==
          std::vector<double>{12, 45, 45});
    CHECK(collect(log | running_min(coropipe::field("latency_ms")) | coropipe::take(2)) == std::vector<double>{12, 12});
    auto p = log | running_max(coropipe::field("latency_ms"), final_only);
    CHECK(collect(p | ranges::views::take(5)) == std::vector<double>{45});
}

TEST_CASE("an exception from upstream surfaces through running_min with its type", "[stage][running_min]") {
    coropipe::test::live_guard guard;
    {
        auto p = counted_values({5, 3, 9, 1}, 2) | running_min(value_of);
        auto it = p.begin();
        CHECK(*it == 5);
        ++it;
        CHECK(*it == 3);
        CHECK_THROWS_AS(++it, std::domain_error);
    }
    CHECK(guard.balanced());
}

TEST_CASE("an exception from the projection surfaces at the consumer", "[stage][running_min]") {
    coropipe::test::live_guard guard;
    auto throwing = [](const counted& c) {
        if (c.value < 0) {
            throw std::range_error("negative");
        }
        return c.value;
    };
    {
        auto p = counted_values({5, -1, 2}) | running_min(throwing, final_only);
        CHECK_THROWS_AS(p.begin(), std::range_error);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a running_min pipeline early destroys upstream", "[stage][running_min]") {
    coropipe::test::live_guard guard;
    {
        auto p = counted_values({4, 2, 8, 1, 0}) | running_min(value_of);
        auto it = p.begin();
        ++it;
        CHECK(*it == 2);
        CHECK(counted::live > guard.start);
    }
    CHECK(guard.balanced());
    {
        auto m = running_min<ordered>();
        CHECK(m.send(ordered(3))->value == 3);
        CHECK(m.send(ordered(5))->value == 3);
        CHECK(m.send(ordered(1))->value == 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("a running_min stage over a field keeps its coroutine frame within 128 bytes", "[stage][running_min]") {
    auto closure = running_min(coropipe::field("latency_ms"));
    auto s = closure.build<std::string_view>();
    const std::size_t frame = coropipe::detail::last_frame_size();
    INFO("frame bytes: " << frame);
    CHECK(frame <= 128);
}
