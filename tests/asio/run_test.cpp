// coropipe/asio/run.hpp: pipelines driven by an io_context over real sockets,
// pipes and files.
#include <coropipe/asio/channel.hpp>
#include <coropipe/asio/datagram_source.hpp>
#include <coropipe/asio/descriptor.hpp>
#include <coropipe/asio/file_sink.hpp>
#include <coropipe/asio/file_source.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/asio/stream_sink.hpp>
#include <coropipe/asio/stream_source.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/take.hpp>

#include "collect.hpp"
#include "counted.hpp"
#include "asio_helpers.hpp"
#include "temp_file.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace net = boost::asio;
using unix_socket = net::local::stream_protocol::socket;
using namespace coropipe;
using coropipe::asio::async_run;
using coropipe::asio::run_stats;

using coropipe::test::temp_file;

namespace {

using outcome = coropipe::test::run_outcome;

/// "line 1\nline 2\nline 3 keep\n..." — every third line has "keep".
std::string numbered(int n) {
    return coropipe::test::numbered(n, "keep");
}

std::string only_kept(const std::string& text) {
    return coropipe::test::lines_with(text, "keep");
}

/// Writes `text` into `socket` and shuts its sending side, as a coroutine.
net::awaitable<void> send_all(unix_socket& socket, std::string text) {
    co_await net::async_write(socket, net::buffer(text), net::use_awaitable);
    socket.shutdown(unix_socket::shutdown_send);
}

/// A user-written stage, to run unchanged sync and async.
stage<std::string_view> shout() {
    std::string upper;
    while (std::string_view* line = co_await input) {
        upper.assign(*line);
        for (char& c : upper) {
            c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        }
        co_yield std::string_view(upper);
    }
}

/// Lets through lines, holding a counted object while it runs.
stage<std::string_view> holding_counted() {
    coropipe::test::counted held(1);
    while (std::string_view* line = co_await input) {
        co_yield *line;
    }
}

/// A source with only the coroutine interface: hands out its chunks one at
/// a time, each after a turn of the executor, then the end (or an error).
struct coroutine_source {
    std::vector<std::string> chunks;
    bool fail_at_end = false;
    std::size_t next = 0;

    net::awaitable<std::string_view> read_chunk() {
        const auto executor = co_await net::this_coro::executor;
        co_await net::post(executor, net::use_awaitable);
        if (next == chunks.size()) {
            if (fail_at_end) {
                throw std::runtime_error("the source broke");
            }
            co_return std::string_view{};
        }
        co_return std::string_view(chunks[next++]);
    }
};

/// A sink with only the coroutine interface, that takes a turn of the
/// executor before each batch is taken.
struct coroutine_sink {
    std::string* out;
    bool* finished;

    net::awaitable<void> write(std::string_view bytes) {
        const auto executor = co_await net::this_coro::executor;
        co_await net::post(executor, net::use_awaitable);
        out->append(bytes);
    }
    net::awaitable<void> finish() {
        *finished = true;
        co_return;
    }
};

stage<std::string_view> fails_at(std::string bad) {
    while (std::string_view* line = co_await input) {
        if (*line == bad) {
            throw std::invalid_argument("bad line: " + bad);
        }
        co_yield *line;
    }
}

} // namespace

TEST_CASE("A pipeline reads a unix socket, greps, and appends to a file", "[asio][run]") {
    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    const std::string text = numbered(100'000); // far more than a socket buffer
    outcome result;
    net::co_spawn(io, send_all(peer, text), net::detached);
    async_run(io.get_executor(), asio::stream_source(in), grep("keep"), asio::file_sink(out.path), result.handler());
    io.run();
    REQUIRE(result.called);
    CHECK_FALSE(result.error);
    CHECK(out.read() == only_kept(text));
    CHECK(result.stats->lines_in == 100'000);
    CHECK(result.stats->lines_out == 33'333);
    CHECK(result.stats->bytes_in == text.size());
}

TEST_CASE("A TCP echo-filter server sends each client its own filtered lines", "[asio][run][tcp]") {
    net::io_context io;
    net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
    const auto endpoint = acceptor.local_endpoint();
    constexpr int clients = 20;
    std::vector<std::string> received(clients);
    std::vector<std::string> sent(clients);

    struct server {
        static net::awaitable<void> serve(net::ip::tcp::socket socket) {
            co_await async_run(co_await net::this_coro::executor, asio::stream_source(socket), grep("keep"),
                               asio::stream_sink(socket, true), net::use_awaitable);
        }
        static net::awaitable<void> accept(net::ip::tcp::acceptor& acceptor, int n) {
            for (int i = 0; i < n; ++i) {
                net::ip::tcp::socket s = co_await acceptor.async_accept(net::use_awaitable);
                net::co_spawn(acceptor.get_executor(), serve(std::move(s)), net::detached);
            }
        }
    };
    struct client {
        static net::awaitable<void> write_all(net::ip::tcp::socket& s, std::string text) {
            co_await net::async_write(s, net::buffer(text), net::use_awaitable);
            s.shutdown(net::ip::tcp::socket::shutdown_send);
        }
        static net::awaitable<void> run(net::ip::tcp::endpoint at, std::string text, std::string* got) {
            net::ip::tcp::socket s(co_await net::this_coro::executor);
            co_await s.async_connect(at, net::use_awaitable);
            // Write and read at once: the server sends back while we send.
            net::co_spawn(s.get_executor(), write_all(s, std::move(text)), net::detached);
            boost::system::error_code ec;
            co_await net::async_read(s, net::dynamic_buffer(*got), net::redirect_error(net::use_awaitable, ec));
            CHECK(ec == net::error::eof);
        }
    };
    net::co_spawn(io, server::accept(acceptor, clients), net::detached);
    for (int i = 0; i < clients; ++i) {
        sent[i] = numbered(5'000 + i);
        net::co_spawn(io, client::run(endpoint, sent[i], &received[i]), net::detached);
    }
    io.run();
    for (int i = 0; i < clients; ++i) {
        CHECK(received[i] == only_kept(sent[i]));
    }
}

TEST_CASE("A user-written stage gives the same output synchronously and on an io_context", "[asio][run]") {
    const std::string text = numbered(2'000);
    std::istringstream sync_in(text);
    std::string sync_out;
    for (std::string_view line : lines(sync_in) | shout()) {
        sync_out.append(line).push_back('\n');
    }

    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    outcome result;
    net::co_spawn(io, send_all(peer, text), net::detached);
    async_run(io.get_executor(), asio::stream_source(in), shout(), asio::file_sink(out.path), result.handler());
    io.run();
    CHECK_FALSE(result.error);
    CHECK(out.read() == sync_out);
}

TEST_CASE("An exception from a stage completes the run with it, after the lines before it are written",
          "[asio][run][error]") {
    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    outcome result;
    net::co_spawn(io, send_all(peer, "a\nb\nBAD\nc\n"), net::detached);
    async_run(io.get_executor(), asio::stream_source(in), fails_at("BAD"), asio::file_sink(out.path),
              result.handler());
    io.run();
    REQUIRE(result.error);
    CHECK_THROWS_AS(std::rethrow_exception(result.error), std::invalid_argument);
    CHECK(out.read() == "a\nb\n");
}

TEST_CASE("With use_awaitable a failed run throws the stage's exception into the awaiting coroutine",
          "[asio][run][error]") {
    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    bool caught = false;
    struct awaiting {
        static net::awaitable<void> run(unix_socket& in, std::string path, bool* caught) {
            try {
                co_await async_run(co_await net::this_coro::executor, asio::stream_source(in), fails_at("x"),
                                   asio::file_sink(path), net::use_awaitable);
            } catch (const std::invalid_argument&) {
                *caught = true;
            }
        }
    };
    net::co_spawn(io, send_all(peer, "x\n"), net::detached);
    net::co_spawn(io, awaiting::run(in, out.path, &caught), net::detached);
    io.run();
    CHECK(caught);
}

TEST_CASE("When the stages finish early the run ends without reading the rest", "[asio][run]") {
    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    outcome result;
    // The peer never closes: only `take` can end this run.
    net::async_write(peer, net::buffer(std::string("1\n2\n3\n4\n")), net::detached);
    async_run(io.get_executor(), asio::stream_source(in), take(2).build<std::string_view>(),
              asio::file_sink(out.path), result.handler());
    io.run();
    CHECK_FALSE(result.error);
    CHECK(out.read() == "1\n2\n");
}

TEST_CASE("Cancelling a run mid-stream flushes what was accepted and reports operation_aborted",
          "[asio][run][cancel]") {
    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    net::cancellation_signal cancel;
    outcome result;
    const std::string text = numbered(300);
    // The peer writes 300 lines and then stays open: the run waits for more.
    net::async_write(peer, net::buffer(text), net::detached);
    async_run(io.get_executor(), asio::stream_source(in), grep("keep"), asio::file_sink(out.path),
              net::bind_cancellation_slot(cancel.slot(), result.handler()));
    // Run until every line was handled and the run waits for input.
    while (io.poll() != 0) {
    }
    REQUIRE_FALSE(result.called);
    CHECK(out.read() == only_kept(text));
    cancel.emit(net::cancellation_type::terminal);
    io.run();
    REQUIRE(result.called);
    REQUIRE(result.error);
    CHECK(result.aborted());
    CHECK(out.read() == only_kept(text));
    CHECK(result.stats->lines_in == 0); // not delivered with an error
}

TEST_CASE("Destroying the io_context of a waiting run destroys its stages without resuming them",
          "[asio][run][destroy]") {
    coropipe::test::live_guard guard;
    temp_file out;
    {
        net::io_context io;
        unix_socket in(io), peer(io);
        net::local::connect_pair(in, peer);
        net::async_write(peer, net::buffer(std::string("a\nb\n")), net::detached);
        async_run(io.get_executor(), asio::stream_source(in), holding_counted(), asio::file_sink(out.path),
                  net::detached);
        while (io.poll() != 0) {
        }
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("A slow reader downstream stops the reading upstream and every line arrives in order",
          "[asio][run][backpressure]") {
    net::io_context io;
    unix_socket in(io), writer(io);   // the test writes into `writer`
    unix_socket out(io), reader(io);  // and reads from `reader` only when it wants
    net::local::connect_pair(in, writer);
    net::local::connect_pair(out, reader);
    writer.non_blocking(true);
    outcome result;
    async_run(io.get_executor(), asio::stream_source(in), grep("keep"), asio::stream_sink(out, true),
              result.handler());

    const std::string text = numbered(400'000); // ~5 MB: far more than the socket buffers hold
    std::size_t written = 0;
    for (;;) { // write until the writer blocks and the run can do nothing more
        boost::system::error_code ec;
        written += writer.write_some(net::buffer(text.data() + written, text.size() - written), ec);
        if (io.poll() == 0 && ec == net::error::would_block) {
            break;
        }
        REQUIRE((!ec || ec == net::error::would_block));
    }
    // Stalled: everything written is in socket buffers or the run's bounded
    // batch, not in an unbounded queue.
    CHECK(written < text.size());
    CHECK_FALSE(result.called);

    // Now read everything, writing the rest as room appears.
    std::string got;
    std::vector<char> buffer(1 << 16);
    reader.non_blocking(true);
    for (;;) {
        boost::system::error_code ec;
        if (written < text.size()) {
            written += writer.write_some(net::buffer(text.data() + written, text.size() - written), ec);
            if (written == text.size()) {
                writer.shutdown(unix_socket::shutdown_send);
            }
        }
        const std::size_t n = reader.read_some(net::buffer(buffer), ec);
        got.append(buffer.data(), n);
        if (ec == net::error::eof) {
            break;
        }
        io.poll();
        if (n == 0 && ec == net::error::would_block && io.stopped() && result.called) {
            break;
        }
        io.restart();
    }
    REQUIRE(result.called);
    CHECK_FALSE(result.error);
    CHECK(got == only_kept(text));
}

TEST_CASE("Two segments joined by a bounded channel run concurrently on a thread pool", "[asio][run][channel]") {
    net::thread_pool pool(4);
    unix_socket in(pool), peer(pool);
    net::local::connect_pair(in, peer);
    temp_file out;
    asio::concurrent_line_channel channel(pool, 4);
    const std::string text = numbered(200'000);
    std::promise<std::exception_ptr> first_done, second_done;
    auto strand_a = net::make_strand(pool);
    auto strand_b = net::make_strand(pool);
    net::co_spawn(strand_a, send_all(peer, text), net::detached);
    async_run(strand_a, asio::stream_source(in), grep("keep"), asio::channel_sink(channel),
              [&](std::exception_ptr e, run_stats) { first_done.set_value(e); });
    async_run(strand_b, asio::channel_source(channel), shout(), asio::file_sink(out.path),
              [&](std::exception_ptr e, run_stats) { second_done.set_value(e); });
    CHECK_FALSE(first_done.get_future().get());
    CHECK_FALSE(second_done.get_future().get());
    pool.join();
    std::string expected = only_kept(text);
    for (char& c : expected) {
        c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    CHECK(out.read() == expected);
}

TEST_CASE("The sources and sinks given wait without a coroutine: they have the callback level",
          "[asio][run][concept]") {
    using channel_source = asio::channel_source<asio::line_channel>;
    STATIC_REQUIRE(asio::waiting_source<asio::stream_source<unix_socket>>);
    STATIC_REQUIRE(asio::waiting_source<asio::datagram_source<net::ip::udp::socket>>);
    STATIC_REQUIRE(asio::waiting_source<asio::descriptor_source>);
    STATIC_REQUIRE(asio::waiting_source<asio::followed_file>);
    STATIC_REQUIRE(asio::waiting_source<channel_source>);
    STATIC_REQUIRE(asio::async_source<channel_source>);
    STATIC_REQUIRE(asio::async_source<coroutine_source>);
    STATIC_REQUIRE_FALSE(asio::waiting_source<coroutine_source>);
    STATIC_REQUIRE(asio::async_sink<asio::stream_sink<unix_socket>>);
    STATIC_REQUIRE(asio::async_sink<asio::channel_sink<asio::line_channel>>);
    STATIC_REQUIRE(asio::async_sink<asio::file_sink>);
    STATIC_REQUIRE(asio::async_sink<asio::descriptor_sink>);
    STATIC_REQUIRE(asio::async_sink<coroutine_sink>);
}

TEST_CASE("A source and a sink that only offer coroutines give the same lines", "[asio][run]") {
    net::io_context io;
    std::string out;
    bool finished = false;
    outcome result;
    // Lines cut across chunks, and a last line without its '\n'.
    async_run(io.get_executor(), coroutine_source{{"a ke", "ep\nb\nc keep\n", "d kee", "p"}, false}, grep("keep"),
              coroutine_sink{&out, &finished}, result.handler());
    io.run();
    REQUIRE(result.called);
    CHECK_FALSE(result.error);
    CHECK(out == "a keep\nc keep\nd keep\n");
    CHECK(finished);
    CHECK(result.stats->lines_in == 4);
    CHECK(result.stats->lines_out == 3);
    CHECK(result.stats->bytes_in == 22);
}

TEST_CASE("An error from the source completes the run with it, after the lines before it are written",
          "[asio][run][error]") {
    net::io_context io;
    std::string out;
    bool finished = false;
    outcome result;
    async_run(io.get_executor(), coroutine_source{{"a keep\nb\n", "c keep\nd"}, true}, grep("keep"),
              coroutine_sink{&out, &finished}, result.handler());
    io.run();
    REQUIRE(result.called);
    REQUIRE(result.error);
    CHECK_THROWS_AS(std::rethrow_exception(result.error), std::runtime_error);
    CHECK(out == "a keep\nc keep\n"); // "d" never ended
    CHECK(finished);
}

TEST_CASE("The completion handler never runs inside async_run, even when there is nothing to read",
          "[asio][run]") {
    net::io_context io;
    temp_file in;
    temp_file out;
    const int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    outcome result;
    net::post(io, [&] { // inside the io_context's thread, as from a handler
        async_run(io.get_executor(), asio::descriptor_source(io.get_executor(), fd), grep("keep"),
                  asio::file_sink(out.path), result.handler());
        CHECK_FALSE(result.called);
    });
    io.run();
    ::close(fd);
    REQUIRE(result.called);
    CHECK_FALSE(result.error);
    CHECK(result.stats->lines_in == 0);
}

TEST_CASE("With use_awaitable a run returns its stats to the awaiting coroutine", "[asio][run]") {
    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    struct awaiting {
        static net::awaitable<void> run(unix_socket& in, std::string path, std::optional<run_stats>* stats) {
            *stats = co_await async_run(co_await net::this_coro::executor, asio::stream_source(in), grep("keep"),
                                        asio::file_sink(path), net::use_awaitable);
        }
    };
    std::optional<run_stats> stats;
    net::co_spawn(io, send_all(peer, numbered(30)), net::detached);
    net::co_spawn(io, awaiting::run(in, out.path, &stats), net::detached);
    io.run();
    REQUIRE(stats);
    CHECK(stats->lines_in == 30);
    CHECK(stats->lines_out == 10);
    CHECK(out.read() == only_kept(numbered(30)));
}

TEST_CASE("With deferred a run reads nothing until the deferred operation is started", "[asio][run]") {
    net::io_context io;
    unix_socket in(io), peer(io);
    net::local::connect_pair(in, peer);
    temp_file out;
    outcome result;
    auto run = async_run(io.get_executor(), asio::stream_source(in), grep("keep"), asio::file_sink(out.path),
                         net::deferred);
    net::co_spawn(io, send_all(peer, numbered(30)), net::detached);
    while (io.poll() != 0) {
    }
    CHECK(out.read().empty());
    io.restart();
    std::move(run)(result.handler());
    io.run();
    REQUIRE(result.called);
    CHECK_FALSE(result.error);
    CHECK(out.read() == only_kept(numbered(30)));
}

TEST_CASE("Cancelling a run waiting on a channel writes what was accepted and reports operation_aborted",
          "[asio][run][cancel][channel]") {
    const auto type = GENERATE(net::cancellation_type::terminal, net::cancellation_type::partial);
    net::io_context io;
    asio::line_channel channel(io, 1);
    temp_file out;
    net::cancellation_signal cancel;
    outcome result;
    REQUIRE(channel.try_send(boost::system::error_code{}, std::string("x keep\ny\nz ke")));
    async_run(io.get_executor(), asio::channel_source(channel), grep("keep"), asio::file_sink(out.path),
              net::bind_cancellation_slot(cancel.slot(), result.handler()));
    while (io.poll() != 0) {
    }
    REQUIRE_FALSE(result.called);
    CHECK(out.read() == "x keep\n");
    cancel.emit(type);
    io.run();
    REQUIRE(result.called);
    REQUIRE(result.error);
    CHECK(result.aborted());
    CHECK(out.read() == "x keep\n"); // the partial line "z ke" is not a line
}
