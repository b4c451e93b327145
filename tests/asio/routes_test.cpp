// coropipe/asio/run.hpp, the daemon's forms: async_run over a planned
// text_pipeline, and over a route_table (fan-out to several sinks, reloads
// at the next chunk, framing, lossy runs, held partial lines, live
// counters, a failing route that stops alone), on real sockets, files and
// queued sinks.
#include <coropipe/asio/counters.hpp>
#include <coropipe/asio/file_sink.hpp>
#include <coropipe/asio/queued_sink.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/asio/stream_source.hpp>
#include <coropipe/text_pipeline.hpp>

#include "asio_helpers.hpp"
#include "temp_file.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace net = boost::asio;
using namespace std::literals;
using unix_socket = net::local::stream_protocol::socket;
using coropipe::text_pipeline;
using coropipe::asio::async_run;
using coropipe::asio::counters;
using coropipe::asio::queued_sink;
using coropipe::asio::queued_sink_ref;
using coropipe::asio::run_options;
using coropipe::asio::run_stats;
using coropipe::test::run_until;
using coropipe::test::string_sink;
using coropipe::test::temp_file;
using outcome = coropipe::test::run_outcome;

namespace {

using string_table = coropipe::asio::route_table<string_sink>;
using string_route = coropipe::asio::route<string_sink>;
using queued_table = coropipe::asio::route_table<queued_sink_ref>;
using queued_route = coropipe::asio::route<queued_sink_ref>;

/// A connected pair of unix stream sockets: the run reads `in`, the test writes `peer`.
struct socket_pair {
    unix_socket in;
    unix_socket peer;
    explicit socket_pair(net::io_context& io) : in(io), peer(io) { net::local::connect_pair(in, peer); }
    /// Writes `text` from the io_context (any size), then shuts the peer's sending side if `end`.
    void send(std::string text, bool end = false) {
        auto owned = std::make_shared<std::string>(std::move(text));
        net::async_write(peer, net::buffer(*owned), [this, owned, end](boost::system::error_code ec, std::size_t) {
            REQUIRE_FALSE(ec);
            if (end) {
                peer.shutdown(unix_socket::shutdown_send);
            }
        });
    }
};

std::string numbered(int n) {
    return coropipe::test::numbered(n, "ERROR");
}

std::string only_errors(const std::string& text) {
    return coropipe::test::lines_with(text, "ERROR");
}

/// A queued sink writing to a new temp file, and its counters.
struct file_queue {
    temp_file file;
    counters metrics;
    std::shared_ptr<queued_sink> sink;
    explicit file_queue(net::io_context& io, std::string name = "out") {
        coropipe::asio::queued_sink_options o;
        o.name = std::move(name);
        sink = queued_sink::create(io.get_executor(),
                                   coropipe::asio::make_file_target(io.get_executor(), file.path), o, metrics);
    }
    /// Finishes the sink and waits for its report.
    coropipe::asio::sink_report finish(net::io_context& io) {
        std::optional<coropipe::asio::sink_report> report;
        sink->finish([&](coropipe::asio::sink_report r) { report = r; });
        run_until(io, [&] { return report.has_value(); });
        return *report;
    }
};

/// A port on 127.0.0.1 where nothing listens (bound, then closed).
unsigned short free_port(net::io_context& io) {
    net::ip::tcp::acceptor a(io, net::ip::tcp::endpoint(net::ip::address_v4::loopback(), 0));
    return a.local_endpoint().port();
}

/// A queued sink whose target never takes anything (a TCP peer that is
/// down, retried only every 10 s), holding at most `buffer` bytes.
std::shared_ptr<queued_sink> stalled_sink(net::io_context& io, counters& metrics, std::size_t buffer) {
    coropipe::asio::queued_sink_options o;
    o.name = "stalled";
    o.buffer_bytes = buffer;
    o.backoff_min = 10s;
    o.backoff_max = 10s;
    return queued_sink::create(io.get_executor(),
                               coropipe::asio::make_tcp_target(io.get_executor(), "127.0.0.1",
                                                               std::to_string(free_port(io))),
                               o, metrics);
}

/// What one `print` route got from `input` (sent whole, then the end)
/// with options `o`; the run must succeed.
struct print_run {
    std::string out;
    run_stats stats;
};

print_run run_print(std::string input, run_options o) {
    net::io_context io;
    socket_pair sockets(io);
    string_sink sink;
    auto table = std::make_shared<string_table>(std::vector<string_route>{{"all", text_pipeline("print"), {sink}}});
    sockets.send(std::move(input), true);
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const string_table>(table), std::move(o), result.handler());
    run_until(io, [&] { return result.called; });
    REQUIRE_FALSE(result.error);
    return {sink.text(), *result.stats};
}

} // namespace

// ---- a planned pipeline text --------------------------------------------------------

TEST_CASE("async_run over a planned pipeline text gives the per-line output over TCP", "[asio][routes][plan]") {
    std::string text;
    for (int i = 0; i < 50000; ++i) {
        text += "n=" + std::to_string(i % 1000) + (i % 7 == 0 ? " ERROR " : " info ") + std::to_string(i) + "\n";
    }
    text += "n=3 ERROR without newline";
    for (const std::string pipeline : {"grep ERROR", "grep ERROR | max n", "prefix n=1 | count --final",
                                       "grep -v info | uniq | head 1000"}) {
        for (const bool fast : {true, false}) {
            CAPTURE(pipeline, fast);
            const text_pipeline planned(pipeline, {.fast_paths = fast});
            net::io_context io;
            net::ip::tcp::acceptor acceptor(io, net::ip::tcp::endpoint(net::ip::address_v4::loopback(), 0));
            net::ip::tcp::socket client(io);
            net::ip::tcp::socket server(io);
            client.connect(acceptor.local_endpoint());
            acceptor.accept(server);
            net::async_write(client, net::buffer(text), [&](boost::system::error_code ec, std::size_t) {
                REQUIRE_FALSE(ec);
                client.shutdown(net::ip::tcp::socket::shutdown_send);
            });
            temp_file out;
            outcome result;
            async_run(io.get_executor(), coropipe::asio::stream_source(server), planned,
                      coropipe::asio::file_sink(out.path), result.handler());
            run_until(io, [&] { return result.called; });
            REQUIRE_FALSE(result.error);
            coropipe::text_run whole = text_pipeline(pipeline, {.fast_paths = false}).start();
            whole.feed(text);
            whole.finish();
            CHECK(out.read() == whole.output());
            CHECK(result.stats->lines_out == whole.lines_out());
            if (pipeline != "grep -v info | uniq | head 1000") {
                CHECK(result.stats->lines_in == 50001);
                CHECK(result.stats->bytes_in == text.size());
            }
        }
    }
}

// ---- routes -------------------------------------------------------------------------

TEST_CASE("Each route's output goes to each of its sinks, and the counters add up", "[asio][routes][fanout]") {
    net::io_context io;
    socket_pair sockets(io);
    file_queue a(io, "a");
    file_queue b(io, "b");
    file_queue c(io, "c");
    counters errors_route;
    counters total_route;
    counters source;
    auto table = std::make_shared<queued_table>(std::vector<queued_route>{
        {"errors", text_pipeline("grep ERROR"), {a.sink, b.sink}, &errors_route},
        {"total", text_pipeline("count --final"), {c.sink}, &total_route},
    });
    const std::string text = numbered(30000);
    sockets.send(text, true);
    run_options o;
    o.source = &source;
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const queued_table>(table), o, result.handler());
    run_until(io, [&] { return result.called; });
    REQUIRE_FALSE(result.error);
    for (file_queue* q : {&a, &b, &c}) {
        const auto report = q->finish(io);
        CHECK(report.lines_lost == 0);
        CHECK(report.last_error.empty());
    }
    CHECK(a.file.read() == only_errors(text));
    CHECK(b.file.read() == only_errors(text));
    CHECK(c.file.read() == "30000\n");
    const run_stats& s = *result.stats;
    CHECK(s.lines_in == 30000);
    CHECK(s.bytes_in == text.size());
    CHECK(s.lines_out == 10000 + 1); // per route, not per sink
    CHECK(errors_route.lines_in.load() == 30000);
    CHECK(errors_route.lines_out.load() == 10000);
    CHECK(errors_route.bytes_out.load() == only_errors(text).size());
    CHECK(total_route.lines_in.load() == 30000);
    CHECK(total_route.lines_out.load() == 1);
    CHECK(source.lines_in.load() == 30000);
    CHECK(source.bytes_in.load() == text.size());
    CHECK(a.metrics.lines_out.load() == 10000);
    CHECK(b.metrics.lines_out.load() == 10000);
    CHECK(a.metrics.buffer_bytes.load() == 0);
}

TEST_CASE("A replaced route table takes effect at the next chunk, after the old stages finish into the old sinks",
          "[asio][routes][reload]") {
    net::io_context io;
    socket_pair sockets(io);
    string_sink old_sink;
    string_sink new_sink;
    counters old_route;
    counters new_route;
    auto table = std::make_shared<string_table>(std::vector<string_route>{
        {"v1", text_pipeline("count --final"), {old_sink}, &old_route},
    });
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const string_table>(table), run_options{}, result.handler());
    sockets.send("a\nb\nc\nspan"); // a partial line: it belongs to whoever reads its end
    run_until(io, [&] { return old_route.lines_in == 3; });
    CHECK(old_sink.text().empty()); // --final: nothing yet
    table->replace({{"v2", text_pipeline("grep -v zzz | count --final"), {new_sink}, &new_route}});
    CHECK(table->version() == 1);
    sockets.send("ning\ne\n", true);
    run_until(io, [&] { return result.called; });
    REQUIRE_FALSE(result.error);
    CHECK(old_sink.text() == "3\n");
    CHECK(new_sink.text() == "2\n");
    CHECK(new_route.lines_in.load() == 2);
    CHECK(result.stats->lines_in == 5);
    CHECK(result.stats->lines_out == 2);
}

TEST_CASE("A run waiting for input takes a reload only with its next chunk", "[asio][routes][reload]") {
    net::io_context io;
    socket_pair sockets(io);
    string_sink old_sink;
    string_sink new_sink;
    auto table = std::make_shared<string_table>(std::vector<string_route>{{"v1", text_pipeline("print"), {old_sink}}});
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const string_table>(table), run_options{}, result.handler());
    sockets.send("1\n");
    run_until(io, [&] { return old_sink.text() == "1\n"; });
    table->replace({{"v2", text_pipeline("print '<{}>'"), {new_sink}}});
    table->replace({{"v3", text_pipeline("print '[{}]'"), {new_sink}}}); // only the newest counts
    sockets.send("2\n");
    run_until(io, [&] { return !new_sink.text().empty(); });
    sockets.send("3\n", true);
    run_until(io, [&] { return result.called; });
    CHECK(old_sink.text() == "1\n");
    CHECK(new_sink.text() == "[2]\n[3]\n");
}

TEST_CASE("Runs on a thread pool lose and repeat no line while tables are replaced from another thread",
          "[asio][routes][reload][threads]") {
    net::thread_pool pool(3);
    constexpr int runs = 6;
    constexpr int lines_per_run = 20000;
    std::vector<string_sink> sinks(8);
    auto table = std::make_shared<string_table>(std::vector<string_route>{{"v0", text_pipeline("print"), {sinks[0]}}});
    std::vector<std::unique_ptr<unix_socket>> ins;
    std::vector<std::unique_ptr<unix_socket>> peers;
    std::atomic<int> finished{0};
    std::atomic<int> failed{0};
    for (int r = 0; r < runs; ++r) {
        ins.push_back(std::make_unique<unix_socket>(pool));
        peers.push_back(std::make_unique<unix_socket>(pool));
        net::local::connect_pair(*ins.back(), *peers.back());
        async_run(net::make_strand(pool), coropipe::asio::stream_source(*ins.back()),
                  std::shared_ptr<const string_table>(table), run_options{},
                  [&](std::exception_ptr e, run_stats) {
                      failed += e ? 1 : 0;
                      ++finished;
                  });
    }
    std::vector<std::thread> writers;
    for (int r = 0; r < runs; ++r) {
        writers.emplace_back([&, r] {
            std::string text;
            for (int i = 0; i < lines_per_run; ++i) {
                text += std::to_string(r) + ":" + std::to_string(i) + "\n";
            }
            // In pieces of odd sizes, so that lines span chunks and reloads.
            for (std::size_t at = 0; at < text.size();) {
                const std::size_t n = std::min<std::size_t>(text.size() - at, 997 + 131 * static_cast<std::size_t>(r));
                net::write(*peers[static_cast<std::size_t>(r)], net::buffer(text.data() + at, n));
                at += n;
            }
            peers[static_cast<std::size_t>(r)]->shutdown(unix_socket::shutdown_send);
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    for (int v = 1; finished < runs; ++v) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        table->replace({{"v" + std::to_string(v), text_pipeline("print"), {sinks[static_cast<std::size_t>(v) % 8]}}});
        std::this_thread::yield();
    }
    for (std::thread& t : writers) {
        t.join();
    }
    pool.join();
    CHECK(failed == 0);
    std::multiset<std::string> seen;
    for (const string_sink& s : sinks) {
        std::istringstream in(s.text());
        for (std::string line; std::getline(in, line);) {
            seen.insert(line);
        }
    }
    CHECK(seen.size() == static_cast<std::size_t>(runs * lines_per_run));
    std::size_t missing = 0;
    for (int r = 0; r < runs; ++r) {
        for (int i = 0; i < lines_per_run; ++i) {
            missing += seen.count(std::to_string(r) + ":" + std::to_string(i)) == 1 ? 0 : 1;
        }
    }
    CHECK(missing == 0);
    CHECK(table->version() > 0);
}

TEST_CASE("A route whose stage fails stops alone and is reported once, and the other routes get every line",
          "[asio][routes][errors]") {
    net::io_context io;
    socket_pair sockets(io);
    string_sink good;
    string_sink bad;
    counters good_route;
    counters bad_route;
    // tee /dev/full fails when its 64 KiB buffer is first written (ENOSPC).
    auto table = std::make_shared<string_table>(std::vector<string_route>{
        {"bad", text_pipeline("tee /dev/full | grep ERROR"), {bad}, &bad_route},
        {"good", text_pipeline("grep ERROR"), {good}, &good_route},
    });
    const std::string text = numbered(60000);
    sockets.send(text, true);
    std::vector<std::string> reported;
    run_options o;
    o.on_route_error = [&](const std::string& route, std::exception_ptr e) {
        reported.push_back(route);
        CHECK_THROWS_AS(std::rethrow_exception(e), std::system_error);
    };
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const string_table>(table), o, result.handler());
    run_until(io, [&] { return result.called; });
    REQUIRE_FALSE(result.error);
    CHECK(good.text() == only_errors(text));
    CHECK(bad.text().size() < only_errors(text).size());
    CHECK(reported == std::vector<std::string>{"bad"});
    CHECK(bad_route.errors.load() == 1);
    CHECK(good_route.errors.load() == 0);
}

TEST_CASE("Without on_route_error a failing stage ends the run with its error, after the output before it",
          "[asio][routes][errors]") {
    net::io_context io;
    socket_pair sockets(io);
    string_sink good;
    auto table = std::make_shared<string_table>(std::vector<string_route>{
        {"bad", text_pipeline("tee /dev/full"), {good}},
    });
    sockets.send(numbered(60000), true);
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const string_table>(table), run_options{}, result.handler());
    run_until(io, [&] { return result.called; });
    REQUIRE(result.error);
    CHECK_THROWS_AS(std::rethrow_exception(result.error), std::system_error);
    CHECK(!good.text().empty());
}

TEST_CASE("A route that has ended (head) stops alone, and the run ends when every route has", "[asio][routes][head]") {
    net::io_context io;
    socket_pair sockets(io);
    string_sink first;
    string_sink all;
    auto table = std::make_shared<string_table>(std::vector<string_route>{
        {"first", text_pipeline("head 2"), {first}},
        {"all", text_pipeline("head 5"), {all}},
    });
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const string_table>(table), run_options{}, result.handler());
    sockets.send("1\n2\n3\n");
    run_until(io, [&] { return all.text() == "1\n2\n3\n"; });
    CHECK_FALSE(result.called);
    sockets.send("4\n5\n6\n7\n"); // never ends its input: the stages do
    run_until(io, [&] { return result.called; });
    REQUIRE_FALSE(result.error);
    CHECK(first.text() == "1\n2\n");
    CHECK(all.text() == "1\n2\n3\n4\n5\n");
}

// ---- run_options --------------------------------------------------------------------

TEST_CASE("Octet-counted and automatic framing split a syslog stream into its messages", "[asio][routes][framing]") {
    using coropipe::asio::framing;
    const auto [mode, stream, expected] = GENERATE(table<framing, std::string, std::string>({
        {framing::octet_counting, "10 <13>hello 11 <14>multi\nx3 <1>", "<13>hello \n<14>multi#012x\n<1>\n"},
        {framing::automatic, "9 <13>hello8 <14>bye\n", "<13>hello\n<14>bye\n"},
        {framing::automatic, "12 apples\n3 pears\n", "12 apples\n3 pears\n"},
        {framing::newline, "11 <13>hello \n", "11 <13>hello \n"},
    }));
    CAPTURE(stream);
    counters source;
    run_options o;
    o.framing = mode;
    o.source = &source;
    CHECK(run_print(stream, o).out == expected);
    CHECK(source.errors.load() == 0);
}

TEST_CASE("A malformed octet count is counted as an error of the source and no byte is lost",
          "[asio][routes][framing]") {
    counters source;
    run_options o;
    o.framing = coropipe::asio::framing::octet_counting;
    o.source = &source;
    CHECK(run_print("5 <1>ab007 oops\nplain\n", o).out == "<1>ab\n007 oops\nplain\n");
    CHECK(source.errors.load() == 1);
    CHECK(source.lines_in.load() == 3);
}

TEST_CASE("max_line cuts longer lines, counted in the stats and the source's counters", "[asio][routes][max_line]") {
    counters source;
    run_options o;
    o.max_line = 8;
    o.source = &source;
    const print_run r = run_print("short\n" + std::string(100000, 'x') + "\nalso short\n", o);
    CHECK(r.out == "short\nxxxxxxxx\nalso sho\n");
    CHECK(r.stats.truncated == 2);
    CHECK(source.truncated.load() == 2);
    CHECK(source.lines_in.load() == 3);
}

TEST_CASE("hold_partial passes on no last line without its newline, and counts all its bytes",
          "[asio][routes][hold_partial]") {
    const std::size_t max_line = GENERATE(0U, 4U);
    CAPTURE(max_line);
    run_options o;
    o.hold_partial = true;
    o.max_line = max_line;
    const print_run r = run_print("one\ntwo\npartial line", o);
    CHECK(r.out == "one\ntwo\n");
    // A followed file goes on from the partial line's start: all 12 bytes.
    CHECK(r.stats.held_bytes == 12);
    CHECK(r.stats.lines_in == 2);
}

TEST_CASE("A lossy run drops the output a full sink has no room for, counts it everywhere, and never waits",
          "[asio][routes][lossy]") {
    net::io_context io;
    socket_pair sockets(io);
    counters stalled_metrics;
    auto stalled = stalled_sink(io, stalled_metrics, 8);
    counters route_metrics;
    auto table = std::make_shared<queued_table>(std::vector<queued_route>{
        {"all", text_pipeline("print"), {stalled}, &route_metrics},
    });
    run_options o;
    o.lossy = true;
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const queued_table>(table), o, result.handler());
    // Chunk by chunk: the first fits the empty queue, the others find it full.
    int sent = 0;
    for (int i = 0; i < 5; ++i) {
        sockets.send("line " + std::to_string(i) + "\n");
        ++sent;
        run_until(io, [&] { return route_metrics.lines_in == static_cast<std::uint64_t>(sent); });
    }
    sockets.send("", true);
    run_until(io, [&] { return result.called; });
    REQUIRE_FALSE(result.error);
    CHECK(result.stats->lines_out == 5);
    CHECK(result.stats->dropped == 4);
    CHECK(route_metrics.dropped.load() == 4);
    CHECK(stalled_metrics.dropped.load() == 4);
    CHECK(stalled->pending_lines() == 1);
    std::optional<coropipe::asio::sink_report> report;
    stalled->abandon([&](coropipe::asio::sink_report r) { report = r; });
    run_until(io, [&] { return report.has_value(); });
    CHECK(report->lines_lost == 1);
}

TEST_CASE("A sink that fails in a route of several sinks does not make the run send the others a batch twice",
          "[asio][routes][fanout][errors]") {
    net::io_context io;
    socket_pair sockets(io);
    file_queue good(io, "good");
    counters stalled_metrics;
    auto stalled = stalled_sink(io, stalled_metrics, 16);
    auto table = std::make_shared<queued_table>(std::vector<queued_route>{
        {"both", text_pipeline("print"), {good.sink, stalled}},
    });
    outcome result;
    async_run(io.get_executor(), coropipe::asio::stream_source(sockets.in),
              std::shared_ptr<const queued_table>(table), run_options{}, result.handler());
    sockets.send("first batch\n");
    run_until(io, [&] { return stalled->pending_lines() == 1; }); // the empty queue took it
    sockets.send("second batch\n");
    // The good sink takes the batch; the stalled one has no room: the run waits for it.
    run_until(io, [&] { return good.metrics.lines_out == 2; });
    CHECK_FALSE(result.called);
    std::optional<coropipe::asio::sink_report> report;
    stalled->abandon([&](coropipe::asio::sink_report r) { report = r; }); // a shutdown deadline
    run_until(io, [&] { return result.called && report.has_value(); });
    REQUIRE(result.error); // operation_aborted from the abandoned sink
    (void)good.finish(io);
    CHECK(good.file.read() == "first batch\nsecond batch\n");
}
