#include <coropipe/coroutine.hpp>

#include <catch2/catch.hpp>
#include <counted.hpp>
#include <counting_allocator.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

using coropipe::coroutine;
using coropipe::test::allocation_counts;
using coropipe::test::counted;
using coropipe::test::counting_allocator;
using coropipe::test::live_guard;

namespace {

coroutine<int, int> minimize() {
    int current = co_yield {};
    for (;;) {
        int value = co_yield current;
        current = std::min(value, current);
    }
}

coroutine<void, std::string> collect_into(std::vector<std::string>* out) {
    for (;;) {
        std::string item = co_yield {};
        out->push_back(std::move(item));
    }
}

} // namespace

TEST_CASE("a coroutine receives what send passes and yields back, like minimize()", "[core][coroutine]") {
    auto m = minimize();
    CHECK(m.send(10) == 10);
    CHECK(m.send(4) == 4);
    CHECK(m.send(22) == 4);
    CHECK(m.send(-1) == -1);
    CHECK_FALSE(m.done());
}

TEST_CASE("a coroutine is primed: its body runs to the first co_yield at creation", "[core][coroutine]") {
    std::vector<std::string> log;
    auto c = [](std::vector<std::string>* l) -> coroutine<void, std::string> {
        l->push_back("started");
        for (;;) {
            l->push_back(co_yield {});
        }
    }(&log);
    CHECK(log == std::vector<std::string>{"started"});
    CHECK(c.send("a"));
    CHECK(log == std::vector<std::string>{"started", "a"});
}

TEST_CASE("a sink coroutine with a void yield receives every value", "[core][coroutine]") {
    std::vector<std::string> got;
    auto sink = collect_into(&got);
    for (const char* s : {"x", "y", "z"}) {
        CHECK(sink.send(s));
    }
    CHECK(got == std::vector<std::string>{"x", "y", "z"});
}

TEST_CASE("send returns empty when the coroutine yields nothing or finishes", "[core][coroutine]") {
    auto c = []() -> coroutine<int, int> {
        int a = co_yield {};
        int b = co_yield {}; // yields nothing back for a
        co_yield a + b;
    }();
    CHECK_FALSE(c.send(1).has_value());
    CHECK(c.send(2) == 3);
    CHECK_FALSE(c.send(0).has_value()); // finished
    CHECK(c.done());
}

TEST_CASE("sending to a finished coroutine is an error, not a silent drop", "[core][coroutine]") {
    auto c = []() -> coroutine<void, int> { co_yield {}; }();
    CHECK_FALSE(c.send(1));
    CHECK(c.done());
    CHECK_THROWS_AS(c.send(2), coropipe::error);
}

TEST_CASE("next drives a coroutine that receives nothing", "[core][coroutine]") {
    std::vector<int> parts;
    auto c = [](std::vector<int>* p) -> coroutine<void, void> {
        p->push_back(1);
        co_yield {};
        p->push_back(2);
        co_yield {};
        p->push_back(3);
    }(&parts);
    CHECK(parts == std::vector<int>{1});
    CHECK(c.next());
    CHECK(parts == std::vector<int>{1, 2});
    CHECK_FALSE(c.next()); // ran part 3 and finished
    CHECK(parts == std::vector<int>{1, 2, 3});
    CHECK_THROWS_AS(c.next(), coropipe::error);
}

TEST_CASE("throw_into raises the exception at the co_yield where the coroutine waits", "[core][coroutine]") {
    SECTION("caught inside, the coroutine goes on and yields again") {
        auto c = []() -> coroutine<std::string, int> {
            for (;;) {
                bool caught = false;
                try {
                    co_yield std::string("waiting");
                } catch (const std::invalid_argument& e) {
                    caught = true;
                }
                if (caught) {
                    co_yield std::string("recovered");
                }
            }
        }();
        CHECK(c.throw_into(std::invalid_argument("bad")) == "recovered");
        CHECK(c.send(1) == "waiting");
    }
    SECTION("not caught, it comes back out of throw_into with its type and the coroutine is done") {
        auto m = minimize();
        CHECK_THROWS_AS(m.throw_into(std::out_of_range("stop")), std::out_of_range);
        CHECK(m.done());
    }
}

TEST_CASE("an exception escaping the body surfaces from send with its original type", "[core][coroutine]") {
    auto c = []() -> coroutine<int, int> {
        for (;;) {
            int v = co_yield {};
            if (v < 0) {
                throw std::domain_error("negative");
            }
        }
    }();
    CHECK_FALSE(c.send(1).has_value());
    CHECK_THROWS_AS(c.send(-1), std::domain_error);
    CHECK(c.done());
}

TEST_CASE("an exception while priming surfaces at the first send", "[core][coroutine]") {
    auto c = []() -> coroutine<void, int> {
        throw std::runtime_error("before the first yield");
        co_yield {};
    }();
    CHECK(c.done());
    CHECK_THROWS_AS(c.send(1), std::runtime_error);
}

TEST_CASE("close destroys the frame where it waits, running every destructor", "[core][coroutine]") {
    live_guard guard;
    bool cleaned_up = false;
    auto c = [](bool* flag) -> coroutine<void, int> {
        counted c1;
        struct on_exit {
            bool* f;
            ~on_exit() { *f = true; }
        } cleanup{flag};
        for (;;) {
            counted c2{co_yield {}};
        }
    }(&cleaned_up);
    c.send(1);
    CHECK(counted::live > guard.start);
    c.close();
    CHECK(c.done());
    CHECK(cleaned_up);
    CHECK(guard.balanced());
    c.close(); // idempotent
}

TEST_CASE("destroying a coroutine early destroys its locals and parameters", "[core][coroutine]") {
    live_guard guard;
    {
        auto c = [](counted) -> coroutine<int, int> {
            counted local;
            for (;;) {
                co_yield 1;
            }
        }(counted{});
        CHECK(counted::live == guard.start + 2);
    }
    CHECK(guard.balanced());
}

TEST_CASE("a moved coroutine keeps running where it was", "[core][coroutine]") {
    auto a = minimize();
    CHECK(a.send(5) == 5);
    auto b = std::move(a);
    CHECK(b.send(7) == 5);
    CHECK(a.done()); // NOLINT(bugprone-use-after-move)
}

// ---- Python's semantics (PEP 342, PEP 380; issue 12) ------------------------

namespace {

coroutine<int> one_two_three() {
    co_yield 1;
    co_yield 2;
    co_yield 3;
}

// Adds what it is sent until it is sent a negative number, then returns the sum.
coroutine<int, int, int> adder() {
    int total = 0;
    for (;;) {
        const int x = co_yield total;
        if (x < 0) {
            co_return total;
        }
        total += x;
    }
}

// Delegates to `depth` nested coroutines; the innermost echoes what it is sent, doubled.
coroutine<int, int, int> nest(int depth) {
    if (depth == 0) {
        int x = co_yield -1;
        for (;;) {
            if (x < 0) {
                co_return -x;
            }
            x = co_yield x * 2;
        }
    }
    const int r = co_yield coropipe::from(nest(depth - 1));
    co_return r + 1;
}

coroutine<int, int> running_total(std::allocator_arg_t, counting_allocator<char>, int start) {
    int total = start;
    for (;;) {
        total += co_yield total;
    }
}

} // namespace

TEST_CASE("the value priming yields is readable, and the first next returns it", "[core][coroutine]") {
    auto c = one_two_three();
    REQUIRE(c.current() != nullptr);
    CHECK(*c.current() == 1);
    CHECK(c.next() == 1); // Python's first next()
    CHECK(c.next() == 2);
    CHECK(*c.current() == 2);
    CHECK(c.next() == 3);
    CHECK_FALSE(c.next().has_value());
    CHECK(c.done());
    CHECK(c.current() == nullptr);
}

TEST_CASE("send after priming resumes: the primed value is only read with current", "[core][coroutine]") {
    auto a = adder();
    CHECK(*a.current() == 0);
    CHECK(a.send(5) == 5);
    CHECK(*a.current() == 5);
    CHECK(a.send(2) == 7);
}

TEST_CASE("sending from inside the running coroutine is an error, not a second run", "[core][coroutine]") {
    struct self_ref {
        coroutine<int, int>* self = nullptr;
    } ref;
    bool caught = false;
    auto c = [](self_ref* r, bool* flag) -> coroutine<int, int> {
        for (;;) {
            const int x = co_yield 0;
            if (x == 1) {
                try {
                    static_cast<void>(r->self->send(2));
                } catch (const coropipe::error& e) {
                    *flag = std::string(e.what()).find("already executing") != std::string::npos;
                }
            }
        }
    }(&ref, &caught);
    ref.self = &c;
    CHECK(c.send(1) == 0);
    CHECK(caught);
    CHECK(c.send(3) == 0); // still usable
}

TEST_CASE("co_return gives a coroutine's result, and yield-from receives it", "[core][coroutine]") {
    SECTION("read by the owner with result()") {
        auto a = adder();
        a.send(4);
        a.send(6);
        CHECK_FALSE(a.send(-1).has_value());
        CHECK(a.done());
        CHECK(a.result() == 10);
    }
    SECTION("received by a delegating coroutine, PEP 380's x = yield from sub") {
        auto outer = []() -> coroutine<int, int> {
            for (;;) {
                const int sum = co_yield coropipe::from(adder());
                co_yield sum * 1000; // what the send that ended adder() returns
            }
        }();
        CHECK(*outer.current() == 0); // where adder() waits
        CHECK(outer.send(3) == 3);    // goes to adder()
        CHECK(outer.send(4) == 7);
        CHECK(outer.send(-1) == 7000); // adder() returns 7; outer goes on to its co_yield
        CHECK(outer.send(99) == 0);    // the next adder()
        CHECK(outer.send(1) == 1);
    }
    SECTION("a result is an error before the coroutine returns one") {
        auto a = adder();
        CHECK_THROWS_AS(a.result(), coropipe::error);
    }
}

TEST_CASE("delegation forwards send to the innermost coroutine at any depth", "[core][coroutine]") {
    constexpr int depth = 1000;
    auto c = nest(depth);
    CHECK(*c.current() == -1); // the innermost, primed
    for (int i = 1; i <= 100; ++i) {
        CHECK(c.send(i) == 2 * i);
    }
    CHECK_FALSE(c.send(-5).has_value()); // the innermost returns 5, each level adds 1
    CHECK(c.done());
    CHECK(c.result() == 5 + depth);
}

TEST_CASE("delegation forwards throw_into to the innermost coroutine", "[core][coroutine]") {
    auto sub = []() -> coroutine<std::string, int, int> {
        for (;;) {
            bool caught = false;
            try {
                co_yield std::string("sub waiting");
            } catch (const std::invalid_argument&) {
                caught = true;
            }
            if (caught) {
                co_return 1;
            }
        }
    };
    SECTION("the delegate catches it and returns; the delegating one goes on") {
        auto outer = [](coroutine<std::string, int, int> s) -> coroutine<std::string, int> {
            const int r = co_yield coropipe::from(std::move(s));
            co_yield "outer got " + std::to_string(r);
        }(sub());
        CHECK(*outer.current() == "sub waiting");
        CHECK(outer.send(0) == "sub waiting");
        CHECK(outer.throw_into(std::invalid_argument("x")) == "outer got 1");
    }
    SECTION("the delegate does not catch it: it comes out at the delegating co_yield") {
        auto outer = [](coroutine<std::string, int, int> s) -> coroutine<std::string, int> {
            bool caught = false;
            try {
                co_yield coropipe::from(std::move(s));
            } catch (const std::out_of_range&) {
                caught = true;
            }
            if (caught) {
                co_yield std::string("outer caught it");
            }
        }(sub());
        CHECK(outer.throw_into(std::out_of_range("y")) == "outer caught it");
    }
    SECTION("nobody catches it: it comes out of throw_into and everything is finished") {
        auto outer = [](coroutine<std::string, int, int> s) -> coroutine<std::string, int> {
            co_yield coropipe::from(std::move(s));
        }(sub());
        CHECK_THROWS_AS(outer.throw_into(std::out_of_range("z")), std::out_of_range);
        CHECK(outer.done());
    }
}

TEST_CASE("yield-from a finished coroutine yields nothing and gives its result", "[core][coroutine]") {
    auto finished = adder();
    finished.send(2);
    CHECK_FALSE(finished.send(-1).has_value());
    auto outer = [](coroutine<int, int, int> s) -> coroutine<int, int> {
        const int r = co_yield coropipe::from(std::move(s));
        co_yield r;
    }(std::move(finished));
    CHECK(*outer.current() == 2);
}

TEST_CASE("closing a delegating coroutine destroys the delegates' locals too", "[core][coroutine]") {
    live_guard guard;
    {
        auto inner = [](counted) -> coroutine<int, int> {
            counted local;
            for (;;) {
                co_yield 1;
            }
        };
        auto outer = [](coroutine<int, int> s) -> coroutine<int, int> {
            counted local;
            co_yield coropipe::from(std::move(s));
        }(inner(counted{}));
        CHECK(outer.send(0) == 1);
        CHECK(counted::live == guard.start + 3);
        outer.close();
        CHECK(guard.balanced());
    }
    CHECK(guard.balanced());
}

TEST_CASE("a coroutine with std::allocator_arg takes its frame from the allocator", "[core][coroutine]") {
    allocation_counts counts;
    {
        auto c = running_total(std::allocator_arg, counting_allocator<char>(&counts), 10);
        CHECK(counts.allocations == 1);
        CHECK(c.send(5) == 15);
        CHECK(c.send(1) == 16);
    }
    CHECK(counts.deallocations == 1);
}
