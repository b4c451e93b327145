// coropipe/asio/listener.hpp: accepting TCP connections on loopback, each
// served by an async_run over a connection_source, with max_connections,
// accept failures when the process is out of descriptors (RLIMIT_NOFILE),
// the idle timeout, stop() and update(); and log_limiter.
#include <coropipe/asio/listener.hpp>

#include <coropipe/asio/run.hpp>
#include <coropipe/text_pipeline.hpp>

#include "asio_helpers.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace net = boost::asio;
using namespace std::literals;
using coropipe::asio::counters;
using coropipe::asio::log_level;
using coropipe::asio::listener_options;
using coropipe::test::log_record;
using coropipe::test::run_until;
using coropipe::test::string_sink;
using tcp = net::ip::tcp;

namespace {

/// A listener on 127.0.0.1 whose every connection is an async_run of
/// `print` into a sink of its own; counts what it served.
struct server {
    counters metrics;
    log_record log;
    std::shared_ptr<coropipe::asio::listener<tcp>> listener;
    std::vector<string_sink> sinks;  // one per connection served, in order
    std::vector<std::string> ended;  // each finished run's output
    int served = 0;
    int errors = 0;

    server(net::io_context& io, listener_options o) {
        o.name = "test";
        o.metrics = &metrics;
        o.log = log.function();
        listener = std::make_shared<coropipe::asio::listener<tcp>>(
            io.get_executor(), tcp::acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0)), std::move(o),
            [this](std::shared_ptr<coropipe::asio::connection<tcp>> c, std::function<void()> done) {
                ++served;
                string_sink sink = sinks.emplace_back();
                auto executor = c->socket.get_executor();
                coropipe::asio::async_run(executor, coropipe::asio::connection_source<tcp>(std::move(c)), print_,
                                          sink, [this, sink, done](std::exception_ptr e, coropipe::asio::run_stats) {
                                              errors += e ? 1 : 0;
                                              ended.push_back(sink.text());
                                              done();
                                          });
            });
        listener->start();
    }
    tcp::endpoint endpoint() const { return listener->local_endpoint(); }

private:
    coropipe::text_pipeline print_{"print"};
};

/// A client connected to `s` (the connection waits in the backlog until accepted).
std::unique_ptr<tcp::socket> connect(net::io_context& io, const server& s) {
    auto c = std::make_unique<tcp::socket>(io);
    c->connect(s.endpoint());
    return c;
}

/// Whether the peer has closed `c`: a read gets EOF (or a reset).
bool closed_by_peer(tcp::socket& c) {
    char byte = 0;
    boost::system::error_code ec;
    c.read_some(net::buffer(&byte, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
}

/// The process may open only a few more descriptors while this lives; `fill()`
/// takes all of them (the next accept fails with EMFILE), `release()` frees them.
class descriptor_limit {
public:
    descriptor_limit() {
        REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
        const int probe = ::dup(0);
        REQUIRE(probe >= 0);
        ::close(probe);
        rlimit lower = saved_;
        lower.rlim_cur = static_cast<rlim_t>(probe) + 16;
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &lower) == 0);
    }
    descriptor_limit(const descriptor_limit&) = delete;
    descriptor_limit& operator=(const descriptor_limit&) = delete;
    ~descriptor_limit() {
        release();
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }
    void fill() {
        for (;;) {
            const int fd = ::dup(0);
            if (fd < 0) {
                REQUIRE(errno == EMFILE);
                return;
            }
            taken_.push_back(fd);
        }
    }
    void release() {
        for (const int fd : taken_) {
            ::close(fd);
        }
        taken_.clear();
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }

private:
    rlimit saved_{};
    std::vector<int> taken_;
};

} // namespace

TEST_CASE("Each connection is served by a run of its own and its lines reach that run", "[asio][listener]") {
    net::io_context io;
    server s(io, {});
    std::vector<std::unique_ptr<tcp::socket>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(connect(io, s));
        net::write(*clients.back(), net::buffer("client " + std::to_string(i) + "\n"));
        clients.back()->shutdown(tcp::socket::shutdown_send);
    }
    run_until(io, [&] { return s.ended.size() == 3; });
    std::vector<std::string> ended = s.ended;
    std::sort(ended.begin(), ended.end());
    CHECK(ended == std::vector<std::string>{"client 0\n", "client 1\n", "client 2\n"});
    CHECK(s.errors == 0);
    CHECK(s.listener->connections() == 0);
    CHECK(s.metrics.connections.load() == 0);
    CHECK(s.metrics.rejected.load() == 0);
}

TEST_CASE("Connections over max_connections are closed at once, counted, and logged once, and update() raises the limit",
          "[asio][listener][limits]") {
    net::io_context io;
    listener_options o;
    o.max_connections = 2;
    server s(io, o);
    auto first = connect(io, s);
    auto second = connect(io, s);
    run_until(io, [&] { return s.metrics.connections.load() == 2; });
    std::vector<std::unique_ptr<tcp::socket>> refused;
    for (int i = 0; i < 4; ++i) {
        refused.push_back(connect(io, s));
    }
    run_until(io, [&] { return s.metrics.rejected.load() == 4; });
    for (auto& c : refused) {
        CHECK(closed_by_peer(*c));
    }
    CHECK(s.served == 2);
    const std::vector<std::string> warnings = s.log.at(log_level::warning);
    REQUIRE(warnings.size() == 1); // rate-limited: one per 10 s
    CHECK(warnings[0].find("max_connections (2)") != std::string::npos);

    s.listener->update(3, 0ms);
    auto third = connect(io, s);
    run_until(io, [&] { return s.metrics.connections.load() == 3; });
    CHECK(s.served == 3);
    CHECK(s.metrics.rejected.load() == 4);
    for (auto* c : {first.get(), second.get(), third.get()}) {
        c->shutdown(tcp::socket::shutdown_send);
    }
    run_until(io, [&] { return s.ended.size() == 3; });
    CHECK(s.listener->connections() == 0);
}

TEST_CASE("Out of descriptors, the listener survives failed accepts, says it is degraded, and accepts again later",
          "[asio][listener][emfile]") {
    net::io_context io;
    listener_options o;
    o.retry_min = 5ms;
    o.retry_max = 40ms;
    server s(io, o);
    tcp::socket client(io);
    client.open(tcp::v4()); // its descriptor, before there are none left
    // UBSan's vptr check (asan preset) validates an object it has not seen
    // through a pipe: it needs two descriptors. Run the loop once before
    // there are none, so that the types it checks are known by then.
    bool warmed = false;
    net::post(io, [&] { warmed = true; });
    run_until(io, [&] { return warmed; });
    CHECK(warmed);
    {
        descriptor_limit limit;
        limit.fill();
        client.connect(s.endpoint()); // completes in the kernel's backlog: no descriptor needed
        run_until(io, [&] { return s.listener->degraded() && s.metrics.errors.load() >= 3; });
        // No CHECK while the descriptors are filled: UBSan's vptr check of
        // Catch's expression objects needs one (it reads /proc/self/maps)
        // and reports a false "invalid vptr" without.
        const auto served_while_full = s.served;
        const std::vector<std::string> errors = s.log.at(log_level::error);
        const auto failed_accepts = s.metrics.errors.load();
        limit.release();
        CHECK(served_while_full == 0);
        REQUIRE(!errors.empty());
        CHECK(errors.size() < failed_accepts); // rate-limited
        CHECK(errors[0].find("accept failed") != std::string::npos);
        run_until(io, [&] { return s.served == 1; });
    }
    CHECK_FALSE(s.listener->degraded());
    const std::vector<std::string> infos = s.log.at(log_level::info);
    REQUIRE(infos.size() == 1);
    CHECK(infos[0].find("accepting again") != std::string::npos);
    net::write(client, net::buffer("waited in the backlog\n"s));
    client.shutdown(tcp::socket::shutdown_send);
    run_until(io, [&] { return s.ended.size() == 1; });
    CHECK(s.ended[0] == "waited in the backlog\n");
}

TEST_CASE("A connection silent for idle_timeout has its input ended: its run drains and ends",
          "[asio][listener][idle]") {
    net::io_context io;
    listener_options o;
    o.idle_timeout = 100ms;
    server s(io, o);
    auto client = connect(io, s);
    net::write(*client, net::buffer("before going quiet\n"s)); // and the client stays connected
    run_until(io, [&] { return s.ended.size() == 1; });
    CHECK(s.ended[0] == "before going quiet\n");
    CHECK(s.errors == 0);
    CHECK(s.listener->connections() == 0);
}

TEST_CASE("stop() ends every connection's input: the runs drain and end, and no new connection is accepted",
          "[asio][listener][stop]") {
    net::io_context io;
    server s(io, {});
    auto a = connect(io, s);
    auto b = connect(io, s);
    net::write(*a, net::buffer("from a\n"s));
    net::write(*b, net::buffer("from b\n"s));
    run_until(io, [&] {
        return s.sinks.size() == 2 && s.sinks[0].text().size() == 7 && s.sinks[1].text().size() == 7;
    });
    const tcp::endpoint at = s.endpoint();
    bool stopped = false;
    s.listener->stop([&] { stopped = true; });
    run_until(io, [&] { return stopped && s.ended.size() == 2; });
    std::vector<std::string> ended = s.ended;
    std::sort(ended.begin(), ended.end());
    CHECK(ended == std::vector<std::string>{"from a\n", "from b\n"});
    CHECK(s.listener->connections() == 0);
    tcp::socket late(io);
    boost::system::error_code ec;
    late.connect(at, ec);
    CHECK(ec == net::error::connection_refused);
}

// ---- log_limiter -----------------------------------------------------------------------

TEST_CASE("log_limiter says a repeated message once per interval, then with how many came meanwhile",
          "[asio][listener][log_limiter]") {
    coropipe::asio::log_limiter limit(1000ms);
    log_record log;
    const auto f = log.function();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) {
        limit(f, log_level::warning, "refused");
    }
    if (std::chrono::steady_clock::now() - start < 1000ms) { // (a very slow machine could pass the interval)
        CHECK(log.at(log_level::warning) == std::vector<std::string>{"refused"});
    }
    std::this_thread::sleep_until(start + 1100ms); // the interval passes: time is what is tested
    limit(f, log_level::warning, "refused");
    const std::vector<std::string> said = log.at(log_level::warning);
    REQUIRE(said.size() == 2);
    CHECK(said[1] == "refused (and 4 more in the last 1 s)");
}

TEST_CASE("log_limiter lets one message through when many threads log at once", "[asio][listener][log_limiter]") {
    coropipe::asio::log_limiter limit(std::chrono::hours(1));
    log_record log;
    const auto f = log.function();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                limit(f, log_level::error, "accept failed");
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    CHECK(log.at(log_level::error).size() == 1);
}
