#include <coropipe/stages/filter.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/running_min.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <counted_source.hpp>

#include <range/v3/view/transform.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::filter;
using coropipe::test::collect;
using coropipe::test::counted;
using coropipe::test::counted_values;
using coropipe::test::live_guard;

namespace {

constexpr auto odd = [](int x) { return x % 2 != 0; };

coropipe::generator<int> numbers(int n) {
    for (int i = 1; i <= n; ++i) {
        co_yield i;
    }
}

coropipe::stage<int> doubled() {
    while (int* x = co_await coropipe::input) {
        co_yield *x * 2;
    }
}

} // namespace

TEST_CASE("filter passes the elements its predicate accepts, in order", "[stage][filter]") {
    std::vector<int> v{1, 2, 3, 4, 5};
    CHECK(collect(filter(v, odd)) == std::vector<int>{1, 3, 5});
    CHECK(collect(v | filter(odd)) == std::vector<int>{1, 3, 5});
    CHECK(collect(numbers(6) | filter([](int x) { return x > 4; })) == std::vector<int>{5, 6});
}

TEST_CASE("filter composes with coroutine stages, other stages and range-v3 views", "[stage][filter]") {
    CHECK(collect(numbers(5) | doubled() | filter([](int x) { return x > 4; })) == std::vector<int>{6, 8, 10});
    CHECK(collect(numbers(5) | filter(odd) | doubled()) == std::vector<int>{2, 6, 10});
    CHECK(collect(numbers(9) | filter(odd) | coropipe::take(2)) == std::vector<int>{1, 3});
    auto odds = numbers(5) | filter(odd); // range-v3 takes move-only views as lvalues
    CHECK(collect(odds | ranges::views::transform([](int x) { return x * 100; })) == std::vector<int>{100, 300, 500});
    auto s = (filter(odd) | coropipe::running_min(std::identity{})).build<int>();
    std::vector<int> v{9, 4, 3, 7};
    CHECK(collect(v | std::move(s)) == std::vector<int>{9, 3, 3});
}

TEST_CASE("filter works on lines, with a predicate taking a string_view", "[stage][filter]") {
    std::vector<std::string_view> lines{"", "a", "", "bc"};
    CHECK(collect(lines | filter([](std::string_view l) { return !l.empty(); })) ==
          coropipe::test::strings({"a", "bc"}));
}

TEST_CASE("filter over an empty input yields nothing", "[stage][filter]") {
    std::vector<int> none;
    CHECK(collect(none | filter(odd)).empty());
    CHECK(collect(numbers(0) | doubled() | filter(odd)).empty());
}

TEST_CASE("filter that rejects everything yields nothing and reads all its input", "[stage][filter]") {
    int calls = 0;
    CHECK(collect(numbers(100) | filter([&calls](int) {
                      ++calls;
                      return false;
                  })) .empty());
    CHECK(calls == 100);
}

TEST_CASE("an exception from filter's predicate surfaces at the consumer with its type", "[stage][filter]") {
    auto throws_at_3 = [](int x) {
        if (x == 3) {
            throw std::out_of_range("three");
        }
        return true;
    };
    CHECK_THROWS_AS(collect(numbers(5) | filter(throws_at_3)), std::out_of_range);
    CHECK_THROWS_AS(collect(numbers(5) | doubled() | filter([](int x) {
                                if (x == 6) {
                                    throw std::out_of_range("six");
                                }
                                return true;
                            })),
                    std::out_of_range);
}

TEST_CASE("an exception from upstream passes through filter with its type, and nothing leaks", "[stage][filter]") {
    live_guard guard;
    CHECK_THROWS_AS(collect(counted_values({1, 2, 3}, 1) | filter([](const counted&) { return true; })),
                    std::domain_error);
    CHECK(guard.balanced());
}

TEST_CASE("destroying a filtered pipeline early destroys everything upstream", "[stage][filter]") {
    live_guard guard;
    {
        auto p = counted_values({1, 2, 3, 4}) | filter([](const counted& c) { return c.value % 2 == 0; });
        auto it = p.begin();
        CHECK(it->value == 2);
    }
    CHECK(guard.balanced());
    {
        auto s = (filter([](const counted& c) { return c.value > 0; })).build<counted>();
        auto p = counted_values({1, 2, 3}) | std::move(s);
        CHECK(p.begin()->value == 1);
    }
    CHECK(guard.balanced());
}
