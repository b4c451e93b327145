#include <coropipe/stages/transform.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/filter.hpp>
#include <coropipe/stages/running_min.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <counted_source.hpp>

#include <range/v3/view/take.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using coropipe::transform;
using coropipe::test::collect;
using coropipe::test::counted;
using coropipe::test::counted_values;
using coropipe::test::live_guard;

namespace {

coropipe::generator<int> numbers(int n) {
    for (int i = 1; i <= n; ++i) {
        co_yield i;
    }
}

coropipe::stage<int> pass() {
    while (int* x = co_await coropipe::input) {
        co_yield *x;
    }
}

constexpr auto square = [](int x) { return x * x; };

} // namespace

TEST_CASE("transform yields f of each element, in order", "[stage][transform]") {
    std::vector<int> v{1, 2, 3};
    CHECK(collect(transform(v, square)) == std::vector<int>{1, 4, 9});
    CHECK(collect(v | transform(square)) == std::vector<int>{1, 4, 9});
    CHECK(collect(numbers(3) | transform([](int x) { return std::to_string(x); })) ==
          std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("transform's result may change type, and the stages after it take that type", "[stage][transform]") {
    std::vector<std::string_view> words{"ccc", "a", "bb"};
    CHECK(collect(words | transform([](std::string_view w) { return w.size(); }) |
                  coropipe::running_max(std::identity{})) == std::vector<std::size_t>{3, 3, 3});
    CHECK(collect(numbers(4) | pass() | transform([](int x) { return x * 0.5; })) ==
          std::vector<double>{0.5, 1.0, 1.5, 2.0});
}

TEST_CASE("transform passes a result returned by reference on by address", "[stage][transform]") {
    std::vector<std::pair<int, int>> v{{1, 10}, {2, 20}};
    auto p = v | transform([](std::pair<int, int>& e) -> int& { return e.second; });
    for (int& x : p) {
        x += 1;
    }
    CHECK(v == std::vector<std::pair<int, int>>{{1, 11}, {2, 21}});
}

TEST_CASE("transform composes with filter, coroutine stages and range-v3 views", "[stage][transform]") {
    CHECK(collect(numbers(6) | transform(square) | coropipe::filter([](int x) { return x > 10; })) ==
          std::vector<int>{16, 25, 36});
    CHECK(collect(numbers(3) | transform(square) | pass()) == std::vector<int>{1, 4, 9});
    auto squares = numbers(5) | transform(square); // range-v3 takes move-only views as lvalues
    CHECK(collect(squares | ranges::views::take(2)) == std::vector<int>{1, 4});
}

TEST_CASE("transform over an empty input yields nothing and never calls f", "[stage][transform]") {
    int calls = 0;
    std::vector<int> none;
    CHECK(collect(none | transform([&calls](int x) {
                      ++calls;
                      return x;
                  })).empty());
    CHECK(calls == 0);
}

TEST_CASE("transform calls f once per element the consumer asks for", "[stage][transform]") {
    int calls = 0;
    auto p = numbers(100) | transform([&calls](int x) {
                 ++calls;
                 return x;
             });
    auto it = p.begin();
    ++it;
    CHECK(*it == 2);
    CHECK(calls == 2);
}

TEST_CASE("an exception from transform's function surfaces at the consumer with its type", "[stage][transform]") {
    auto fails_at_2 = [](int x) {
        if (x == 2) {
            throw std::overflow_error("two");
        }
        return x;
    };
    CHECK_THROWS_AS(collect(numbers(3) | transform(fails_at_2)), std::overflow_error);
    CHECK_THROWS_AS(collect(numbers(3) | pass() | transform(fails_at_2)), std::overflow_error);
}

TEST_CASE("transform's results and the source are destroyed, early or at the end", "[stage][transform]") {
    live_guard guard;
    {
        auto p = numbers(10) | transform([](int x) { return counted(x); });
        auto it = p.begin();
        CHECK(it->value == 1);
    }
    CHECK(guard.balanced());
    {
        auto p = counted_values({1, 2, 3}) | transform([](const counted& c) { return counted(c.value * 2); });
        CHECK(collect(p).size() == 3);
    }
    CHECK(guard.balanced());
    CHECK_THROWS_AS(collect(counted_values({1, 2, 3}, 2) | transform([](const counted& c) { return c.value; })),
                    std::domain_error);
    CHECK(guard.balanced());
}
