#include <coropipe/stages/broadcast.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <counted.hpp>

#include <range/v3/view/iota.hpp>
#include <range/v3/view/transform.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::broadcast;
using coropipe::test::counted;

namespace {

template <class T>
coropipe::sink<T> append_to(std::vector<T>* out) {
    counted in_scope;
    while (T* x = co_await coropipe::input) {
        out->push_back(*x);
    }
}

// Counts its inputs and reports the total only at the end of the input.
coropipe::sink<int> count_into(int* total) {
    counted in_scope;
    int n = 0;
    // HACK(gcc-12): bind the pointer; `while (co_await ...)` corrupts the frame.
    while (int* x = co_await coropipe::input) {
        (void)x;
        ++n;
    }
    *total = n;
}

coropipe::coroutine<void, int> printer(std::vector<int>* out) {
    counted in_scope;
    for (;;) {
        int x = co_yield {};
        out->push_back(x);
    }
}

coropipe::sink<int> fail_at(int bad) {
    counted in_scope;
    while (int* x = co_await coropipe::input) {
        if (*x == bad) {
            throw std::out_of_range("bad input");
        }
    }
}

coropipe::sink<int> fail_at_end() {
    counted in_scope;
    while (int* x = co_await coropipe::input) { // HACK(gcc-12): see count_into
        (void)x;
    }
    throw std::underflow_error("no totals");
}

coropipe::generator<int> upto(int n, int throw_at = -1) {
    counted in_scope;
    for (int i = 0; i < n; ++i) {
        if (i == throw_at) {
            throw std::logic_error("source failed");
        }
        co_yield i;
    }
}

} // namespace

TEST_CASE("broadcast sends each input to every target", "[stage][broadcast]") {
    coropipe::test::live_guard guard;
    std::vector<int> a, b;
    auto fan = broadcast(append_to(&a), append_to(&b));
    CHECK(fan.send(1));
    CHECK(fan.send(2));
    fan.close();
    CHECK(a == std::vector<int>{1, 2});
    CHECK(b == std::vector<int>{1, 2});
    CHECK(guard.balanced());
}

TEST_CASE("broadcast ends a pulled pipeline and closes its targets at the end", "[stage][broadcast]") {
    coropipe::test::live_guard guard;
    std::vector<int> got;
    int total = -1;
    upto(5) | broadcast(append_to(&got), count_into(&total));
    CHECK(got == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(total == 5);
    CHECK(guard.balanced());
}

TEST_CASE("broadcast feeds two-way sink coroutines", "[stage][broadcast]") {
    std::vector<int> a, b;
    std::vector<int>{7, 8} | broadcast(printer(&a), append_to(&b));
    CHECK(a == std::vector<int>{7, 8});
    CHECK(b == std::vector<int>{7, 8});
}

TEST_CASE("broadcast fans lines out to grep targets (Beazley's example)", "[stage][broadcast]") {
    std::vector<std::string_view> log{"python 1", "ply 2", "python ply 3", "c 4"};
    std::vector<std::string_view> python, ply;
    log | broadcast(coropipe::grep("python", append_to(&python)), coropipe::grep("ply", append_to(&ply)));
    CHECK(python == std::vector<std::string_view>{"python 1", "python ply 3"});
    CHECK(ply == std::vector<std::string_view>{"ply 2", "python ply 3"});
}

TEST_CASE("a finished target stops receiving and broadcast ends when all have", "[stage][broadcast]") {
    std::vector<int> few, more;
    auto fan = broadcast((coropipe::take(1) | append_to(&few)).build<int>(),
                         (coropipe::take(3) | append_to(&more)).build<int>());
    CHECK(fan.send(1));
    CHECK(fan.send(2));
    CHECK_FALSE(fan.send(3));
    CHECK(fan.done());
    CHECK(few == std::vector<int>{1});
    CHECK(more == std::vector<int>{1, 2, 3});
}

TEST_CASE("broadcast stops pulling once every target has finished", "[stage][broadcast]") {
    std::vector<int> got;
    int pulled = 0;
    auto counting = ranges::views::iota(0, 1000) | ranges::views::transform([&](int x) {
                        ++pulled;
                        return x;
                    });
    counting | broadcast((coropipe::take(2) | append_to(&got)).build<int>());
    CHECK(got == std::vector<int>{0, 1});
    CHECK(pulled == 2);
}

TEST_CASE("broadcast on an empty input still closes every target", "[stage][broadcast]") {
    int a = -1, b = -1;
    std::vector<int>{} | broadcast(count_into(&a), count_into(&b));
    CHECK(a == 0);
    CHECK(b == 0);
}

TEST_CASE("an exception from a target surfaces at the consumer with its type", "[stage][broadcast]") {
    coropipe::test::live_guard guard;
    std::vector<int> got;
    CHECK_THROWS_AS(upto(10) | broadcast(append_to(&got), fail_at(3)), std::out_of_range);
    CHECK(got == std::vector<int>{0, 1, 2, 3});
    CHECK(guard.balanced());
}

TEST_CASE("an exception from upstream surfaces through broadcast with its type", "[stage][broadcast]") {
    coropipe::test::live_guard guard;
    int total = -1;
    CHECK_THROWS_AS(upto(10, 4) | broadcast(count_into(&total)), std::logic_error);
    CHECK(total == -1); // destroyed, not closed: no totals
    CHECK(guard.balanced());
}

TEST_CASE("a target failing at close does not keep the others from closing", "[stage][broadcast]") {
    coropipe::test::live_guard guard;
    int before = -1, after = -1;
    {
        auto fan = broadcast(count_into(&before), fail_at_end(), count_into(&after));
        fan.send(1);
        CHECK_THROWS_AS(fan.close(), std::underflow_error);
    }
    CHECK(before == 1);
    CHECK(after == 1);
    CHECK(guard.balanced());
}

TEST_CASE("destroying a broadcast early destroys its targets without closing them", "[stage][broadcast]") {
    coropipe::test::live_guard guard;
    int total = -1;
    std::vector<int> got;
    {
        auto fan = broadcast(count_into(&total), printer(&got));
        fan.send(1);
        CHECK(counted::live == guard.start + 2);
    }
    CHECK(total == -1);
    CHECK(got == std::vector<int>{1});
    CHECK(guard.balanced());
}
