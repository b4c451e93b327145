#include <coropipe/generator.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <counting_allocator.hpp>

#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <memory>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

using coropipe::generator;
using coropipe::test::allocation_counts;
using coropipe::test::counted;
using coropipe::test::counting_allocator;
using coropipe::test::live_guard;

using coropipe::test::collect;
namespace {

generator<int> count_to(int n) {
    for (int i = 1; i <= n; ++i) {
        co_yield i;
    }
}

generator<int> empty() { co_return; }

struct node {
    node* left = nullptr;
    int value = 0;
    node* right = nullptr;
};

generator<int> in_order(node* n) {
    if (n == nullptr) {
        co_return;
    }
    co_yield coropipe::from(in_order(n->left));
    co_yield n->value;
    co_yield coropipe::from(in_order(n->right));
}

} // namespace

TEST_CASE("a generator yields its values in order", "[core][generator]") {
    CHECK(collect(count_to(3)) == std::vector<int>{1, 2, 3});
}

TEST_CASE("a generator does not start until begin is called", "[core][generator]") {
    bool started = false;
    auto g = [](bool* flag) -> generator<int> {
        *flag = true;
        co_yield 1;
    }(&started);
    CHECK_FALSE(started);
    auto it = g.begin();
    CHECK(started);
    CHECK(*it == 1);
}

TEST_CASE("an empty generator is an empty range", "[core][generator]") {
    auto g = empty();
    CHECK(g.begin() == g.end());
    CHECK(collect(empty()).empty());
}

TEST_CASE("a generator yields references to its values without copying", "[core][generator]") {
    live_guard guard;
    {
        auto g = []() -> generator<counted> {
            counted c{7};
            co_yield c;
            c.value = 8;
            co_yield c;
        }();
        const long before = counted::constructed;
        auto it = g.begin();
        counted* first = &*it;
        CHECK(it->value == 7);
        ++it;
        CHECK(&*it == first); // the same object in the frame
        CHECK(it->value == 8);
        CHECK(counted::constructed == before + 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("next returns each value and then empty, like Python's next", "[core][generator]") {
    auto g = count_to(2);
    CHECK(g.next() == 1);
    CHECK(g.next() == 2);
    CHECK_FALSE(g.next().has_value());
    CHECK_FALSE(g.next().has_value());
    CHECK(g.done());
}

TEST_CASE("a generator is an input range for std::ranges and range-v3", "[core][generator]") {
    STATIC_REQUIRE(std::ranges::input_range<generator<int>>);
    STATIC_REQUIRE(std::ranges::view<generator<int>>);
    STATIC_REQUIRE(ranges::input_range<generator<int>>);
    STATIC_REQUIRE(!std::copy_constructible<generator<int>>);

    CHECK(collect(count_to(10) | std::views::take(3)) == std::vector<int>{1, 2, 3});
    CHECK(collect(count_to(10) | std::views::filter([](int x) { return x % 2 == 0; }) | std::views::take(2)) ==
          std::vector<int>{2, 4});

    auto g = count_to(10);
    CHECK(collect(g | ranges::views::transform([](int x) { return x * 10; }) | ranges::views::take(3)) ==
          std::vector<int>{10, 20, 30});
}

TEST_CASE("yield-from delegates to a nested generator in place", "[core][generator]") {
    auto outer = []() -> generator<int> {
        co_yield 0;
        co_yield coropipe::from(count_to(3));
        co_yield 4;
        co_yield coropipe::from(empty());
        // HACK(gcc-12): a braced list in a co_yield operand fails with "array
        // used as initializer" (GCC PR 103868-like); name the vector first.
        std::vector<int> tail{5, 6};
        co_yield coropipe::from(tail);
    };
    CHECK(collect(outer()) == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
}

TEST_CASE("a recursive in-order walk 100,000 levels deep does not overflow the stack", "[core][generator]") {
    constexpr int depth = 100'000;
    std::vector<node> nodes(depth);
    for (int i = 0; i < depth; ++i) {
        nodes[i].value = depth - i;
        nodes[i].left = i + 1 < depth ? &nodes[i + 1] : nullptr;
    }
    long sum = 0;
    int count = 0;
    int previous = 0;
    bool ordered = true;
    for (int v : in_order(&nodes[0])) {
        ordered = ordered && v > previous;
        previous = v;
        sum += v;
        ++count;
    }
    CHECK(count == depth);
    CHECK(ordered);
    CHECK(sum == long{depth} * (depth + 1) / 2);

    SECTION("and destroying it at the deepest point is iterative too") {
        auto g = in_order(&nodes[0]);
        auto it = g.begin();
        CHECK(*it == 1);
    }
}

TEST_CASE("an exception in a generator surfaces at begin or ++ with its type", "[core][generator]") {
    auto failing = [](int after) -> generator<int> {
        for (int i = 0; i < after; ++i) {
            co_yield i;
        }
        throw std::out_of_range("no more");
    };
    SECTION("at begin") {
        auto g = failing(0);
        CHECK_THROWS_AS(g.begin(), std::out_of_range);
    }
    SECTION("at ++, after which the generator is finished") {
        auto g = failing(1);
        auto it = g.begin();
        CHECK(*it == 0);
        CHECK_THROWS_AS(++it, std::out_of_range);
        CHECK(it == g.end());
    }
    SECTION("from a nested generator, through the delegating one") {
        auto outer = [](generator<int> inner) -> generator<int> {
            co_yield -1;
            co_yield coropipe::from(std::move(inner));
            co_yield 99;
        };
        std::vector<int> seen;
        auto g = outer(failing(2));
        CHECK_THROWS_AS([&] {
            for (int x : g) {
                seen.push_back(x);
            }
        }(), std::out_of_range);
        CHECK(seen == std::vector<int>{-1, 0, 1});
    }
    SECTION("a delegating generator can catch a nested one's exception and go on") {
        auto outer = [](generator<int> inner) -> generator<int> {
            bool failed = false;
            try {
                co_yield coropipe::from(std::move(inner));
            } catch (const std::out_of_range&) {
                failed = true; // no co_yield inside a handler
            }
            if (failed) {
                co_yield 42;
            }
        };
        CHECK(collect(outer(failing(1))) == std::vector<int>{0, 42});
    }
}

TEST_CASE("destroying a generator early destroys every frame and local", "[core][generator]") {
    live_guard guard;
    {
        auto inner = []() -> generator<int> {
            counted c;
            for (int i = 0;; ++i) {
                co_yield i;
            }
        };
        auto outer = [](generator<int> nested) -> generator<int> {
            counted c;
            co_yield coropipe::from(std::move(nested));
        };
        auto g = outer(inner());
        auto it = g.begin();
        ++it;
        CHECK(*it == 1);
        CHECK(counted::live == guard.start + 2);
    }
    CHECK(guard.balanced());
}

TEST_CASE("a generator that was never started destroys its parameters", "[core][generator]") {
    live_guard guard;
    {
        auto g = [](counted) -> generator<int> { co_yield 1; }(counted{});
        (void)g;
    }
    CHECK(guard.balanced());
}

TEST_CASE("a moved-from generator is empty", "[core][generator]") {
    auto a = count_to(2);
    auto b = std::move(a);
    CHECK(a.done()); // NOLINT(bugprone-use-after-move): documented state
    CHECK(collect(b) == std::vector<int>{1, 2});
}

TEST_CASE("a generator converts what it yields to its element type", "[core][generator]") {
    auto g = []() -> generator<std::string> {
        const std::string constant = "c";
        co_yield "a";
        co_yield std::string("b");
        co_yield constant;
    }();
    std::vector<std::string> got;
    for (auto& s : g) {
        got.push_back(s);
    }
    CHECK(got == std::vector<std::string>{"a", "b", "c"});
}

// ---- Python's and std::generator's semantics (issue 12) ---------------------

namespace {

generator<int> count_with(std::allocator_arg_t, counting_allocator<int>, int n) {
    for (int i = 1; i <= n; ++i) {
        co_yield i;
    }
}

struct counter_object {
    int base = 10;
    generator<int> count(std::allocator_arg_t, counting_allocator<int>, int n) const {
        for (int i = 0; i < n; ++i) {
            co_yield base + i;
        }
    }
};

generator<int, int> sum_of(generator<int> numbers) {
    int total = 0;
    for (int x : numbers) {
        total += x;
        co_yield x;
    }
    co_return total;
}

} // namespace

TEST_CASE("yield-from a generator that has finished yields nothing", "[core][generator]") {
    auto finished = count_to(2);
    CHECK(collect(finished) == std::vector<int>{1, 2});
    CHECK(finished.done());
    auto outer = [](generator<int> inner) -> generator<int> {
        co_yield 0;
        co_yield coropipe::from(std::move(inner));
        co_yield 100;
    };
    CHECK(collect(outer(std::move(finished))) == std::vector<int>{0, 100});
}

TEST_CASE("yield-from a partly consumed generator goes on with its next element", "[core][generator]") {
    SECTION("a plain generator") {
        auto inner = count_to(5);
        CHECK(inner.next() == 1);
        auto outer = [](generator<int> g) -> generator<int> {
            co_yield coropipe::from(std::move(g));
            co_yield 100;
        };
        CHECK(collect(outer(std::move(inner))) == std::vector<int>{2, 3, 4, 5, 100});
    }
    SECTION("a generator that is itself delegating, as Python gives 2 3 4 5 100") {
        auto delegating = []() -> generator<int> { co_yield coropipe::from(count_to(5)); };
        auto inner = delegating();
        CHECK(inner.next() == 1);
        auto outer = [](generator<int> g) -> generator<int> {
            co_yield coropipe::from(std::move(g));
            co_yield 100;
        };
        CHECK(collect(outer(std::move(inner))) == std::vector<int>{2, 3, 4, 5, 100});
    }
    SECTION("partly iterated with begin and ++") {
        auto inner = count_to(4);
        auto it = inner.begin();
        ++it;
        CHECK(*it == 2);
        auto outer = [](generator<int> g) -> generator<int> { co_yield coropipe::from(std::move(g)); };
        CHECK(collect(outer(std::move(inner))) == std::vector<int>{3, 4});
    }
}

TEST_CASE("co_return gives a generator's result, and yield-from receives it", "[core][generator]") {
    SECTION("read by the owner with result()") {
        auto g = sum_of(count_to(4));
        CHECK(collect(g) == std::vector<int>{1, 2, 3, 4});
        CHECK(g.result() == 10);
    }
    SECTION("received by the delegating generator, Python's x = yield from g") {
        auto outer = []() -> generator<int> {
            const int total = co_yield coropipe::from(sum_of(count_to(3)));
            co_yield total * 100;
        };
        CHECK(collect(outer()) == std::vector<int>{1, 2, 3, 600});
    }
    SECTION("received from a generator that had already finished") {
        auto done = sum_of(count_to(2));
        CHECK(collect(done) == std::vector<int>{1, 2});
        auto outer = [](generator<int, int> g) -> generator<int> {
            const int total = co_yield coropipe::from(std::move(g));
            co_yield total;
        };
        CHECK(collect(outer(std::move(done))) == std::vector<int>{3});
    }
    SECTION("a move-only result") {
        auto g = []() -> generator<int, std::unique_ptr<int>> {
            co_yield 1;
            co_return std::make_unique<int>(7);
        };
        auto outer = [](generator<int, std::unique_ptr<int>> inner) -> generator<int> {
            std::unique_ptr<int> p = co_yield coropipe::from(std::move(inner));
            co_yield *p;
        };
        CHECK(collect(outer(g())) == std::vector<int>{1, 7});
    }
}

TEST_CASE("asking for the result of a generator that returned none is an error", "[core][generator]") {
    auto unfinished = sum_of(count_to(3));
    CHECK_THROWS_AS(unfinished.result(), coropipe::error);
    auto failed = []() -> generator<int, int> {
        throw std::runtime_error("no result");
        co_return 1;
    }();
    CHECK_THROWS_AS(failed.begin(), std::runtime_error);
    CHECK_THROWS_WITH(failed.result(), Catch::Contains("has not returned a value"));
}

TEST_CASE("a generator with std::allocator_arg takes its frame from the allocator", "[core][generator]") {
    allocation_counts counts;
    {
        auto g = count_with(std::allocator_arg, counting_allocator<int>(&counts), 3);
        CHECK(counts.allocations == 1);
        CHECK(counts.bytes >= sizeof(void*) * 4);
        CHECK(collect(g) == std::vector<int>{1, 2, 3});
        CHECK(counts.deallocations == 0);
    }
    CHECK(counts.deallocations == 1);

    SECTION("also for a member function, whose object comes first") {
        allocation_counts member_counts;
        {
            const counter_object o;
            CHECK(collect(o.count(std::allocator_arg, counting_allocator<int>(&member_counts), 2)) ==
                  std::vector<int>{10, 11});
        }
        CHECK(member_counts.allocations == 1);
        CHECK(member_counts.deallocations == 1);
    }
}

TEST_CASE("begin called twice does not advance, and after next it goes on", "[core][generator]") {
    auto g = count_to(4);
    auto first = g.begin();
    CHECK(*first == 1);
    auto again = g.begin();
    CHECK(*again == 1);
    CHECK(g.next() == 2);
    auto after_next = g.begin(); // Python: for x in g after next(g)
    CHECK(*after_next == 3);
    CHECK(collect(g) == std::vector<int>{3, 4});
    CHECK(g.begin() == g.end());
}

TEST_CASE("a temporary generator pipes into range-v3 views", "[core][generator]") {
    CHECK(collect(count_to(10) | ranges::views::transform([](int x) { return x * 10; }) | ranges::views::take(3)) ==
          std::vector<int>{10, 20, 30});
    auto view = count_to(3) | ranges::views::transform([](int x) { return -x; });
    CHECK(collect(view) == std::vector<int>{-1, -2, -3});
}
