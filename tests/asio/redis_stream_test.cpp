// coropipe/asio/redis_stream.hpp against a real redis-server: XADD, consumer
// groups with two consumers (XREADGROUP, XACK, XPENDING, XAUTOCLAIM), the
// re-reading of a consumer's own pending entries, blocking reads, and the
// errors of a key that is not a stream; and the Redis stream sink target
// behind a queued_sink with a linger (coropiped's `flush_ms`).
#include <coropipe/asio/queued_sink.hpp>
#include <coropipe/asio/redis_stream.hpp>
#include <coropipe/asio/redis_stream_target.hpp>
#include <coropipe/error.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include "io_wait.hpp"
#include "redis_server.hpp"

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <set>
#include <string>
#include <vector>

namespace net = boost::asio;
using namespace coropipe::asio;
using coropipe::test::redis_server;
using coropipe::test::run_until;
using coropipe::test::wait_for;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

struct fixture {
    redis_server server;
    net::io_context io;
    redis_client client{io.get_executor(), redis_options{.address = server.address()}};

    /// Adds entries "line" = "<prefix>0", "<prefix>1", ...; their ids.
    std::vector<std::string> add(std::string_view stream, int n, const std::string& prefix = "line ") {
        std::vector<std::string> ids;
        for (int i = 0; i < n; ++i) {
            const std::string line = prefix + std::to_string(i);
            auto [ec, id] = wait_for(io, async_xadd(client, stream, {{"line", line}}, net::deferred));
            REQUIRE(!ec);
            ids.push_back(id);
        }
        return ids;
    }

    std::vector<stream_entry> read(const xreadgroup_args& args) {
        auto [ec, entries] = wait_for(io, async_xreadgroup(client, args, net::deferred));
        INFO(ec.message());
        REQUIRE(!ec);
        return entries;
    }

    xpending_summary pending(std::string_view stream, std::string_view group) {
        auto [ec, summary] = wait_for(io, async_xpending(client, stream, group, net::deferred));
        REQUIRE(!ec);
        return summary;
    }

    void create_group(std::string_view stream, std::string_view group, std::string_view start = "0") {
        auto [ec] = wait_for(io, async_xgroup_create(client, stream, group, start, net::deferred));
        REQUIRE(!ec);
    }

    std::uint64_t ack(std::string_view stream, std::string_view group, const std::vector<std::string>& ids) {
        auto [ec, n] = wait_for(io, async_xack(client, stream, group, ids, net::deferred));
        REQUIRE(!ec);
        return n;
    }
};

std::vector<std::string> ids_of(const std::vector<stream_entry>& entries) {
    std::vector<std::string> ids;
    for (const stream_entry& e : entries) {
        ids.push_back(e.id);
    }
    return ids;
}

std::uint64_t pending_of(const xpending_summary& s, std::string_view consumer) {
    for (const auto& [name, n] : s.consumers) {
        if (name == consumer) {
            return n;
        }
    }
    return 0;
}

} // namespace

TEST_CASE("XADD appends entries and returns their ids, and MAXLEN ~ trims the stream", "[asio][redis_stream]") {
    fixture f;
    const std::vector<std::string> ids = f.add("s", 3);
    REQUIRE(ids.size() == 3);
    CHECK(ids[0] < ids[1]);
    CHECK(ids[0].find('-') != std::string::npos);

    xadd_options trim;
    trim.maxlen = 100;
    auto [add_ec, added] = wait_for(f.io, async_xadd(f.client, "trimmed", std::array{stream_field{"line", "x"}},
                                                     trim, net::deferred));
    REQUIRE(!add_ec);
    redis_request more;
    for (int i = 0; i < 2000; ++i) {
        push_xadd(more, "trimmed", {{"line", "x"}}, trim);
    }
    auto [more_ec, replies] = wait_for(f.io, f.client.async_execute(std::move(more), net::deferred));
    REQUIRE(!more_ec);
    CHECK(replies.back().type == redis_reply::kind::string);
    auto [ec, len] = wait_for(f.io, f.client.async_command({"XLEN", "trimmed"}, net::deferred));
    REQUIRE(!ec);
    CHECK(len.integer >= 100);
    CHECK(len.integer < 1000); // approximate: whole nodes go

    SECTION("an XADD with no field is refused before anything is sent") {
        redis_request r;
        CHECK_THROWS_AS(push_xadd(r, "s", std::span<const stream_field>()), coropipe::error);
        CHECK(r.empty());
    }
}

TEST_CASE("pipelined XADDs: one request of many entries, one id per entry", "[asio][redis_stream]") {
    fixture f;
    redis_request request;
    std::string lines;
    for (int i = 0; i < 64; ++i) {
        lines += "line " + std::to_string(i) + "\n";
    }
    for (int i = 0; i < 500; ++i) {
        push_xadd(request, "batched", {{"lines", lines}});
    }
    auto [ec, replies] = wait_for(f.io, f.client.async_execute(std::move(request), net::deferred));
    REQUIRE(!ec);
    REQUIRE(replies.size() == 500);
    for (const redis_reply& r : replies) {
        REQUIRE(r.type == redis_reply::kind::string);
    }
    f.create_group("batched", "g");
    const std::vector<stream_entry> entries = f.read({.stream = "batched", .group = "g", .consumer = "c"});
    REQUIRE(entries.size() == 500);
    CHECK(*entries[499].find("lines") == lines);
}

TEST_CASE("XGROUP CREATE makes the stream and the group, and creating it again is no error", "[asio][redis_stream]") {
    fixture f;
    f.create_group("fresh", "g", "$");
    auto [ec, type] = wait_for(f.io, f.client.async_command({"TYPE", "fresh"}, net::deferred));
    CHECK(type.str == "stream");
    f.create_group("fresh", "g", "$"); // BUSYGROUP: fine
    CHECK(f.pending("fresh", "g").count == 0);
}

TEST_CASE("a consumer group delivers each entry to one of its two consumers", "[asio][redis_stream]") {
    fixture f;
    const std::vector<std::string> ids = f.add("s", 10);
    f.create_group("s", "g");

    const std::vector<stream_entry> a = f.read({.stream = "s", .group = "g", .consumer = "a", .count = 4});
    const std::vector<stream_entry> b = f.read({.stream = "s", .group = "g", .consumer = "b", .count = 100});
    REQUIRE(a.size() == 4);
    REQUIRE(b.size() == 6);
    CHECK(*a[0].find("line") == "line 0");
    CHECK(*b[0].find("line") == "line 4");
    CHECK(a[0].find("nope") == nullptr);
    std::vector<std::string> both = ids_of(a);
    const std::vector<std::string> of_b = ids_of(b);
    both.insert(both.end(), of_b.begin(), of_b.end());
    CHECK(both == ids);
    // Nothing new is left for anyone.
    CHECK(f.read({.stream = "s", .group = "g", .consumer = "a"}).empty());

    xpending_summary p = f.pending("s", "g");
    CHECK(p.count == 10);
    CHECK(p.smallest == ids.front());
    CHECK(p.largest == ids.back());
    CHECK(pending_of(p, "a") == 4);
    CHECK(pending_of(p, "b") == 6);

    SECTION("XACK takes entries off the pending list, once") {
        CHECK(f.ack("s", "g", ids_of(a)) == 4);
        CHECK(f.ack("s", "g", ids_of(a)) == 0);
        CHECK(f.ack("s", "g", {}) == 0); // nothing sent
        p = f.pending("s", "g");
        CHECK(p.count == 6);
        CHECK(pending_of(p, "a") == 0);
        CHECK(f.ack("s", "g", ids_of(b)) == 6);
        p = f.pending("s", "g");
        CHECK(p.count == 0);
        CHECK(p.smallest.empty());
        CHECK(p.consumers.empty());
    }
    SECTION("reading from id 0 gives a consumer its own pending entries again, deleted ones flagged") {
        auto [ec, deleted] = wait_for(f.io, f.client.async_command({"XDEL", "s", a[1].id}, net::deferred));
        REQUIRE(deleted.integer == 1);
        const std::vector<stream_entry> again = f.read({.stream = "s", .group = "g", .consumer = "a", .id = "0"});
        REQUIRE(again.size() == 4);
        CHECK(ids_of(again) == ids_of(a));
        CHECK(again[1].deleted);
        CHECK(again[1].fields.empty());
        CHECK_FALSE(again[0].deleted);
        CHECK(*again[2].find("line") == "line 2");
        // Page by page, from the last id seen.
        const std::vector<stream_entry> page1 =
            f.read({.stream = "s", .group = "g", .consumer = "b", .id = "0", .count = 4});
        const std::vector<stream_entry> page2 =
            f.read({.stream = "s", .group = "g", .consumer = "b", .id = page1.back().id, .count = 4});
        CHECK(page1.size() == 4);
        CHECK(page2.size() == 2);
        CHECK(page2.back().id == ids.back());
        CHECK(f.read({.stream = "s", .group = "g", .consumer = "b", .id = page2.back().id}).empty());
    }
    SECTION("XAUTOCLAIM moves entries idle long enough to the claiming consumer") {
        // Idle at least an hour: none yet.
        auto [ec0, none] = wait_for(
            f.io, async_xautoclaim(f.client, {.stream = "s", .group = "g", .consumer = "b", .min_idle = 1h},
                                   net::deferred));
        REQUIRE(!ec0);
        CHECK(none.entries.empty());
        CHECK(none.next == "0-0");

        auto [ec1, deleted] = wait_for(f.io, f.client.async_command({"XDEL", "s", a[3].id}, net::deferred));
        REQUIRE(!ec1);
        // b takes over a's entries (idle >= 0 ms: all of them), two per call.
        std::vector<stream_entry> claimed;
        std::vector<std::string> gone;
        std::string cursor = "0-0";
        for (int calls = 0; calls < 20; ++calls) {
            auto [ec, r] = wait_for(f.io, async_xautoclaim(f.client,
                                                           {.stream = "s",
                                                            .group = "g",
                                                            .consumer = "b",
                                                            .min_idle = 0ms,
                                                            .start = cursor,
                                                            .count = 2},
                                                           net::deferred));
            REQUIRE(!ec);
            claimed.insert(claimed.end(), r.entries.begin(), r.entries.end());
            gone.insert(gone.end(), r.deleted.begin(), r.deleted.end());
            cursor = r.next;
            if (cursor == "0-0") {
                break;
            }
        }
        CHECK(cursor == "0-0");
        CHECK(gone == std::vector<std::string>{a[3].id});
        // b already had its six; it claimed them again (it is the claimer) and a's three left.
        std::set<std::string> claimed_ids;
        for (const stream_entry& e : claimed) {
            claimed_ids.insert(e.id);
        }
        CHECK(claimed_ids.count(a[0].id) == 1);
        CHECK(claimed_ids.count(a[2].id) == 1);
        CHECK(claimed_ids.count(a[3].id) == 0);
        p = f.pending("s", "g");
        CHECK(pending_of(p, "a") == 0);
        CHECK(pending_of(p, "b") == 9);
        CHECK(p.count == 9);
    }
}

TEST_CASE("XREADGROUP BLOCK waits for a new entry, or returns none when the time runs out", "[asio][redis_stream]") {
    fixture f;
    f.create_group("live", "g", "$");
    // The blocking read has a client of its own: it holds up the requests behind it.
    redis_client reader(f.io.get_executor(), redis_options{.address = f.server.address()});

    SECTION("an entry added meanwhile") {
        bool done = false;
        std::vector<stream_entry> got;
        async_xreadgroup(reader, {.stream = "live", .group = "g", .consumer = "c", .block = 10s},
                         [&](error_code ec, std::vector<stream_entry> entries) {
                             REQUIRE(!ec);
                             got = std::move(entries);
                             done = true;
                         });
        // The reader blocks on the server once CLIENT LIST shows it.
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        bool blocked = false;
        while (!blocked) {
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            auto [ec, list] = wait_for(f.io, f.client.async_command({"CLIENT", "LIST"}, net::deferred));
            blocked = list.str.find("cmd=xreadgroup") != std::string::npos;
        }
        f.add("live", 1, "wake ");
        run_until(f.io, [&] { return done; }, "the blocking read");
        REQUIRE(got.size() == 1);
        CHECK(*got[0].find("line") == "wake 0");
    }
    SECTION("nothing within the time") {
        auto [ec, entries] = wait_for(
            f.io, async_xreadgroup(reader, {.stream = "live", .group = "g", .consumer = "c", .block = 100ms},
                                   net::deferred));
        CHECK(!ec);
        CHECK(entries.empty());
    }
}

TEST_CASE("binary field values pass through XADD and XREADGROUP unchanged", "[asio][redis_stream]") {
    fixture f;
    std::string value(std::string("\0a\r\n\0", 5));
    for (int i = 0; i < 256; ++i) {
        value.push_back(static_cast<char>(i));
    }
    const std::string field("li\0ne", 5);
    auto [ec, id] = wait_for(f.io, async_xadd(f.client, "bin", {{field, value}, {"", ""}}, net::deferred));
    REQUIRE(!ec);
    f.create_group("bin", "g");
    const std::vector<stream_entry> entries = f.read({.stream = "bin", .group = "g", .consumer = "c"});
    REQUIRE(entries.size() == 1);
    REQUIRE(entries[0].fields.size() == 2);
    CHECK(entries[0].fields[0].first == field);
    CHECK(entries[0].fields[0].second == value);
    CHECK(entries[0].fields[1].first.empty());
}

TEST_CASE("stream commands on a key that is not a stream fail with wrong_type", "[asio][redis_stream]") {
    fixture f;
    auto [set_ec, ok] = wait_for(f.io, f.client.async_command({"SET", "plain", "text"}, net::deferred));
    REQUIRE(!set_ec);

    auto [e1, id] = wait_for(f.io, async_xadd(f.client, "plain", {{"line", "x"}}, net::deferred));
    CHECK(e1 == redis_errc::wrong_type);
    CHECK(id.empty());
    auto [e2] = wait_for(f.io, async_xgroup_create(f.client, "plain", "g", "$", net::deferred));
    CHECK(e2 == redis_errc::wrong_type);
    auto [e3, entries] = wait_for(
        f.io, async_xreadgroup(f.client, {.stream = "plain", .group = "g", .consumer = "c"}, net::deferred));
    CHECK(e3 == redis_errc::wrong_type);
    CHECK(entries.empty());
    auto [e4, n] = wait_for(f.io, async_xack(f.client, "plain", "g", std::vector<std::string>{"1-1"}, net::deferred));
    CHECK(e4 == redis_errc::wrong_type);
    auto [e5, summary] = wait_for(f.io, async_xpending(f.client, "plain", "g", net::deferred));
    CHECK(e5 == redis_errc::wrong_type);
    CHECK(e5.message().find("WRONGTYPE") != std::string::npos);
    // The client is none the worse.
    auto [e6, pong] = wait_for(f.io, f.client.async_command({"PING"}, net::deferred));
    CHECK(pong.str == "PONG");
}

TEST_CASE("reading a group that does not exist fails with no_group", "[asio][redis_stream]") {
    fixture f;
    f.add("s", 1);
    auto [ec, entries] =
        wait_for(f.io, async_xreadgroup(f.client, {.stream = "s", .group = "nope", .consumer = "c"}, net::deferred));
    CHECK(ec == redis_errc::no_group);
    auto [ec2, claimed] =
        wait_for(f.io, async_xautoclaim(f.client, {.stream = "s", .group = "nope", .consumer = "c"}, net::deferred));
    CHECK(ec2 == redis_errc::no_group);
}

// ---- the sink target: lines gathered into entries (queued_sink's linger) ------------------

TEST_CASE("A Redis stream sink with a linger gathers lines written one at a time into full entries, and writes "
          "a partial one once the linger has passed, or at finish at once",
          "[asio][redis_stream][linger]") {
    fixture f;
    counters metrics;
    auto sink_to = [&](const std::string& stream, std::chrono::milliseconds linger) {
        queued_sink_options o;
        o.name = stream;
        o.linger = linger;
        o.linger_lines = 3;
        redis_stream_target_options r;
        r.redis.address = f.server.address();
        r.stream = stream;
        r.batch_lines = 3;
        return queued_sink::create(f.io.get_executor(), make_redis_stream_target(f.io.get_executor(), std::move(r)),
                                   std::move(o), metrics);
    };
    auto entries = [&](const std::string& stream) { // each entry's one value
        auto [ec, reply] = wait_for(f.io, f.client.async_command({"XRANGE", stream, "-", "+"}, net::deferred));
        REQUIRE(!ec);
        std::vector<std::string> values;
        for (const redis_reply& e : reply.elements) {
            values.push_back(e.elements.at(1).elements.at(1).str);
        }
        return values;
    };
    auto settled = [](const queued_sink& s) {
        const sink_progress p = s.progress();
        return p.settled == p.accepted;
    };

    SECTION("three lines written one at a time make one entry; a fourth waits, and goes at finish") {
        std::shared_ptr<queued_sink> sink = sink_to("gathered", std::chrono::hours(1));
        for (std::string_view line : {"a\n", "b\n", "c\n"}) {
            REQUIRE(sink->try_write(line, 1));
            f.io.poll(); // the writer looks at the queue after each line (without a linger, "a" would go alone)
        }
        run_until(f.io, [&] { return settled(*sink); }, "three lines written");
        CHECK(entries("gathered") == std::vector<std::string>{"a\nb\nc\n"});
        REQUIRE(sink->try_write("d\n", 1));
        std::optional<sink_report> report;
        sink->finish([&](sink_report r) { report = r; });
        run_until(f.io, [&] { return report.has_value(); }, "the finish, without waiting for the hour");
        CHECK(report->lines_written == 4);
        CHECK(report->lines_lost == 0);
        CHECK(entries("gathered") == std::vector<std::string>{"a\nb\nc\n", "d\n"});
    }
    SECTION("a line alone goes once the linger has passed") {
        const auto start = std::chrono::steady_clock::now();
        std::shared_ptr<queued_sink> sink = sink_to("lingered", 100ms);
        REQUIRE(sink->try_write("x\n", 1));
        run_until(f.io, [&] { return settled(*sink); }, "the linger to pass");
        CHECK(std::chrono::steady_clock::now() - start >= 100ms);
        CHECK(entries("lingered") == std::vector<std::string>{"x\n"});
    }
}
