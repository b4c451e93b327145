// The transform stages of the log daemon, as C++ stages: redact, sample,
// throttle, dedup.
#include <coropipe/stages/dedup.hpp>
#include <coropipe/stages/redact.hpp>
#include <coropipe/stages/sample.hpp>
#include <coropipe/stages/throttle.hpp>

#include <coropipe/duration.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/regex_error.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

using coropipe::test::collect;
using coropipe::test::strings;
using namespace std::chrono_literals;

namespace {

/// A clock the test moves by hand.
struct manual_clock {
    std::chrono::steady_clock::time_point now{};
};

} // namespace

TEST_CASE("redact replaces every match of an ERE with the text, and passes every line", "[stage][redact]") {
    std::vector<std::string_view> in = {"user=ann password=hunter2 ok", "nothing here", "password= password=x"};
    CHECK(collect(in | coropipe::redact("password=[^ ]*", "password=***")) ==
          strings({"user=ann password=*** ok", "nothing here", "password=*** password=***"}));
    CHECK(collect(in | coropipe::redact("[0-9]")) == strings({"user=ann password=hunter*** ok", "nothing here",
                                                              "password= password=x"}));
    CHECK(collect(in | coropipe::redact("n", "\\1")) ==
          strings({"user=a\\1\\1 password=hu\\1ter2 ok", "\\1othi\\1g here", "password= password=x"}));
}

TEST_CASE("redact throws regex_error with the offset for an invalid regex", "[stage][redact]") {
    try {
        (void)coropipe::redact("a(b");
        FAIL("no error");
    } catch (const coropipe::regex_error& e) {
        CHECK(e.position() == 1);
    }
    CHECK_THROWS_AS(coropipe::redact(""), coropipe::regex_error);
}

TEST_CASE("sample passes lines 1, N+1, 2N+1 without keys", "[stage][sample]") {
    std::vector<std::string_view> in = {"1", "2", "3", "4", "5", "6", "7"};
    CHECK(collect(in | coropipe::sample(3)) == strings({"1", "4", "7"}));
    CHECK(collect(in | coropipe::sample(1)).size() == 7);
}

TEST_CASE("sample by a key keeps all or none of a key's lines, about 1 key in N", "[stage][sample]") {
    std::vector<std::string> lines;
    for (int user = 0; user < 2000; ++user) {
        for (int i = 0; i < 3; ++i) {
            lines.push_back("user=u" + std::to_string(user) + " i=" + std::to_string(i));
        }
    }
    std::vector<std::string_view> in(lines.begin(), lines.end());
    const std::vector<std::string> kept = collect(in | coropipe::sample(10, {"user"}));
    CHECK(kept.size() % 3 == 0);
    CHECK(kept.size() / 3 > 140);
    CHECK(kept.size() / 3 < 260);
    for (std::size_t i = 0; i < kept.size(); i += 3) {
        const std::string user = kept[i].substr(0, kept[i].find(' '));
        CHECK(kept[i + 1].starts_with(user + " "));
        CHECK(kept[i + 2].starts_with(user + " "));
    }
    CHECK(collect(in | coropipe::sample(10, {"user"})) == kept); // the same on every run
}

TEST_CASE("throttle passes N lines per window per key and counts the dropped ones", "[stage][throttle]") {
    auto clock = std::make_shared<manual_clock>();
    coropipe::throttle_options o;
    o.keys = {"$1"};
    o.clock = [clock] { return clock->now; };
    o.dropped = std::make_shared<std::atomic<std::uint64_t>>(0);
    std::vector<std::string> warnings;
    o.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
    auto s = coropipe::throttle(2, 1000ms, o);
    // Lines arrive as the clock moves: a generator that advances it.
    std::vector<std::pair<int, std::string_view>> timed = {{0, "a 1"},   {0, "a 2"},   {0, "a 3"}, {0, "b 1"},
                                                           {500, "a 4"}, {1000, "a 5"}, {1000, "a 6"},
                                                           {1000, "a 7"}, {1999, "b 2"}};
    auto source = [](std::vector<std::pair<int, std::string_view>> t,
                     std::shared_ptr<manual_clock> c) -> coropipe::generator<std::string_view> {
        for (auto [ms, line] : t) {
            c->now = std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms));
            co_yield line;
        }
    };
    CHECK(collect(source(timed, clock) | std::move(s)) == strings({"a 1", "a 2", "b 1", "a 5", "a 6", "b 2"}));
    CHECK(o.dropped->load() == 3);
    CHECK(warnings == std::vector<std::string>{"throttle: 3 lines over 2 per 1s dropped"});
}

TEST_CASE("dedup drops repeats of the line just passed and says how many, within a duration when given",
          "[stage][dedup]") {
    std::vector<std::string_view> in = {"a", "a", "a", "b", "b", "a", "c", "c"};
    CHECK(collect(in | coropipe::dedup()) ==
          strings({"a", "last message repeated 2 times", "b", "last message repeated 1 times", "a", "c",
                   "last message repeated 1 times"}));
    auto clock = std::make_shared<manual_clock>();
    auto source = [](std::shared_ptr<manual_clock> c) -> coropipe::generator<std::string_view> {
        for (int ms : {0, 10, 20, 40, 45}) {
            c->now = std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms));
            co_yield "x";
        }
    };
    CHECK(collect(source(clock) | coropipe::dedup({.within = 30ms, .clock = [clock] { return clock->now; }})) ==
          strings({"x", "last message repeated 2 times", "x", "last message repeated 1 times"}));
}

TEST_CASE("durations are an integer and a unit", "[duration]") {
    CHECK(coropipe::parse_duration("10s") == 10s);
    CHECK(coropipe::parse_duration("500ms") == 500ms);
    CHECK(coropipe::parse_duration("1m") == 60s);
    CHECK(coropipe::parse_duration("1h") == 3600s);
    CHECK(coropipe::parse_duration("2d") == 48h);
    for (std::string_view bad : {"", "s", "10", "1.5s", "-1s", "+1s", " 1s", "1 s", "1S", "99999999999999999999d"}) {
        CHECK_FALSE(coropipe::parse_duration(bad));
    }
}
