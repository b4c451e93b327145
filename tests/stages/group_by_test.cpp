#include <coropipe/stages/group_by.hpp>

#include <coropipe/distinct_counter.hpp>
#include <coropipe/quantile_sketch.hpp>
#include <coropipe/syntax_error.hpp>
#include <coropipe/timestamp.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using coropipe::distinct_counter;
using coropipe::group_aggregate;
using coropipe::group_by;
using coropipe::group_by_options;
using coropipe::group_by_spec;
using coropipe::group_result;
using coropipe::group_table;
using coropipe::quantile_sketch;
using coropipe::test::collect;
using coropipe::test::strings;

namespace {

std::string written(const group_table& t) {
    std::string out;
    t.write(out);
    return out;
}

group_table table_of(group_by_spec spec, const std::vector<std::string>& lines, group_by_options options = {}) {
    group_table t(std::move(spec), std::move(options));
    for (const std::string& line : lines) {
        t.offer(line);
    }
    return t;
}

} // namespace

TEST_CASE("count by a column writes one line per group, the largest count first, ties by key bytes",
          "[stage][group_by]") {
    const group_table t = table_of({.what = group_aggregate::count, .keys = {"$2"}},
                                   {"a web-2 x", "b web-1 x", "c web-2 y", "d web-3", "e web-1", "f Web-9", "g"});
    CHECK(written(t) == "web-1\t2\nweb-2\t2\n\t1\nWeb-9\t1\nweb-3\t1\n");
    CHECK(t.groups() == 5);
}

TEST_CASE("sum, avg, min and max by two keys are exact, min and max as written", "[stage][group_by]") {
    const std::vector<std::string> lines = {"host=a app=x ms=0.1", "host=a app=x ms=0.2", "host=a app=y ms=007",
                                            "host=b app=x ms=1e3", "host=a app=x ms=-2.50"};
    const std::vector<std::string> keys = {"host", "app"};
    CHECK(written(table_of({.what = group_aggregate::sum, .field = "ms", .keys = keys}, lines)) ==
          "b\tx\t1000\na\ty\t7\na\tx\t-2.2\n");
    CHECK(written(table_of({.what = group_aggregate::avg, .field = "ms", .keys = keys}, lines)) ==
          "b\tx\t1000\na\ty\t7\na\tx\t-0.7333333333333334\n");
    CHECK(written(table_of({.what = group_aggregate::min, .field = "ms", .keys = keys}, lines)) ==
          "b\tx\t1e3\na\ty\t007\na\tx\t-2.50\n");
    CHECK(written(table_of({.what = group_aggregate::max, .field = "ms", .keys = keys}, lines)) ==
          "b\tx\t1e3\na\ty\t007\na\tx\t0.2\n");
}

TEST_CASE("lines without the field or with a non-numeric value are not counted, and a warning says how many",
          "[stage][group_by]") {
    std::vector<std::string> warnings;
    group_by_options options;
    options.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
    group_table t = table_of({.what = group_aggregate::sum, .field = "ms", .keys = {"host"}, .name = "sum"},
                             {"host=a ms=1", "host=a ms=x", "host=a", "ms=5", "host=b ms=12ms"}, options);
    CHECK(written(t) == "\t5\na\t1\n");
    CHECK(t.skipped() == 3);
    t.report_skipped();
    t.report_skipped();
    CHECK(warnings == std::vector<std::string>{"sum: 3 lines without a number in ms not counted"});
}

TEST_CASE("past the group limit, new groups go into one (other) group, with one warning", "[stage][group_by]") {
    std::vector<std::string> warnings;
    group_by_options options;
    options.group_limit = 3;
    options.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
    group_table t({.what = group_aggregate::count, .keys = {"$1", "$2"}}, options);
    for (int i = 0; i < 100'000; ++i) {
        t.offer("k" + std::to_string(i) + " v");
    }
    t.offer("k1 v");
    CHECK(t.groups() == 4);
    CHECK(t.overflowed() == 99'997);
    CHECK(written(t) == "(other)\t(other)\t99997\nk1\tv\t2\nk0\tv\t1\nk2\tv\t1\n");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "count: more than 3 groups; lines of further groups are counted in the group (other)");
}

TEST_CASE("JSON output is one object per group, named after the key fields and the aggregate",
          "[stage][group_by]") {
    group_by_options options;
    options.json = true;
    const group_table t = table_of({.what = group_aggregate::max, .field = ".ms", .keys = {".host", "@app"}, .name = "max"},
                                   {R"({"host":"a\"b","ms":007})", R"({"host":"c","ms":1.50})"}, options);
    CHECK(written(t) == "{\".host\":\"a\\\"b\",\"@app\":\"\",\"max\":7}\n{\".host\":\"c\",\"@app\":\"\",\"max\":1.5}\n");
}

TEST_CASE("a quantile sketch is within 1% of the exact percentile, its min and max exact", "[sketch][group_by]") {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> latency(4, 1.5);
    for (int sign = 0; sign < 2; ++sign) {
        quantile_sketch sketch;
        std::vector<double> exact;
        for (int i = 0; i < 200'000; ++i) {
            const double v = sign == 0 ? latency(rng) : -latency(rng);
            sketch.add(v);
            exact.push_back(v);
        }
        std::sort(exact.begin(), exact.end());
        for (double q : {0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999}) {
            const double truth = exact[static_cast<std::size_t>(q * static_cast<double>(exact.size() - 1))];
            CHECK(std::fabs(sketch.quantile(q) - truth) <= 0.01 * std::fabs(truth));
        }
        CHECK(sketch.quantile(0) == exact.front());
        CHECK(sketch.quantile(1) == exact.back());
    }
}

TEST_CASE("a quantile sketch over values across 40 orders of magnitude keeps at most 2048 buckets and the large "
          "values' bound",
          "[sketch][group_by]") {
    quantile_sketch sketch;
    for (int e = -20; e <= 20; ++e) {
        for (int i = 0; i < 10; ++i) {
            sketch.add(std::pow(10.0, e));
        }
    }
    CHECK(sketch.count() == 410);
    CHECK(std::fabs(sketch.quantile(0.99) - 1e20) <= 0.01e20);
    CHECK(sketch.quantile(0) == 1e-20);
}

TEST_CASE("distinct is exact up to 100,000 values, then within 2%", "[sketch][group_by]") {
    distinct_counter c;
    for (int i = 0; i < 100'000; ++i) {
        c.add("user-" + std::to_string(i));
        c.add("user-" + std::to_string(i / 2));
    }
    CHECK(c.exact());
    CHECK(c.count() == 100'000);
    for (int i = 100'000; i < 1'000'000; ++i) {
        c.add("user-" + std::to_string(i));
    }
    CHECK_FALSE(c.exact());
    CHECK(std::fabs(static_cast<double>(c.count()) - 1e6) <= 0.02 * 1e6);
}

TEST_CASE("the group_by stage yields the groups' lines once its input has ended", "[stage][group_by]") {
    std::vector<std::string_view> input = {"ip=1 host=a", "ip=2 host=a", "ip=1 host=a", "ip=9 host=b"};
    auto out = collect(input | group_by({.what = group_aggregate::distinct, .field = "ip", .keys = {"host"}}));
    CHECK(out == strings({"a\t2", "b\t1"}));
    // 1 1 2 9: the value of rank floor(0.99 * 3) is 2, within 1%; p100 is the max as written
    auto p99 = collect(input | group_by({.what = group_aggregate::quantile, .field = "ip", .q = 0.99}));
    REQUIRE(p99.size() == 1);
    CHECK(std::fabs(std::stod(p99[0]) - 2) <= 0.02);
    CHECK(collect(input | group_by({.what = group_aggregate::quantile, .field = "ip", .q = 1})) == strings({"9"}));
}

TEST_CASE("a malformed FIELD or KEY throws syntax_error when the stage is made", "[stage][group_by]") {
    CHECK_THROWS_AS(group_by({.what = group_aggregate::sum, .field = "$0"}), coropipe::syntax_error);
    CHECK_THROWS_AS(group_by({.what = group_aggregate::count, .keys = {".a."}}), coropipe::syntax_error);
}

namespace {

/// Windows of a minute, their warnings kept.
struct minute_windows {
    std::vector<std::string> warnings;
    group_by_options options;

    minute_windows() {
        options.every = std::chrono::minutes(1);
        options.on_warning = [this](std::string_view w) { warnings.emplace_back(w); };
    }
    minute_windows(const minute_windows&) = delete; // (on_warning points here)
    minute_windows& operator=(const minute_windows&) = delete;

    /// `count by $2 every 1m` over `input`: its lines.
    auto counts(std::vector<std::string_view> input) const {
        return collect(input | group_by({.what = group_aggregate::count, .keys = {"$2"}}, options));
    }
};

} // namespace

TEST_CASE("with every, each window's groups are written when a later window's line arrives, late lines counted",
          "[stage][group_by][window]") {
    minute_windows windows;
    std::vector<std::string_view> input = {
        "2026-11-23T10:00:01Z web-1",    "2026-11-23T10:00:59.999Z web-2", "2026-11-23T10:00:30Z web-1",
        "2026-11-23T10:02:00Z web-1",    "2026-11-23T10:01:59Z web-9",     "2026-11-23T11:02:30+01:00 web-2",
        "2026-11-23T10:05:00-00:30 web-3"};
    CHECK(windows.counts(input) ==
          strings({"2026-11-23T10:00:00Z\tweb-1\t2", "2026-11-23T10:00:00Z\tweb-2\t1",
                   "2026-11-23T10:02:00Z\tweb-1\t1", "2026-11-23T10:02:00Z\tweb-2\t1",
                   "2026-11-23T10:35:00Z\tweb-3\t1"}));
    CHECK(windows.warnings == std::vector<std::string>{"count: 1 late line (of windows already written) not counted"});
}

TEST_CASE("with every, lines of one minute in other zones, fractions and leap seconds fall in their own windows",
          "[stage][group_by][window]") {
    // (The minute a line shares with the one before is read once: a line of
    // that minute in another zone, or at second 60, is read in full.)
    minute_windows windows;
    std::vector<std::string_view> input = {
        "2026-11-23T10:00:01Z a",      "2026-11-23T10:00:59.5z a", "2026-11-23T10:00:07.123456789Z a",
        "2026-11-23T10:00:30-00:30 a", "2026-11-23T10:30:60Z leap", "2026-11-23T10:30:10.1234Z b",
        "2026-11-23T10:30:50Z b",      "2026-11-23T10:31:02.5Z b"};
    CHECK(windows.counts(input) ==
          strings({"2026-11-23T10:00:00Z\ta\t3", "2026-11-23T10:30:00Z\ta\t1", "2026-11-23T10:31:00Z\tb\t1",
                   "2026-11-23T10:31:00Z\tleap\t1"}));
    CHECK(windows.warnings == std::vector<std::string>{"count: 2 late lines (of windows already written) not counted"});
}

TEST_CASE("with every, a line of the last minute with milliseconds in another zone is read in full",
          "[stage][group_by][window]") {
    minute_windows windows;
    std::vector<std::string_view> input = {"2026-11-23T10:00:01.000Z a", "2026-11-23T10:00:02.500+00:00 a",
                                           "2026-11-23T10:00:03.250-01:00 b", "2026-11-23T11:00:04.123Z b"};
    CHECK(windows.counts(input) ==
          strings({"2026-11-23T10:00:00Z\ta\t2", "2026-11-23T11:00:00Z\tb\t2"}));
    CHECK(windows.warnings.empty());
}

TEST_CASE("with every, each aggregate's window holds only its own lines, whatever groups earlier windows had",
          "[stage][group_by][window]") {
    // (A window's keys stay in the table for the next one, their states
    // emptied: a key of an earlier window must not come back, nor its value.)
    minute_windows windows;
    std::vector<std::string_view> input = {
        "2026-11-23T10:00:01Z a 5", "2026-11-23T10:00:02Z b 7", "2026-11-23T10:00:03Z c 9",
        "2026-11-23T10:01:01Z b 2", "2026-11-23T10:02:01Z a 3", "2026-11-23T10:02:02Z d 4",
        "2026-11-23T10:02:03Z a 3"};
    auto run = [&](group_aggregate what) {
        return collect(input | group_by({.what = what, .field = "$3", .q = 0.5, .keys = {"$2"}}, windows.options));
    };
    CHECK(run(group_aggregate::count) ==
          strings({"2026-11-23T10:00:00Z\ta\t1", "2026-11-23T10:00:00Z\tb\t1", "2026-11-23T10:00:00Z\tc\t1",
                   "2026-11-23T10:01:00Z\tb\t1", "2026-11-23T10:02:00Z\ta\t2", "2026-11-23T10:02:00Z\td\t1"}));
    CHECK(run(group_aggregate::sum) ==
          strings({"2026-11-23T10:00:00Z\tc\t9", "2026-11-23T10:00:00Z\tb\t7", "2026-11-23T10:00:00Z\ta\t5",
                   "2026-11-23T10:01:00Z\tb\t2", "2026-11-23T10:02:00Z\ta\t6", "2026-11-23T10:02:00Z\td\t4"}));
    CHECK(run(group_aggregate::min) ==
          strings({"2026-11-23T10:00:00Z\tc\t9", "2026-11-23T10:00:00Z\tb\t7", "2026-11-23T10:00:00Z\ta\t5",
                   "2026-11-23T10:01:00Z\tb\t2", "2026-11-23T10:02:00Z\td\t4", "2026-11-23T10:02:00Z\ta\t3"}));
    CHECK(run(group_aggregate::quantile) ==
          strings({"2026-11-23T10:00:00Z\tc\t9", "2026-11-23T10:00:00Z\tb\t7", "2026-11-23T10:00:00Z\ta\t5",
                   "2026-11-23T10:01:00Z\tb\t2", "2026-11-23T10:02:00Z\td\t4", "2026-11-23T10:02:00Z\ta\t3"}));
    CHECK(run(group_aggregate::distinct) ==
          strings({"2026-11-23T10:00:00Z\ta\t1", "2026-11-23T10:00:00Z\tb\t1", "2026-11-23T10:00:00Z\tc\t1",
                   "2026-11-23T10:01:00Z\tb\t1", "2026-11-23T10:02:00Z\ta\t1", "2026-11-23T10:02:00Z\td\t1"}));
    CHECK(windows.warnings.empty());
}

TEST_CASE("with every and a group limit, each window has the whole limit: earlier windows' groups take no room",
          "[stage][group_by][window]") {
    minute_windows windows;
    windows.options.group_limit = 2;
    std::vector<std::string_view> input = {"2026-11-23T10:00:01Z a", "2026-11-23T10:00:02Z b",
                                           "2026-11-23T10:01:01Z c", "2026-11-23T10:01:02Z d",
                                           "2026-11-23T10:01:03Z e", "2026-11-23T10:01:04Z c",
                                           "2026-11-23T10:02:01Z a", "2026-11-23T10:02:02Z f"};
    CHECK(windows.counts(input) ==
          strings({"2026-11-23T10:00:00Z\ta\t1", "2026-11-23T10:00:00Z\tb\t1", "2026-11-23T10:01:00Z\tc\t2",
                   "2026-11-23T10:01:00Z\t(other)\t1", "2026-11-23T10:01:00Z\td\t1", "2026-11-23T10:02:00Z\ta\t1",
                   "2026-11-23T10:02:00Z\tf\t1"}));
    CHECK(windows.warnings == std::vector<std::string>{
                          "count: more than 2 groups; lines of further groups are counted in the group (other)"});
}

TEST_CASE("with every and a time field, the window comes from that field, and JSON names it window",
          "[stage][group_by][window]") {
    group_by_options options;
    options.every = std::chrono::hours(1);
    options.time_field = ".ts";
    options.json = true;
    std::vector<std::string_view> input = {R"({"ts":"2026-01-01T00:59:59Z","ms":5})",
                                           R"({"ts":"2026-01-01T00:00:00Z","ms":7})",
                                           R"({"ts":"2026-01-01T01:00:00Z","ms":1})"};
    CHECK(collect(input | group_by({.what = group_aggregate::sum, .field = ".ms", .name = "sum"}, options)) ==
          strings({R"({"window":"2026-01-01T00:00:00Z","sum":12})", R"({"window":"2026-01-01T01:00:00Z","sum":1})"}));
}

TEST_CASE("RFC 3339 timestamps parse to epoch milliseconds and format back to the second", "[timestamp]") {
    std::size_t length = 0;
    CHECK(coropipe::parse_rfc3339("1970-01-01T00:00:00Z") == 0);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:00:00.123456Z rest", &length) == 1'795'428'000'123);
    CHECK(length == 27);
    CHECK(coropipe::parse_rfc3339("2026-11-23 11:00:00+01:00") == 1'795'428'000'000);
    CHECK(coropipe::parse_rfc3339("1969-12-31T23:59:59.5Z") == -500);
    CHECK(coropipe::parse_rfc3339("2024-02-29T00:00:00z"));
    for (std::string_view bad : {"", "2026-11-23", "2026-11-23T10:00:00", "2026-13-01T00:00:00Z",
                                 "2025-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:60:00Z",
                                 "2026-11-23T10:00:00.Z", "2026-11-23T10:00:00+1:00", "2026-11-23T10:00:00+24:00",
                                 "2026-11-23X10:00:00Z", "Nov 23 10:00:00"}) {
        CHECK_FALSE(coropipe::parse_rfc3339(bad));
    }
    // The day last parsed is kept: the next day, and a bad date after a good one of its month, are still right.
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:00:00.12Z") == 1'795'428'000'120);
    CHECK(coropipe::parse_rfc3339("2026-11-24T10:00:00.1Z") == 1'795'514'400'100);
    CHECK(coropipe::parse_rfc3339("2024-02-29T00:00:00Z"));
    CHECK_FALSE(coropipe::parse_rfc3339("2024-02-30T00:00:00Z"));
    CHECK_FALSE(coropipe::parse_rfc3339("2024-02-99T00:00:00Z"));
    CHECK_FALSE(coropipe::parse_rfc3339("2024-99-29T00:00:00Z"));
    // ... and so is its minute: the rest of a line of that minute is still read and checked.
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:00Z") == 1'795'428'420'000);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:59.999+00:00") == 1'795'428'479'999);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:30-01:00") == 1'795'428'450'000 + 3'600'000);
    for (std::string_view bad : {"2026-11-23T10:07", "2026-11-23T10:07:61Z", "2026-11-23T10:07:5Z", "2026-11-23T10:07-00Z",
                                 "2026-11-23T10:07:00", "2026-11-23T10:07:00.Z"}) {
        CHECK_FALSE(coropipe::parse_rfc3339(bad));
    }
    // ... and a line of it in UTC, with milliseconds or none, read inline, reads as any other.
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:01.250Z tail", &length) == 1'795'428'421'250);
    CHECK(length == 24);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:02z", &length) == 1'795'428'422'000);
    CHECK(length == 20);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:03.25Z", &length) == 1'795'428'423'250);
    CHECK(length == 23);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:04.2509Z") == 1'795'428'424'250);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:59.999Z") == 1'795'428'479'999);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:60Z") == 1'795'428'480'000);
    CHECK(coropipe::parse_rfc3339("2026-11-23T10:07:05.250+01:00") == 1'795'428'425'250 - 3'600'000);
    for (std::string_view bad : {"2026-11-23T10:07:05.2a0Z", "2026-11-23T10:07:0aZ", "2026-11-23T10:07:05.250",
                                 "2026-11-23T10:07:05.250 Z"}) {
        CHECK_FALSE(coropipe::parse_rfc3339(bad));
    }
    CHECK(coropipe::format_rfc3339(1'795'428'000'999) == "2026-11-23T10:00:00Z");
    CHECK(coropipe::format_rfc3339(-500) == "1969-12-31T23:59:59Z");
    CHECK(coropipe::format_rfc3339(0) == "1970-01-01T00:00:00Z");
    CHECK(coropipe::format_rfc3339(951'782'400'000) == "2000-02-29T00:00:00Z");
    CHECK(coropipe::format_rfc3339(253'402'300'799'000) == "9999-12-31T23:59:59Z");
    CHECK(coropipe::format_rfc3339(253'402'300'800'000) == "10000-01-01T00:00:00Z");
    CHECK(coropipe::format_rfc3339(-62'135'596'800'000) == "0001-01-01T00:00:00Z");
}
