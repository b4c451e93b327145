#include <coropipe/stage.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipe.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::generator;
using coropipe::input;
using coropipe::sink;
using coropipe::stage;
using coropipe::test::counted;
using coropipe::test::live_guard;

using coropipe::test::collect;
namespace {

stage<int> doubled() {
    while (int* x = co_await input) {
        co_yield *x * 2;
    }
}

stage<int> evens() {
    while (int* x = co_await input) {
        if (*x % 2 == 0) {
            co_yield *x;
        }
    }
}

stage<int> total() {
    int sum = 0;
    while (int* x = co_await input) {
        sum += *x;
    }
    co_yield sum;
}

stage<int> twice_each() {
    while (int* x = co_await input) {
        co_yield *x;
        co_yield *x;
    }
}

stage<int> first(int n) {
    if (n <= 0) {
        co_return;
    }
    while (int* x = co_await input) {
        co_yield *x;
        if (--n == 0) {
            co_return;
        }
    }
}

stage<int> fails_at(int bad) {
    while (int* x = co_await input) {
        if (*x == bad) {
            throw std::invalid_argument("bad value " + std::to_string(bad));
        }
        co_yield *x;
    }
}

sink<int> collect(std::vector<int>* out) {
    while (int* x = co_await input) {
        out->push_back(*x);
    }
}

generator<int> numbers(int n, int* pulled) {
    for (int i = 1; i <= n; ++i) {
        ++*pulled;
        co_yield i;
    }
}

} // namespace

TEST_CASE("a stage transforms each element it pulls from a range", "[core][stage]") {
    std::vector<int> in{1, 2, 3};
    CHECK(collect(in | doubled()) == std::vector<int>{2, 4, 6});
}

TEST_CASE("a stage does not start before its pipeline is iterated", "[core][stage]") {
    bool started = false;
    auto s = [](bool* f) -> stage<int> {
        *f = true;
        while (int* x = co_await input) {
            co_yield *x;
        }
    }(&started);
    auto p = std::vector<int>{1} | std::move(s);
    CHECK_FALSE(started);
    CHECK(collect(p) == std::vector<int>{1});
    CHECK(started);
}

TEST_CASE("a stage may drop inputs, emit several per input, or emit after the end", "[core][stage]") {
    std::vector<int> in{1, 2, 3, 4};
    CHECK(collect(in | evens()) == std::vector<int>{2, 4});
    CHECK(collect(in | twice_each()) == std::vector<int>{1, 1, 2, 2, 3, 3, 4, 4});
    CHECK(collect(in | total()) == std::vector<int>{10});
}

TEST_CASE("stages chain with | from a generator, left to right", "[core][stage]") {
    int pulled = 0;
    CHECK(collect(numbers(6, &pulled) | evens() | doubled() | twice_each()) ==
          std::vector<int>{4, 4, 8, 8, 12, 12});
    CHECK(pulled == 6);
}

TEST_CASE("stage | stage composes into one stage", "[core][stage]") {
    auto both = evens() | doubled();
    std::vector<int> in{1, 2, 3, 4};
    CHECK(collect(in | std::move(both)) == std::vector<int>{4, 8});
}

TEST_CASE("an empty input gives an empty output, but totals still come", "[core][stage]") {
    std::vector<int> none;
    CHECK(collect(none | doubled()).empty());
    CHECK(collect(none | total()) == std::vector<int>{0});
}

TEST_CASE("a stage that finishes early stops pulling from upstream", "[core][stage]") {
    int pulled = 0;
    CHECK(collect(numbers(1000, &pulled) | first(3)) == std::vector<int>{1, 2, 3});
    CHECK(pulled == 3);
    pulled = 0;
    CHECK(collect(numbers(1000, &pulled) | first(0)).empty());
    CHECK(pulled == 0);
}

TEST_CASE("an exception in a stage surfaces at the consumer with its type", "[core][stage]") {
    std::vector<int> in{1, 2, 3, 4};
    std::vector<int> seen;
    auto p = in | fails_at(3) | doubled();
    CHECK_THROWS_AS(
        [&] {
            for (int x : p) {
                seen.push_back(x);
            }
        }(),
        std::invalid_argument);
    CHECK(seen == std::vector<int>{2, 4});
}

TEST_CASE("an exception from the source reaches the stages, which may catch it", "[core][stage]") {
    auto failing = []() -> generator<int> {
        co_yield 1;
        throw std::runtime_error("source failed");
    };
    SECTION("not caught: the consumer gets it") {
        auto p = failing() | doubled();
        auto it = p.begin();
        CHECK(*it == 2);
        CHECK_THROWS_AS(++it, std::runtime_error);
    }
    SECTION("caught by a stage, which then reports and ends") {
        auto guarded = []() -> stage<int> {
            bool failed = false;
            try {
                while (int* x = co_await input) {
                    co_yield *x;
                }
            } catch (const std::runtime_error&) {
                failed = true;
            }
            if (failed) {
                co_yield -1;
            }
        };
        CHECK(collect(failing() | guarded()) == std::vector<int>{1, -1});
    }
    SECTION("a stage downstream of the failure may catch it") {
        auto catcher = []() -> stage<int> {
            int seen = 0;
            try {
                while (int* x = co_await input) {
                    ++seen;
                    co_yield *x;
                }
            } catch (const std::runtime_error&) {
            }
            co_yield 100 + seen;
        };
        CHECK(collect(failing() | doubled() | catcher()) == std::vector<int>{2, 101});
    }
}

TEST_CASE("destroying a pipeline early destroys every stage and the source", "[core][stage]") {
    live_guard guard;
    {
        auto src = []() -> generator<counted> {
            counted local;
            for (int i = 0;; ++i) {
                co_yield counted{i};
            }
        };
        auto keep = []() -> stage<counted> {
            counted local;
            while (counted* c = co_await input) {
                co_yield *c;
            }
        };
        auto p = src() | keep() | keep();
        auto it = p.begin();
        ++it;
        CHECK(it->value == 1);
        CHECK(counted::live > guard.start);
    }
    CHECK(guard.balanced());
}

TEST_CASE("a stage never run destroys its parameters", "[core][stage]") {
    live_guard guard;
    {
        auto s = [](counted) -> stage<int> {
            while (int* x = co_await input) {
                co_yield *x;
            }
        }(counted{});
        auto composed = std::move(s) | doubled();
    }
    CHECK(guard.balanced());
}

TEST_CASE("a sink takes values by send and finishes on close", "[core][stage][push]") {
    std::vector<int> got;
    auto s = evens() | doubled() | collect(&got);
    for (int i = 1; i <= 5; ++i) {
        CHECK(s.send(i));
    }
    CHECK(got == std::vector<int>{4, 8});
    s.close();
    CHECK(s.done());
}

TEST_CASE("close lets stages emit their totals before the chain is destroyed", "[core][stage][push]") {
    std::vector<int> got;
    auto s = total() | collect(&got);
    s.send(2);
    s.send(3);
    CHECK(got.empty());
    s.close();
    CHECK(got == std::vector<int>{5});
}

TEST_CASE("send returns false once the chain has finished, and takes nothing more", "[core][stage][push]") {
    std::vector<int> got;
    auto s = first(2) | collect(&got);
    CHECK(s.send(1));
    CHECK_FALSE(s.send(2)); // taken, and now the chain is done
    CHECK_FALSE(s.send(3)); // not taken
    CHECK(got == std::vector<int>{1, 2});
}

TEST_CASE("an exception in a pushed chain comes out of send", "[core][stage][push]") {
    std::vector<int> got;
    auto s = fails_at(2) | collect(&got);
    CHECK(s.send(1));
    CHECK_THROWS_AS(s.send(2), std::invalid_argument);
    CHECK(s.done());
    CHECK(got == std::vector<int>{1});
}

TEST_CASE("a range piped into a sink runs to the end at once", "[core][stage]") {
    std::vector<int> got;
    std::vector<int>{1, 2, 3, 4} | doubled() | collect(&got);
    CHECK(got == std::vector<int>{2, 4, 6, 8});
}

TEST_CASE("composing a stage that has already run is an error", "[core][stage]") {
    std::vector<int> got;
    auto s = collect(&got);
    s.send(1);
    CHECK_THROWS_AS(doubled() | std::move(s), coropipe::error);
}

// ---- a generator source, taken from directly (issue 12) -----------------------

TEST_CASE("a generator partly consumed before it is piped goes on with its next element", "[core][stage]") {
    int pulled = 0;
    auto g = numbers(5, &pulled);
    CHECK(g.next() == 1);
    CHECK(coropipe::test::collect(std::move(g) | doubled()) == std::vector<int>{4, 6, 8, 10});
    CHECK(pulled == 5);
}

TEST_CASE("a named generator piped into stages is referenced and advanced in place", "[core][stage]") {
    int pulled = 0;
    auto g = numbers(4, &pulled);
    auto p = g | doubled() | evens();
    CHECK(coropipe::test::collect(p) == std::vector<int>{2, 4, 6, 8});
    CHECK(g.done());
}

TEST_CASE("a delegating generator feeds a stage element by element", "[core][stage]") {
    auto nested = []() -> generator<int> {
        co_yield 1;
        co_yield coropipe::from([]() -> generator<int> {
            co_yield 2;
            co_yield 3;
        }());
        std::vector<int> tail{4, 5};
        co_yield coropipe::from(tail);
    };
    CHECK(coropipe::test::collect(nested() | doubled()) == std::vector<int>{2, 4, 6, 8, 10});
}

namespace {

generator<int> gives_up_after_two() {
    co_yield 1;
    co_yield 2;
    throw std::out_of_range("source gave up");
}

// Sums its input until it fails with std::out_of_range, then yields the sum
// + 100, and then, `awaits_after` times, the sum again if the input is still
// ended (-1 if not).
stage<int> sum_until_out_of_range(int awaits_after) {
    int seen = 0;
    try {
        while (int* x = co_await input) {
            seen += *x;
        }
    } catch (const std::out_of_range&) {
        seen += 100;
    }
    co_yield seen;
    for (int i = 0; i < awaits_after; ++i) {
        int* again = co_await input;
        co_yield again == nullptr ? seen : -1;
    }
}

} // namespace

TEST_CASE("an exception from a generator source after its first element reaches the head stage", "[core][stage]") {
    CHECK(coropipe::test::collect(gives_up_after_two() | sum_until_out_of_range(0)) == std::vector<int>{103});
}

TEST_CASE("a generator begun and read before it is piped goes on after the element read", "[core][stage]") {
    int pulled = 0;
    auto g = numbers(4, &pulled);
    auto it = g.begin();
    CHECK(*it == 1);
    CHECK(coropipe::test::collect(std::move(g) | doubled()) == std::vector<int>{4, 6, 8});
}

TEST_CASE("a head stage that caught its generator's exception finds its input ended when it awaits again",
          "[core][stage]") {
    // The generator has finished: none of its frames is resumed again.
    CHECK(collect(gives_up_after_two() | sum_until_out_of_range(2)) == std::vector<int>{103, 103, 103});
}

// A co_return type aligned beyond two pointers moves the element slot of the
// generator's frame off the place a stage reads it from without the type.
struct alignas(64) wide_total {
    int value = 0;
};

TEST_CASE("a generator returning an over-aligned type feeds a stage, also nested in one that is not", "[core][stage]") {
    auto wide = [](int from, int to) -> generator<int, wide_total> {
        int sum = 0;
        for (int i = from; i <= to; ++i) {
            sum += i;
            co_yield i;
        }
        co_return wide_total{sum};
    };
    SECTION("as the source") {
        CHECK(collect(wide(1, 4) | doubled()) == std::vector<int>{2, 4, 6, 8});
    }
    SECTION("delegated to, between elements of a plain generator") {
        auto outer = [](generator<int, wide_total> inner) -> generator<int> {
            co_yield 10;
            wide_total total = co_yield coropipe::from(std::move(inner));
            co_yield total.value;
            co_yield 20;
        };
        CHECK(collect(outer(wide(1, 3)) | doubled() | evens()) == std::vector<int>{20, 2, 4, 6, 12, 40});
    }
    SECTION("delegating to a plain generator") {
        auto outer = [](generator<int> inner) -> generator<int, wide_total> {
            co_yield 1;
            co_yield coropipe::from(std::move(inner));
            co_yield 4;
            co_return wide_total{4};
        };
        int pulled = 0;
        CHECK(collect(outer(numbers(2, &pulled)) | doubled()) == std::vector<int>{2, 2, 4, 8});
        CHECK(pulled == 2);
    }
}
