// The daemon's `redis-stream` source against a real redis-server (started
// here, on a loopback port, in a temp dir, appendfsync always): real
// coropiped processes in one consumer group write file sinks; the union of
// their outputs is compared with what was added to the stream, as a
// multiset. Faults: a daemon killed with SIGKILL, Redis stopped and started
// again, bad entries, a key that is not a stream. Every wait polls the
// outputs and the group's pending list against a deadline that fails loudly.
#include "daemon_process.hpp"
#include "temp_dir.hpp"

#include "io_wait.hpp"
#include "redis_server.hpp"
#include "small_disk.hpp"

#include <filesystem>
#include <coropipe/asio/redis_stream.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
using namespace coropipe::asio;
using coropipe::test::redis_server;
using coropipe::test::daemon_process;
using coropipe::test::read_file;
using coropipe::test::metric;
using coropipe::test::poll_until;
using coropipe::test::temp_dir;
using coropipe::test::wait_for;
using namespace std::chrono_literals;

namespace {

/// The lines of `text`, counted.
void count_lines(std::string_view text, std::map<std::string, int>& counts) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        ++counts[std::string(line)];
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
}

/// A test's Redis: the server and a client of the test's own.
struct redis_fixture {
    redis_server server;
    net::io_context io;
    std::unique_ptr<redis_client> client =
        std::make_unique<redis_client>(io.get_executor(), redis_options{.address = server.address()});

    /// Adds `n` lines "<prefix>NNNNNN" to `stream`, `per_entry` a `lines`
    /// field each (1: a `line` field), pipelined 500 entries a request.
    std::vector<std::string> add_lines(const std::string& stream, int first, int n, int per_entry,
                                       const std::string& prefix = "line ") {
        std::vector<std::string> lines;
        redis_request request;
        std::size_t queued = 0;
        auto flush = [&] {
            auto [ec, replies] = wait_for(io, client->async_execute(std::move(request), net::deferred), 60s);
            REQUIRE(!ec);
            for (const redis_reply& r : replies) {
                REQUIRE(r.type != redis_reply::kind::error);
            }
            request = redis_request();
            queued = 0;
        };
        for (int i = first; i < first + n; i += per_entry) {
            std::string value;
            for (int j = i; j < std::min(first + n, i + per_entry); ++j) {
                std::string line = prefix + std::to_string(j);
                value += line + "\n";
                lines.push_back(std::move(line));
            }
            if (per_entry == 1) {
                value.pop_back();
                push_xadd(request, stream, {{"line", value}});
            } else {
                push_xadd(request, stream, {{"lines", value}});
            }
            if (++queued == 500) {
                flush();
            }
        }
        if (queued != 0) {
            flush();
        }
        return lines;
    }

    void command(std::initializer_list<std::string_view> args) {
        auto [ec, reply] = wait_for(io, client->async_command(args, net::deferred));
        INFO(ec.message() << " " << reply.str);
        REQUIRE(!ec);
    }

    /// XINFO GROUPS' `entries-read` and `pending` of `group` on `stream`.
    std::pair<long long, long long> group_info(const std::string& stream, const std::string& group) {
        auto [ec, reply] = wait_for(io, client->async_command({"XINFO", "GROUPS", stream}, net::deferred));
        REQUIRE(!ec);
        for (const redis_reply& g : reply.elements) {
            std::map<std::string, long long> values;
            bool mine = false;
            for (std::size_t i = 0; i + 1 < g.elements.size(); i += 2) {
                values[g.elements[i].str] = g.elements[i + 1].integer;
                mine = mine || (g.elements[i].str == "name" && g.elements[i + 1].str == group);
            }
            if (mine) {
                return {values["entries-read"], values["pending"]};
            }
        }
        FAIL("no group " << group);
        return {};
    }

    /// The group's pending entries; -1 while the server cannot say (restarting).
    long long pending(const std::string& stream, const std::string& group) {
        auto [ec, summary] = wait_for(io, async_xpending(*client, stream, group, net::deferred), 30s);
        return ec ? -1 : static_cast<long long>(summary.count);
    }
};

/// A config: one redis-stream source, `grep line` to a file sink.
std::string redis_config(const std::string& address, const std::string& consumer, const std::string& out,
                         const std::string& extra = "", const std::string& daemon_extra = "") {
    return "[daemon]\nshutdown_timeout = \"10s\"\n" + daemon_extra +
           "\n[source.bus]\ntype = \"redis-stream\"\naddress = \"" + address +
           "\"\nstream = \"logs\"\ngroup = \"shippers\"\nconsumer = \"" + consumer + "\"\n" + extra +
           "\n[pipeline.all]\nfrom = [\"bus\"]\nrun = \"grep line\"\nto = [\"out\"]\n"
           "\n[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n";
}

/// How the outputs compare with `expected`.
struct comparison {
    std::size_t missing = 0;    // expected lines not in any output
    std::size_t unexpected = 0; // output lines never added
    std::size_t duplicates = 0; // output lines beyond the first of each
    std::size_t total = 0;

    std::string text() const {
        return std::to_string(total) + " lines out, " + std::to_string(missing) + " missing, " +
               std::to_string(unexpected) + " unexpected, " + std::to_string(duplicates) + " duplicates";
    }
};

comparison compare(const std::vector<std::string>& expected, const std::vector<std::string>& outputs) {
    std::map<std::string, int> got;
    for (const std::string& path : outputs) {
        count_lines(read_file(path), got);
    }
    comparison c;
    std::map<std::string, int> want;
    for (const std::string& line : expected) {
        ++want[line];
    }
    for (const auto& [line, n] : got) {
        c.total += static_cast<std::size_t>(n);
        const auto w = want.find(line);
        if (w == want.end()) {
            c.unexpected += static_cast<std::size_t>(n);
        } else if (n > w->second) {
            c.duplicates += static_cast<std::size_t>(n - w->second);
        }
    }
    for (const auto& [line, n] : want) {
        const auto g = got.find(line);
        if (g == got.end() || g->second < n) {
            c.missing += static_cast<std::size_t>(n - (g == got.end() ? 0 : g->second));
        }
    }
    return c;
}

/// Waits until every `expected` line is in `outputs` and the group has
/// nothing pending; the comparison then. `log`: what to show if it never is.
comparison wait_delivered(redis_fixture& redis, const std::vector<std::string>& expected,
                          const std::vector<std::string>& outputs, const std::function<std::string()>& log) {
    comparison c;
    poll_until(
        [&] {
            c = compare(expected, outputs);
            return c.missing == 0 && redis.pending("logs", "shippers") == 0;
        },
        "every line written and acknowledged", [&] { return c.text() + "\n" + log(); });
    return c;
}

std::uint16_t metrics_port(const daemon_process& d) { return d.port_after("metrics on http://127.0.0.1:"); }

} // namespace

TEST_CASE("three daemons in one group share 300,000 lines: each line once, nothing left pending",
          "[daemon][redis]") {
    temp_dir dir;
    redis_fixture redis;
    std::vector<std::string> outputs;
    std::vector<std::unique_ptr<daemon_process>> daemons;
    for (int i = 0; i < 3; ++i) {
        outputs.push_back(dir.path("out" + std::to_string(i)));
        daemons.push_back(std::make_unique<daemon_process>(
            dir.write("d" + std::to_string(i) + ".toml",
                      redis_config(redis.server.address(), "c" + std::to_string(i), outputs.back(), "batch = 50\n"))));
    }
    // Added once all three read (the first creates the group and the stream).
    const std::vector<std::string> expected = redis.add_lines("logs", 0, 300'000, 20);
    const comparison c = wait_delivered(redis, expected, outputs, [] { return std::string(); });
    CHECK(c.unexpected == 0);
    CHECK(c.duplicates == 0); // no fault: nothing is delivered twice
    std::size_t busy = 0;
    for (const std::string& path : outputs) {
        busy += read_file(path).empty() ? 0 : 1;
    }
    CHECK(busy >= 2); // the group shared the work
    for (auto& d : daemons) {
        d->child.signal(SIGTERM);
        CHECK(d->child.wait_exit() == 0);
    }
}

TEST_CASE("a daemon killed with SIGKILL: another claims its pending entries, no line is lost", "[daemon][redis]") {
    temp_dir dir;
    redis_fixture redis;
    const std::vector<std::string> expected = redis.add_lines("logs", 0, 300'000, 10);
    const std::string out_a = dir.path("a"), out_b = dir.path("b");
    // A reads much (max_in_flight 2000 entries) and is killed with entries in flight.
    auto a = std::make_unique<daemon_process>(
        dir.write("a.toml", redis_config(redis.server.address(), "a", out_a,
                                         "batch = 500\nmax_in_flight = 2000\nclaim_idle_ms = 500\n")));
    poll_until([&] { return read_file(out_a).size() > 0; }, "daemon a to write", [] { return std::string(); });
    a->child.signal(SIGKILL); // as it is, with entries read and not yet acknowledged
    a->child.wait_exit();
    // What it left pending, counted once it is gone (an acknowledgement it
    // sent just before would otherwise still lower it after the count).
    std::uint64_t held_by_a = 0;
    {
        auto [ec, summary] = wait_for(redis.io, async_xpending(*redis.client, "logs", "shippers", net::deferred));
        REQUIRE(!ec);
        for (const auto& [consumer, n] : summary.consumers) {
            held_by_a += consumer == "a" ? n : 0;
        }
    }
    REQUIRE(held_by_a > 0);
    // A write cut by SIGKILL may leave a torn last line: drop it (its entry
    // was not acknowledged, so b delivers the whole line again).
    {
        const std::string written = read_file(out_a);
        const std::size_t last_newline = written.rfind('\n');
        std::filesystem::resize_file(out_a, last_newline == std::string::npos ? 0 : last_newline + 1);
    }
    const comparison before = compare(expected, {out_a});
    CHECK(before.missing > 0); // it did not get through all of it
    daemon_process b(dir.write("b.toml", redis_config(redis.server.address(), "b", out_b,
                                                      "batch = 500\nclaim_idle_ms = 500\n",
                                                      "metrics_listen = \"127.0.0.1:0\"\n")));
    const comparison c = wait_delivered(redis, expected, {out_a, out_b}, [&] { return b.child.err; });
    CHECK(c.unexpected == 0);
    const std::uint16_t port = metrics_port(b);
    CHECK(metric(port, "coropiped_entries_claimed_total{kind=\"source\",name=\"bus\"}") >= held_by_a);
    CHECK(metric(port, "coropiped_entries_redelivered_total{kind=\"source\",name=\"bus\"}") >= held_by_a);
    // At least once: what a had in flight (at most max_in_flight entries of 10 lines) may come twice.
    CHECK(c.duplicates <= 2000 * 10);
    b.child.signal(SIGTERM);
    CHECK(b.child.wait_exit() == 0);
}

TEST_CASE("A file sink that cannot write acknowledges nothing it did not write, and once there is room every "
          "line arrives",
          "[daemon][redis][faults]") {
    temp_dir dir;
    coropipe::test::small_disk disk(dir, 128 * 1024);
    redis_fixture redis;
    // About 1 MB of lines: far more than the 128 KiB the disk has room for.
    const std::vector<std::string> expected = redis.add_lines("logs", 0, 80'000, 10);
    const std::string out = disk.path("out");
    daemon_process d(dir.write("d.toml", redis_config(redis.server.address(), "c", out,
                                                      "batch = 100\nmax_in_flight = 1000\n") +
                                             "backoff_min = \"10ms\"\nbackoff_max = \"50ms\"\n"));
    disk.limit(d.child.pid());
    d.child.wait_for_err("retrying");
    // Stuck: what is not written is not acknowledged.
    const long long stuck = redis.pending("logs", "shippers");
    CHECK(stuck > 0);
    CHECK(compare(expected, {out}).missing > 0);
    disk.free(d.child.pid());
    const comparison c = wait_delivered(redis, expected, {out}, [&] { return d.child.err; });
    CHECK(c.unexpected == 0);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("Redis stopped mid-run and started again: the daemon reconnects, no line is lost", "[daemon][redis]") {
    temp_dir dir;
    redis_fixture redis;
    std::vector<std::string> expected = redis.add_lines("logs", 0, 100'000, 10);
    const std::string out = dir.path("out");
    daemon_process d(dir.write("d.toml", redis_config(redis.server.address(), "c", out, "batch = 100\n")));
    poll_until([&] { return read_file(out).size() > 0; }, "the daemon to write", [] { return std::string(); });
    redis.server.stop(SIGTERM); // saves its append-only file: the stream, the group and its pending list stay
    d.child.wait_for_err("trying again");
    redis.server.start();
    redis.client = std::make_unique<redis_client>(redis.io.get_executor(), redis_options{.address = redis.server.address()});
    const std::vector<std::string> more = redis.add_lines("logs", 100'000, 1000, 1); // after the restart too
    expected.insert(expected.end(), more.begin(), more.end());
    const comparison c = wait_delivered(redis, expected, {out}, [&] { return d.child.err; });
    CHECK(c.unexpected == 0);
    d.child.wait_for_err("reading again");
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("bad entries are skipped and counted, binary lines pass as bytes, a key that is not a stream is an error "
          "the daemon survives",
          "[daemon][redis]") {
    temp_dir dir;
    redis_fixture redis;
    std::vector<std::string> expected = redis.add_lines("logs", 0, 100, 1);
    wait_for(redis.io, async_xadd(*redis.client, "logs", {{"message", "no line field"}}, net::deferred));
    wait_for(redis.io, async_xadd(*redis.client, "logs", {{"a", "1"}, {"b", "2"}}, net::deferred));
    const std::string binary("line \x00\x01\xff\xfe end", 14);
    wait_for(redis.io, async_xadd(*redis.client, "logs", {{"line", binary}}, net::deferred));
    expected.push_back(binary);
    redis.command({"SET", "text", "not a stream"});
    const std::string out = dir.path("out");
    const std::string config =
        redis_config(redis.server.address(), "c", out, "", "metrics_listen = \"127.0.0.1:0\"\n") +
        "\n[source.wrong]\ntype = \"redis-stream\"\naddress = \"" + redis.server.address() +
        "\"\nstream = \"text\"\ngroup = \"g\"\n\n[pipeline.w]\nfrom = [\"wrong\"]\nrun = \"grep line\"\nto = "
        "[\"out\"]\n";
    daemon_process d(dir.write("d.toml", config));
    const comparison c = wait_delivered(redis, expected, {out}, [&] { return d.child.err; });
    CHECK(c.unexpected == 0);
    CHECK(c.duplicates == 0);
    d.child.wait_for_err("has no field 'line' or 'lines'", 2);
    d.child.wait_for_err("WRONGTYPE");
    const std::uint16_t port = metrics_port(d);
    CHECK(metric(port, "coropiped_entries_bad_total{kind=\"source\",name=\"bus\"}") == 2);
    CHECK(metric(port, "coropiped_entries_acked_total{kind=\"source\",name=\"bus\"}") == 103);
    CHECK(metric(port, "coropiped_entries_pending{kind=\"source\",name=\"bus\"}") == 0);
    CHECK(metric(port, "coropiped_broker_connected{kind=\"source\",name=\"bus\"}") == 1);
    CHECK(metric(port, "coropiped_errors_total{kind=\"source\",name=\"wrong\"}") >= 1);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("a clean stop acknowledges every entry whose lines were written, and only those", "[daemon][redis]") {
    temp_dir dir;
    redis_fixture redis;
    const std::vector<std::string> expected = redis.add_lines("logs", 0, 200'000, 10);
    const std::string out = dir.path("out");
    daemon_process d(dir.write("d.toml", redis_config(redis.server.address(), "c", out, "batch = 200\n")));
    poll_until([&] { return read_file(out).size() > 0; }, "the daemon to write", [] { return std::string(); });
    d.child.signal(SIGTERM);
    REQUIRE(d.child.wait_exit() == 0);
    const auto [read, pending] = redis.group_info("logs", "shippers");
    std::map<std::string, int> written;
    count_lines(read_file(out), written);
    std::size_t lines = 0;
    for (const auto& [line, n] : written) {
        lines += static_cast<std::size_t>(n);
    }
    INFO(read << " entries read, " << pending << " pending, " << lines << " lines written");
    // Each acknowledged entry's 10 lines are in the file; what is pending was not written (read, not yet through).
    CHECK(lines == static_cast<std::size_t>(read - pending) * 10);
}

// Under AddressSanitizer this takes ~100 s (a 100 MB reply through the
// sanitized hiredis reader, and Redis's own copy), a tenth of the asan run's
// budget: hidden there ([.]; it passes when run by name, 2026-12-02). Once,
// on a loaded machine, the daemon there also took more than the 10 s the
// test allows to exit after SIGTERM.
#if defined(__SANITIZE_ADDRESS__)
#define COROPIPE_REDIS_BIG_TAGS "[daemon][redis][.]"
#else
#define COROPIPE_REDIS_BIG_TAGS "[daemon][redis]"
#endif

TEST_CASE("a 100 MB line in an entry is cut to max_line and counted, and the entries after it arrive",
          COROPIPE_REDIS_BIG_TAGS) {
    temp_dir dir;
    redis_fixture redis;
    std::string big = "line big ";
    big.resize(100 << 20, 'x');
    auto [ec, id] = wait_for(redis.io, async_xadd(*redis.client, "logs", {{"line", big}}, net::deferred), 60s);
    REQUIRE(!ec);
    std::vector<std::string> expected = {big.substr(0, 64 << 10)};
    big = std::string();
    const std::vector<std::string> after = redis.add_lines("logs", 0, 100, 1);
    expected.insert(expected.end(), after.begin(), after.end());
    const std::string out = dir.path("out");
    daemon_process d(dir.write("d.toml", redis_config(redis.server.address(), "c", out, "max_line = \"64KiB\"\n",
                                                      "metrics_listen = \"127.0.0.1:0\"\n")));
    const comparison c = wait_delivered(redis, expected, {out}, [&] { return d.child.err; });
    CHECK(c.unexpected == 0);
    CHECK(c.duplicates == 0);
    CHECK(metric(metrics_port(d), "coropiped_lines_truncated_total{kind=\"source\",name=\"bus\"}") == 1);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}
