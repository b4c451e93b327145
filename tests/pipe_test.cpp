#include <coropipe/pipe.hpp>
#include <coropipe/coroutine.hpp>
#include <coropipe/generator.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <range/v3/view/filter.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <ranges>
#include <string>
#include <string_view>
#include <vector>

using coropipe::coroutine;
using coropipe::generator;
using coropipe::input;
using coropipe::sink;
using coropipe::stage;

using coropipe::test::collect;
namespace {

template <class T>
stage<T> identity_stage() {
    while (T* x = co_await input) {
        co_yield *x;
    }
}

template <class T>
stage<T, std::string> to_text() {
    while (T* x = co_await input) {
        co_yield std::to_string(*x);
    }
}

// A generic stage as a pipeable closure: the input type comes from the left.
inline auto same() {
    return coropipe::make_closure([]<class In>() { return identity_stage<In>(); });
}

inline auto as_text() {
    return coropipe::make_closure([]<class In>() { return to_text<In>(); });
}

coroutine<void, std::string> printer(std::vector<std::string>* out) {
    for (;;) {
        out->push_back(co_yield {});
    }
}

} // namespace

TEST_CASE("a pipeline is an input range for std::ranges", "[core][pipe]") {
    using p = coropipe::pipeline<int>;
    STATIC_REQUIRE(std::ranges::input_range<p>);
    STATIC_REQUIRE(ranges::input_range<p>);
    auto nums = std::vector<int>{1, 2, 3, 4, 5};
    CHECK(collect(nums | identity_stage<int>() | std::views::take(2)) == std::vector<int>{1, 2});
}

TEST_CASE("range-v3 and std views feed stages and consume pipelines", "[core][pipe]") {
    std::vector<int> nums{1, 2, 3, 4, 5, 6};
    SECTION("a range-v3 view as the source") {
        auto odd = nums | ranges::views::filter([](int x) { return x % 2 == 1; });
        CHECK(collect(odd | identity_stage<int>()) == std::vector<int>{1, 3, 5});
    }
    SECTION("a std view as the source, converting prvalue elements") {
        CHECK(collect(std::views::iota(1, 4) | identity_stage<int>()) == std::vector<int>{1, 2, 3});
    }
    SECTION("a range-v3 view over a pipeline (held as an lvalue: range-v3 views must be copyable)") {
        auto p = nums | identity_stage<int>();
        CHECK(collect(p | ranges::views::transform([](int x) { return x * 10; }) | ranges::views::take(2)) ==
              std::vector<int>{10, 20});
    }
}

TEST_CASE("a closure takes its input type from what is piped into it", "[core][pipe]") {
    std::vector<int> nums{7, 8};
    CHECK(collect(nums | same() | as_text()) == std::vector<std::string>{"7", "8"});
    SECTION("closures compose before they know their input") {
        auto both = same() | as_text();
        CHECK(collect(nums | std::move(both)) == std::vector<std::string>{"7", "8"});
    }
    SECTION("after a stage, the closure uses the stage's output type") {
        CHECK(collect(nums | identity_stage<int>() | as_text()) == std::vector<std::string>{"7", "8"});
    }
}

TEST_CASE("a two-way sink coroutine can end a pipeline, as Beazley's printer", "[core][pipe]") {
    std::vector<std::string> printed;
    std::vector<int>{1, 2} | to_text<int>() | printer(&printed);
    CHECK(printed == std::vector<std::string>{"1", "2"});
}

TEST_CASE("Beazley's push form: a source sends into a composed sink", "[core][pipe][push]") {
    std::vector<std::string> printed;
    sink<int> target = to_text<int>() | printer(&printed);
    auto source = [](sink<int>& t) {
        for (int i = 0; i < 3; ++i) {
            t.send(i);
        }
        t.close();
    };
    source(target);
    CHECK(printed == std::vector<std::string>{"0", "1", "2"});
}

TEST_CASE("pipeline next works like Python's next", "[core][pipe]") {
    auto p = std::vector<int>{4, 5} | identity_stage<int>();
    CHECK(p.next() == 4);
    CHECK(p.next() == 5);
    CHECK_FALSE(p.next().has_value());
}

TEST_CASE("drain runs a pipeline to its end and counts its outputs", "[core][pipe]") {
    auto p = std::vector<int>{4, 5, 6} | identity_stage<int>();
    CHECK(p.drain() == 3);
}

// ---- one `|`, constrained by a concept (issue 10) -----------------------------

namespace {

template <class L, class R>
concept can_pipe = requires(L&& l, R&& r) { std::forward<L>(l) | std::forward<R>(r); };

template <class T>
concept has_chain = requires(T& t) { t.chain(); };

} // namespace

TEST_CASE("an lvalue stage, pipeline or coroutine on either side of | does not compile", "[core][pipe]") {
    using s = stage<int>;
    using p = coropipe::pipeline<int>;
    using printer_t = coroutine<void, std::string>;
    STATIC_REQUIRE(can_pipe<std::vector<int>&, s>);
    STATIC_REQUIRE(can_pipe<s, s>);
    STATIC_REQUIRE(can_pipe<p, s>);
    STATIC_REQUIRE(can_pipe<stage<int, std::string>, printer_t>);
    STATIC_REQUIRE_FALSE(can_pipe<std::vector<int>&, s&>); // write `v | std::move(s)`
    STATIC_REQUIRE_FALSE(can_pipe<s&, s>);                 // write `std::move(s) | ...`
    STATIC_REQUIRE_FALSE(can_pipe<p&, s>);
    STATIC_REQUIRE_FALSE(can_pipe<stage<int, std::string>, printer_t&>);
    // the deleted overload is what they hit, so the compiler says why
    STATIC_REQUIRE(coropipe::detail::lvalue_piped<s&, s>);
}

TEST_CASE("| checks that what flows in is what a stage takes", "[core][pipe]") {
    STATIC_REQUIRE_FALSE(can_pipe<stage<int>, stage<std::string>>);
    STATIC_REQUIRE_FALSE(can_pipe<std::vector<std::string>&, stage<int>>);
    STATIC_REQUIRE_FALSE(can_pipe<int, stage<int>>);
    STATIC_REQUIRE(can_pipe<std::vector<short>&, stage<int>>); // converted, as before
}

TEST_CASE("an lvalue pipeline still pipes into std and range-v3 views", "[core][pipe]") {
    auto p = std::vector<int>{1, 2, 3} | identity_stage<int>();
    CHECK(collect(p | std::views::take(2)) == std::vector<int>{1, 2});
}

TEST_CASE("a closure piped into a sink coroutine is a closure that ends in it", "[core][pipe]") {
    std::vector<std::string> printed;
    auto tail = as_text() | printer(&printed);
    std::vector<int>{3, 4} | std::move(tail);
    CHECK(printed == std::vector<std::string>{"3", "4"});
}

TEST_CASE("stages and pipelines show no detail type: their chain is private", "[core][pipe]") {
    STATIC_REQUIRE_FALSE(std::constructible_from<stage<int>, coropipe::detail::chain>);
    STATIC_REQUIRE_FALSE(std::constructible_from<coropipe::pipeline<int>, coropipe::detail::chain>);
    STATIC_REQUIRE_FALSE(has_chain<stage<int>>);
    STATIC_REQUIRE_FALSE(has_chain<coropipe::pipeline<int>>);
    stage<int> none;
    CHECK(none.empty());
    CHECK_FALSE(identity_stage<int>().empty());
}
