#include <coropipe/fused.hpp>

#include <coropipe/coroutine.hpp>
#include <coropipe/error.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/stages/aggregate.hpp>
#include <coropipe/stages/filter.hpp>
#include <coropipe/stages/running_min.hpp>
#include <coropipe/stages/take.hpp>
#include <coropipe/stages/transform.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <counted_source.hpp>

#include <range/v3/view/transform.hpp>

#include <functional>
#include <random>
#include <ranges>
#include <stdexcept>
#include <type_traits>
#include <vector>

using coropipe::filter;
using coropipe::final_only;
using coropipe::running_min;
using coropipe::take;
using coropipe::transform;
using coropipe::test::collect;
using coropipe::test::counted;
using coropipe::test::counted_values;
using coropipe::test::live_guard;
using coropipe::test::naturals;
using coropipe::test::value_of;

namespace {

// A coroutine stage, so that what follows it takes its coroutine form.
template <class T>
coropipe::stage<T> pass() {
    while (T* x = co_await coropipe::input) {
        co_yield *x;
    }
}

coropipe::sink<int> collect_into(std::vector<int>* out) {
    while (int* x = co_await coropipe::input) {
        out->push_back(*x);
    }
}

constexpr auto even = [](int x) { return x % 2 == 0; };

template <class T>
constexpr bool is_fused = coropipe::detail::is_fused<std::remove_cvref_t<T>>;

template <class L, class R>
concept can_pipe = requires(L&& l, R&& r) { std::forward<L>(l) | std::forward<R>(r); };

} // namespace

TEST_CASE("built-in element stages after a source fuse into one range with no coroutine", "[fused]") {
    std::vector<int> v{5, 2, 8, 1, 9};
    auto p = v | filter(even) | transform([](int x) { return x * 10; }) | running_min(std::identity{});
    STATIC_REQUIRE(is_fused<decltype(p)>);
    STATIC_REQUIRE(std::ranges::input_range<decltype(p)>);
    CHECK(collect(p) == std::vector<int>{20, 20});
}

TEST_CASE("a fused pipeline pulls from its source only as far as the consumer asks", "[fused]") {
    int pulls = 0;
    auto p = naturals(&pulls) | filter(even) | running_min(std::identity{});
    CHECK(pulls == 0);
    auto it = p.begin();
    CHECK(*it == 0);
    CHECK(pulls == 1);
    ++it;
    CHECK(*it == 0);
    CHECK(pulls == 3); // 1 was dropped, 2 passed
}

TEST_CASE("take in a fused pipeline stops pulling once it has n elements", "[fused][take]") {
    int pulls = 0;
    CHECK(collect(naturals(&pulls) | filter(even) | take(3)) == std::vector<int>{0, 2, 4});
    CHECK(pulls == 5);

    pulls = 0;
    CHECK(collect(naturals(&pulls) | take(3) | filter(even)) == std::vector<int>{0, 2});
    CHECK(pulls == 3);
}

TEST_CASE("take(0) in a fused pipeline never starts the source", "[fused][take]") {
    int pulls = 0;
    bool started = false;
    CHECK(collect(naturals(&pulls, -1, -1, &started) | transform([](int x) { return x + 1; }) | take(0)).empty());
    CHECK_FALSE(started);
    CHECK(pulls == 0);
}

TEST_CASE("the final output of a fused stage goes through the stages after it", "[fused]") {
    std::vector<int> v{7, 3, 9, 4};
    CHECK(collect(v | running_min(std::identity{}, final_only) | transform([](int x) { return x * 10; })) ==
          std::vector<int>{30});
    CHECK(collect(v | running_min(std::identity{}, final_only) | filter(even)).empty());
    CHECK(collect(v | take(2) | running_min(std::identity{}, final_only)) == std::vector<int>{3});
    CHECK(collect(v | running_min(std::identity{}, final_only) | coropipe::count(final_only)) ==
          std::vector<std::size_t>{1});
    std::vector<int> none;
    CHECK(collect(none | running_min(std::identity{}, final_only) | coropipe::count(final_only)) ==
          std::vector<std::size_t>{0});
}

TEST_CASE("fused stages yield what their coroutine forms yield", "[fused]") {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> value(-50, 50);
    std::uniform_int_distribution<int> length(0, 40);
    auto tenfold = [](int x) { return x * 10; };
    for (int round = 0; round < 200; ++round) {
        std::vector<int> v(static_cast<std::size_t>(length(rng)));
        for (int& x : v) {
            x = value(rng);
        }
        const auto n = static_cast<std::size_t>(round % 7);
        INFO("round " << round);
        CHECK(collect(v | filter(even) | transform(tenfold) | running_min(std::identity{}) | take(n)) ==
              collect(v | pass<int>() | filter(even) | transform(tenfold) | running_min(std::identity{}) | take(n)));
        CHECK(collect(v | take(n) | coropipe::running_max(std::identity{}, final_only)) ==
              collect(v | pass<int>() | take(n) | coropipe::running_max(std::identity{}, final_only)));
        CHECK(collect(v | filter(even) | coropipe::avg(std::identity{}, final_only)) ==
              collect(v | pass<int>() | filter(even) | coropipe::avg(std::identity{}, final_only)));
        CHECK(collect(v | coropipe::sum(std::identity{}) | take(n)) ==
              collect(v | pass<int>() | coropipe::sum(std::identity{}) | take(n)));
        // The steps fused into one closure, then run as one coroutine.
        auto fused = filter(even) | transform(tenfold) | take(n);
        CHECK(collect(v | fused.build<int>()) == collect(v | filter(even) | transform(tenfold) | take(n)));
    }
}

TEST_CASE("an exception from a fused stage surfaces from ++ with its type and ends the range", "[fused]") {
    std::vector<int> v{1, 2, 3, 4};
    auto p = v | filter([](int x) {
                 if (x == 3) {
                     throw std::invalid_argument("three");
                 }
                 return true;
             });
    auto it = p.begin();
    CHECK(*it == 1);
    ++it;
    CHECK(*it == 2);
    CHECK_THROWS_AS(++it, std::invalid_argument);
    CHECK_FALSE(p.next().has_value());
}

TEST_CASE("an exception from the source of a fused pipeline surfaces with its type, and nothing leaks", "[fused]") {
    live_guard guard;
    {
        auto p = counted_values({4, 2, 8}, 2) | transform(value_of) | running_min(std::identity{});
        auto it = p.begin();
        CHECK(*it == 4);
        ++it;
        CHECK(*it == 2);
        CHECK_THROWS_AS(++it, std::domain_error);
        CHECK(p.drain() == 0);
    }
    CHECK(guard.balanced());
    {
        auto p = counted_values({4, 2, 8}, 0) | filter([](const counted&) { return true; });
        CHECK_THROWS_AS(p.begin(), std::domain_error);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a fused pipeline early destroys its source where it waits", "[fused]") {
    live_guard guard;
    {
        auto p = counted_values({1, 2, 3, 4, 5}) | filter([](const counted& c) { return c.value > 1; }) | take(10);
        auto it = p.begin();
        CHECK(it->value == 2);
        CHECK(counted::live > guard.start);
    }
    CHECK(guard.balanced());
}

TEST_CASE("a fused pipeline passes the source's elements by address, without copying", "[fused]") {
    live_guard guard;
    std::vector<counted> v;
    v.reserve(3);
    for (int i = 0; i < 3; ++i) {
        v.emplace_back(i);
    }
    const long made = counted::constructed;
    auto p = v | filter([](const counted&) { return true; }) | take(3);
    for (counted& c : p) {
        CHECK(&c >= v.data());
        CHECK(&c < v.data() + v.size());
    }
    CHECK(counted::constructed == made);
}

TEST_CASE("a fused pipeline over a const range hands each step a copy of the element", "[fused]") {
    const std::vector<int> v{3, 1, 2};
    CHECK(collect(v | transform([](int& x) { return ++x; })) == std::vector<int>{4, 2, 3});
    CHECK(v == std::vector<int>{3, 1, 2});
}

TEST_CASE("a fused pipeline works with std::views and range-v3 views", "[fused]") {
    std::vector<int> v{1, 2, 3, 4, 5, 6};
    CHECK(collect(v | filter(even) | std::views::take(2)) == std::vector<int>{2, 4});
    auto evens = v | filter(even); // range-v3 takes move-only views as lvalues, like generators
    CHECK(collect(evens | ranges::views::transform([](int x) { return -x; })) == std::vector<int>{-2, -4, -6});
    CHECK(collect(v | std::views::reverse | filter(even) | take(2)) == std::vector<int>{6, 4});
}

TEST_CASE("a fused pipeline feeds coroutine stages, sinks and two-way coroutines", "[fused]") {
    std::vector<int> v{1, 2, 3, 4, 5, 6};
    CHECK(collect(v | filter(even) | pass<int>() | take(2)) == std::vector<int>{2, 4});

    std::vector<int> got;
    v | filter(even) | collect_into(&got);
    CHECK(got == std::vector<int>{2, 4, 6});

    std::vector<int> sent;
    auto printer = [](std::vector<int>* out) -> coropipe::coroutine<void, int> {
        for (;;) {
            int x = co_yield {};
            out->push_back(x);
        }
    };
    v | take(2) | printer(&sent);
    CHECK(sent == std::vector<int>{1, 2});
}

TEST_CASE("a fused pipeline kept in a variable is moved into what is piped after it", "[fused]") {
    std::vector<int> v{1, 2, 3, 4};
    auto evens = v | filter(even);
    STATIC_REQUIRE(std::ranges::view<decltype(evens)>);
    auto p = std::move(evens) | transform([](int x) { return x + 1; });
    CHECK(collect(p) == std::vector<int>{3, 5});
    // Without std::move, `|` is the deleted overload that says to write it.
    using fused = decltype(v | filter(even));
    using step = decltype(transform([](int x) { return x; }));
    STATIC_REQUIRE(coropipe::detail::lvalue_piped<fused&, step>);
    STATIC_REQUIRE_FALSE(can_pipe<fused&, step>);
}

TEST_CASE("fused stages in push mode run as one coroutine and stop taking input after take", "[fused][push]") {
    std::vector<int> got;
    auto s = (filter(even) | transform([](int x) { return x * 10; }) | take(2) | collect_into(&got)).build<int>();
    CHECK(s.send(1));
    CHECK(s.send(2));
    CHECK(s.send(3));
    CHECK_FALSE(s.send(4));
    CHECK(got == std::vector<int>{20, 40});
}

TEST_CASE("fused stages after a coroutine stage keep their own laziness", "[fused]") {
    int pulls = 0;
    CHECK(collect(naturals(&pulls) | pass<int>() | filter(even) | take(2)) == std::vector<int>{0, 2});
    CHECK(pulls == 3);
}

TEST_CASE("next and drain work on a fused pipeline as on any pipeline", "[fused]") {
    std::vector<int> v{4, 6, 1};
    auto p = v | filter(even);
    CHECK(p.next() == 4);
    CHECK(p.drain() == 1);
    CHECK_FALSE(p.next().has_value());
}

TEST_CASE("a fused pipeline that has started refuses more stages with coropipe::error", "[fused]") {
    std::vector<int> v{1, 2, 3};
    auto p = v | filter(even);
    CHECK(p.next() == 2);
    CHECK_THROWS_AS(std::move(p) | take(1), coropipe::error);
}
