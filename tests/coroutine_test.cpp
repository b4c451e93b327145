#include <coropipe/coroutine.hpp>

#include <catch2/catch.hpp>
#include <counted.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

using coropipe::coroutine;
using coropipe::test::counted;
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
