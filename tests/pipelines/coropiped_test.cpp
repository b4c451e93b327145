// The real daemon on loopback: a test sender and util-linux `logger` send,
// the daemon filters and writes files, signals stop and reload it. Every
// wait is on the daemon's own output (its log on stderr, the output file)
// with a deadline; no sleeps.
#include "child_process.hpp"
#include "running_child.hpp"
#include "temp_dir.hpp"
#include "small_disk.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using coropipe::test::process_result;
using coropipe::test::run_process;
using coropipe::test::running_child;
using coropipe::test::small_disk;
using coropipe::test::temp_dir;

namespace {

const std::string daemon_binary = COROPIPE_BINARY_DIR "/pipelines/coropiped";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// A config with one TCP source on an ephemeral port, one pipeline, one file sink.
std::string tcp_config(const std::string& out, const std::string& run = "grep keep", const std::string& extra = "") {
    return "[daemon]\nshutdown_timeout = \"20s\"\n" + extra +
           "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
           "\n[pipeline.keep]\nfrom = [\"app\"]\nrun = \"" + run + "\"\nto = [\"out\"]\n"
           "\n[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n";
}

/// The daemon, started and ready (it said so on stderr).
struct running_daemon {
    running_child child;
    explicit running_daemon(const std::string& config) : child({daemon_binary, config}) {
        child.wait_for_err("ready:");
    }
    /// The port a source listens on, from the daemon's log.
    std::uint16_t port(const std::string& source, const std::string& kind = "tcp") {
        const std::string marker = "source " + source + ": listening on " + kind + " 127.0.0.1:";
        const auto at = child.err.find(marker);
        REQUIRE(at != std::string::npos);
        std::uint16_t port = 0;
        const char* first = child.err.data() + at + marker.size();
        std::from_chars(first, child.err.data() + child.err.size(), port);
        return port;
    }
    /// The number the daemon logs at exit: "source NAME: N lines".
    std::uint64_t lines_in(const std::string& source) const {
        const std::string marker = "source " + source + ": ";
        std::uint64_t n = 0;
        for (auto at = child.err.find(marker); at != std::string::npos; at = child.err.find(marker, at + 1)) {
            const char* first = child.err.data() + at + marker.size();
            std::uint64_t v = 0;
            auto [end, ec] = std::from_chars(first, child.err.data() + child.err.size(), v);
            if (ec == std::errc() && std::string_view(end, 7) == " lines,") {
                n = v;
            }
        }
        return n;
    }
};

/// A blocking loopback TCP client.
struct client {
    int fd = -1;
    explicit client(std::uint16_t port) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    client(const client&) = delete;
    ~client() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    /// Sends everything; false once the peer is gone.
    bool send_all(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    void close() {
        ::close(fd);
        fd = -1;
    }
};

/// The response to `GET target` from the daemon's HTTP server on `port`.
std::string http_get(std::uint16_t port, const std::string& target) {
    client http(port);
    REQUIRE(http.send_all("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    std::string response;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(http.fd, buffer, sizeof buffer, 0)) > 0;) {
        response.append(buffer, static_cast<std::size_t>(n));
    }
    return response;
}

/// The value of `key` (a whole series: name{labels}) in the daemon's /metrics.
std::uint64_t metric(std::uint16_t metrics_port, const std::string& key) {
    const std::string response = http_get(metrics_port, "/metrics");
    const auto k = response.find(key + " ");
    REQUIRE(k != std::string::npos);
    return std::stoull(response.substr(k + key.size() + 1));
}

/// Lines "N keep" (and every tenth "N drop"), numbered from `from`.
std::string numbered(std::uint64_t from, std::uint64_t count) {
    std::string s;
    for (std::uint64_t i = from; i < from + count; ++i) {
        s += std::to_string(i) + (i % 10 == 0 ? " drop\n" : " keep\n");
    }
    return s;
}
std::string kept(std::uint64_t from, std::uint64_t count) {
    std::string s;
    for (std::uint64_t i = from; i < from + count; ++i) {
        if (i % 10 != 0) {
            s += std::to_string(i) + " keep\n";
        }
    }
    return s;
}

} // namespace

TEST_CASE("coropiped --check accepts a good config and names the file, line and key of a bad one",
          "[pipelines][coropiped]") {
    temp_dir dir;
    const std::string good = dir.write("good.toml", tcp_config(dir.path("out.log")));
    const process_result ok = run_process({daemon_binary, "--check", good});
    CHECK(ok.status == 0);
    CHECK(ok.out == good + ": ok\n");

    const std::string bad = dir.write("bad.toml", "[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:99999\"\n");
    const process_result refused = run_process({daemon_binary, "--check", bad});
    CHECK(refused.status == 2);
    CHECK_THAT(refused.err, Catch::Contains(bad + ":3:") && Catch::Contains("source.app.listen"));

    const process_result usage = run_process({daemon_binary});
    CHECK(usage.status == 2);
    CHECK_THAT(usage.err, Catch::Contains("no CONFIG"));
    const process_result help = run_process({daemon_binary, "--help"});
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::Contains("Usage: coropiped"));
}

TEST_CASE("Lines sent over TCP go through the pipeline into the file, and SIGTERM loses none it accepted",
          "[pipelines][coropiped][shutdown]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write("d.toml", tcp_config(out)));
    client c(d.port("app"));

    // Numbered lines, sent as fast as the daemon takes them and without end:
    // the sender stops only when the daemon is gone, so SIGTERM always lands
    // mid-stream, however the threads are scheduled. SIGTERM once 300,000
    // lines went out.
    constexpr std::uint64_t signal_after = 300'000;
    std::atomic<std::uint64_t> sent_lines{0};
    std::thread sender([&] {
        for (std::uint64_t i = 1;; i += 10'000) {
            if (!c.send_all(numbered(i, 10'000))) {
                break; // the daemon stopped reading and went
            }
            sent_lines = i + 9'999;
            sent_lines.notify_all();
        }
        sent_lines = std::numeric_limits<std::uint64_t>::max(); // wakes the waiter if the daemon went early
        sent_lines.notify_all();
    });
    for (std::uint64_t seen = sent_lines.load(); seen < signal_after; seen = sent_lines.load()) {
        sent_lines.wait(seen);
    }
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    ::shutdown(c.fd, SHUT_RDWR); // unblocks the sender if the daemon did not exit
    sender.join();

    // Every accepted line once, in order, none lost: the output is exactly
    // the kept lines among the first `accepted` (the last one accepted may be
    // a partial line, which grep then drops or keeps whole).
    const std::uint64_t accepted = d.lines_in("app");
    INFO(d.child.err);
    CHECK(accepted > 0);
    const std::string got = read_file(out);
    const bool exact = got == kept(1, accepted) || got == kept(1, accepted - 1);
    CHECK(exact);
    CHECK_THAT(d.child.err, Catch::Contains("every buffered line was written"));
}

TEST_CASE("SIGHUP reloads mid-stream: the connection stays up and no line is lost", "[pipelines][coropiped][reload]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    const std::string config = dir.write("d.toml", tcp_config(out));
    running_daemon d(config);
    client c(d.port("app"));
    REQUIRE(c.send_all(numbered(1, 50'000)));
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reloaded");
    REQUIRE(c.send_all(numbered(50'001, 50'000)));

    // A bad config on the next SIGHUP is refused; the running one stays.
    dir.write("d.toml", "[source.app\n");
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reload refused");
    REQUIRE(c.send_all(numbered(100'001, 50'000)));
    c.close();
    d.child.wait_for_err("connection closed");
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(read_file(out) == kept(1, 150'000));
    CHECK_THAT(d.child.err, Catch::Contains(config + ":1:"));
}

TEST_CASE("A thousand concurrent connections each get every line through", "[pipelines][coropiped][load]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write("d.toml", tcp_config(out, "grep keep", "threads = 2\n")));
    const std::uint16_t port = d.port("app");
    constexpr int connections = 1000;
    std::vector<std::unique_ptr<client>> clients;
    for (int i = 0; i < connections; ++i) {
        clients.push_back(std::make_unique<client>(port));
    }
    // Every connection sends 20 lines tagged with its number, interleaved.
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < connections; ++i) {
            REQUIRE(clients[i]->send_all("c" + std::to_string(i) + " r" + std::to_string(round) + " keep\n"));
        }
    }
    for (auto& c : clients) {
        c->close();
    }
    d.child.wait_for_err("connection closed", connections);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    // Each connection's lines arrive whole and in its own order.
    std::istringstream got(read_file(out));
    std::vector<int> next_round(connections, 0);
    std::size_t lines = 0;
    for (std::string line; std::getline(got, line); ++lines) {
        int c = -1, r = -1;
        REQUIRE(std::sscanf(line.c_str(), "c%d r%d keep", &c, &r) == 2);
        REQUIRE(c >= 0);
        REQUIRE(c < connections);
        CHECK(r == next_round[c]);
        next_round[c] = r + 1;
    }
    CHECK(lines == connections * 20);
}

TEST_CASE("Garbage bytes and a 100 MB line neither crash the daemon nor grow it past its line limit",
          "[pipelines][coropiped][limits]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write("d.toml", tcp_config(out, "grep -v nothing-matches-this")));
    {
        client garbage(d.port("app"));
        std::string bytes;
        for (std::uint32_t i = 0; i < (1u << 20); ++i) {
            bytes += static_cast<char>((i * 7919u) % 256u); // NULs, invalid UTF-8, '\n's, everything
        }
        REQUIRE(garbage.send_all(bytes));
    }
    {
        client huge(d.port("app"));
        const std::string block(1 << 20, 'x');
        for (int i = 0; i < 100; ++i) {
            REQUIRE(huge.send_all(block));
        }
        REQUIRE(huge.send_all("\nafter the long line\n"));
    }
    d.child.wait_for_err("connection closed", 2);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    const std::string got = read_file(out);
    // The long line is cut to max_line (64 KiB by default) and counted; the
    // line after it is intact.
    CHECK(got.find(std::string(64 * 1024, 'x') + "\nafter the long line\n") != std::string::npos);
    CHECK(got.find(std::string(64 * 1024 + 1, 'x')) == std::string::npos);
    CHECK_THAT(d.child.err, Catch::Contains("1 truncated") || Catch::Contains("2 truncated"));
}

TEST_CASE("/metrics serves the counters in the Prometheus format and /health says ok",
          "[pipelines][coropiped][metrics]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write("d.toml", tcp_config(out, "grep keep", "metrics_listen = \"127.0.0.1:0\"\n")));
    {
        client c(d.port("app"));
        REQUIRE(c.send_all(numbered(1, 100)));
    }
    d.child.wait_for_err("connection closed");
    const std::string marker = "metrics on http://127.0.0.1:";
    const auto at = d.child.err.find(marker);
    REQUIRE(at != std::string::npos);
    std::uint16_t port = 0;
    std::from_chars(d.child.err.data() + at + marker.size(), d.child.err.data() + d.child.err.size(), port);
    auto get = [&](const std::string& target) { return http_get(port, target); };
    const std::string metrics = get("/metrics");
    CHECK_THAT(metrics, Catch::StartsWith("HTTP/1.1 200"));
    CHECK_THAT(metrics, Catch::Contains("coropiped_lines_in_total{kind=\"source\",name=\"app\"} 100\n"));
    CHECK_THAT(metrics, Catch::Contains("coropiped_lines_out_total{kind=\"pipeline\",name=\"keep\"} 90\n"));
    CHECK_THAT(metrics, Catch::Contains("# TYPE coropiped_buffer_bytes gauge"));
    CHECK_THAT(get("/health"), Catch::StartsWith("HTTP/1.1 200") && Catch::EndsWith("ok\n"));
    CHECK_THAT(get("/nope"), Catch::StartsWith("HTTP/1.1 404"));
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

namespace {

/// Waits until `done()` holds, looking again every 10 ms, for at most 20 s:
/// for what the daemon does not announce (a file's content).
bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

/// A loopback listener the test controls, standing in for a TCP sink's peer.
struct peer {
    int listener = -1;
    std::uint16_t port = 0;
    explicit peer(std::uint16_t at = 0) {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(at);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener, 16) == 0);
        socklen_t len = sizeof a;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~peer() {
        if (listener >= 0) {
            ::close(listener);
        }
    }
    /// Accepts one connection and reads from it until `text` holds `expected`
    /// bytes (or 20 s pass); returns the connection.
    int accept_and_read(std::string& text, std::size_t expected) {
        pollfd p{listener, POLLIN, 0};
        REQUIRE(::poll(&p, 1, 20'000) == 1);
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        REQUIRE(fd >= 0);
        char buffer[65536];
        while (text.size() < expected) {
            pollfd q{fd, POLLIN, 0};
            REQUIRE(::poll(&q, 1, 20'000) == 1);
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            REQUIRE(n > 0);
            text.append(buffer, static_cast<std::size_t>(n));
        }
        return fd;
    }
};

} // namespace

TEST_CASE("util-linux logger's messages arrive over TCP, with octet counting, and over UDP",
          "[pipelines][coropiped][syslog]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    const std::string config = dir.write("d.toml", "[source.tcp]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                                                   "framing = \"auto\"\n"
                                                   "[source.udp]\ntype = \"udp\"\nlisten = \"127.0.0.1:0\"\n"
                                                   "[pipeline.test]\nfrom = [\"tcp\", \"udp\"]\n"
                                                   "run = \"grep coropiped-test | app tester\"\nto = [\"out\"]\n"
                                                   "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n");
    running_daemon d(config);
    const std::string tcp_port = std::to_string(d.port("tcp"));
    const std::string udp_port = std::to_string(d.port("udp", "udp"));
    auto logger = [](std::vector<std::string> args) {
        args.insert(args.begin(), {"logger", "-n", "127.0.0.1", "-t", "tester"});
        const process_result r = run_process(args);
        REQUIRE(r.status == 0);
    };
    logger({"-P", tcp_port, "-T", "--rfc5424", "coropiped-test tcp newline"});
    logger({"-P", tcp_port, "-T", "--octet-count", "--rfc5424", "coropiped-test tcp octet"});
    logger({"-P", tcp_port, "-T", "--octet-count", "--rfc3164", "coropiped-test tcp 3164"});
    logger({"-P", udp_port, "-d", "--rfc3164", "coropiped-test udp"});
    logger({"-P", tcp_port, "-T", "-t", "someone-else", "coropiped-test other app"});
    d.child.wait_for_err("connection closed", 4);
    d.child.signal(SIGTERM);
    REQUIRE(d.child.wait_exit() == 0);
    const std::string got = read_file(out);
    std::istringstream lines(got);
    std::vector<std::string> all;
    for (std::string line; std::getline(lines, line);) {
        all.push_back(line);
    }
    REQUIRE(all.size() == 4);
    // Each is one whole syslog message, without an octet count before it.
    for (const std::string& line : all) {
        CHECK(line.starts_with("<13>"));
        CHECK(line.find("tester") != std::string::npos);
    }
    CHECK(got.find("coropiped-test tcp newline") != std::string::npos);
    CHECK(got.find("coropiped-test tcp octet") != std::string::npos);
    CHECK(got.find("coropiped-test tcp 3164") != std::string::npos);
    CHECK(got.find("coropiped-test udp") != std::string::npos);
    CHECK(got.find("other app") == std::string::npos);
}

TEST_CASE("A TCP sink's peer going away loses nothing: lines wait, then backpressure reaches the sender",
          "[pipelines][coropiped][tcp-sink]") {
    temp_dir dir;
    auto downstream = std::make_unique<peer>();
    const std::uint16_t peer_port = downstream->port;
    const std::string config = dir.write(
        "d.toml", "[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                  "[pipeline.fwd]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"next\"]\n"
                  "[sink.next]\ntype = \"tcp\"\naddress = \"127.0.0.1:" + std::to_string(peer_port) +
                      "\"\nbuffer_bytes = \"1MiB\"\nbackoff_min = \"20ms\"\nbackoff_max = \"200ms\"\n");
    running_daemon d(config);
    client c(d.port("app"));

    REQUIRE(c.send_all(numbered(1, 1000)));
    std::string received;
    int connection = downstream->accept_and_read(received, kept(1, 1000).size());
    CHECK(received == kept(1, 1000));

    // The peer goes away: its connection and its listener.
    ::close(connection);
    downstream.reset();

    // The sender goes on; the daemon holds what it accepted (up to its
    // buffer limits), then stops reading: the sender's writes block.
    ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
    std::uint64_t next = 1001;
    std::string pending;
    bool blocked = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!blocked && std::chrono::steady_clock::now() < deadline) {
        if (pending.empty()) {
            pending = numbered(next, 1000);
            next += 1000;
        }
        const ssize_t n = ::send(c.fd, pending.data(), pending.size(), MSG_NOSIGNAL);
        if (n > 0) {
            pending.erase(0, static_cast<std::size_t>(n));
        } else if (errno == EAGAIN) {
            // Blocked: wait a little for room; still none means backpressure.
            pollfd p{c.fd, POLLOUT, 0};
            blocked = ::poll(&p, 1, 500) == 0;
        } else {
            FAIL("send failed: " << std::strerror(errno));
        }
    }
    REQUIRE(blocked);
    const std::uint64_t sent_before_block = next - 1; // the last batch may be partly sent
    INFO("sent about " << sent_before_block << " lines before the sender blocked");
    CHECK(sent_before_block < 2'000'000); // bounded, not everything buffered

    // The peer comes back on the same port: every line arrives, once, in order.
    peer back(peer_port);
    ::fcntl(c.fd, F_SETFL, 0);
    std::thread finish_sending([&] {
        c.send_all(pending);
        ::shutdown(c.fd, SHUT_WR);
    });
    std::string rest;
    const std::string expected_rest = kept(1001, next - 1001);
    const int again = back.accept_and_read(rest, expected_rest.size());
    finish_sending.join();
    CHECK(rest.size() == expected_rest.size());
    CHECK(rest == expected_rest);
    ::close(again);
    d.child.wait_for_err("connection closed");
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("A tailed file's lines arrive once each across rotation, truncation and a daemon restart",
          "[pipelines][coropiped][file]") {
    temp_dir dir;
    const std::string log = dir.path("app.log");
    const std::string out = dir.path("out.log");
    const std::string config = dir.write(
        "d.toml", "[daemon]\nstate_file = \"" + dir.path("state") + "\"\n"
                  "[source.app]\ntype = \"file\"\npath = \"" + log + "\"\nstart = \"beginning\"\n"
                  "[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
                  "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n");
    auto append = [&](const std::string& path, std::uint64_t from, std::uint64_t count) {
        std::ofstream(path, std::ios::app | std::ios::binary) << numbered(from, count);
    };
    auto output_is = [&](std::uint64_t last) { return eventually([&] { return read_file(out) == kept(1, last); }); };
    append(log, 1, 100);
    {
        running_daemon d(config);
        REQUIRE(output_is(100));
        append(log, 101, 100); // growth
        REQUIRE(output_is(200));
        std::rename(log.c_str(), dir.path("app.log.1").c_str()); // rename + create
        append(dir.path("app.log.1"), 201, 50);
        append(log, 251, 50);
        REQUIRE(output_is(300));
        std::filesystem::copy_file(log, dir.path("app.log.2")); // copytruncate
        std::filesystem::resize_file(log, 0);
        d.child.wait_for_err("truncated");
        append(log, 301, 50);
        REQUIRE(output_is(350));
        d.child.signal(SIGTERM);
        REQUIRE(d.child.wait_exit() == 0);
    }
    append(log, 351, 50); // written while the daemon is down
    {
        running_daemon d(config);
        REQUIRE(output_is(400)); // from the saved offset: none again, none lost
        append(log, 401, 50);
        REQUIRE(output_is(450));
        d.child.signal(SIGTERM);
        REQUIRE(d.child.wait_exit() == 0);
    }
    CHECK(read_file(out) == kept(1, 450));
}

TEST_CASE("The daemon tells systemd (NOTIFY_SOCKET) when it is ready, reloading and stopping",
          "[pipelines][coropiped][systemd]") {
    temp_dir dir;
    const std::string socket_path = dir.path("notify");
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, socket_path.c_str(), socket_path.size() + 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    auto next_state = [&] {
        pollfd p{fd, POLLIN, 0};
        REQUIRE(::poll(&p, 1, 20'000) == 1);
        char buffer[256];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        REQUIRE(n > 0);
        return std::string(buffer, static_cast<std::size_t>(n));
    };
    ::setenv("NOTIFY_SOCKET", socket_path.c_str(), 1);
    running_daemon d(dir.write("d.toml", tcp_config(dir.path("out.log"))));
    ::unsetenv("NOTIFY_SOCKET");
    CHECK(next_state() == "READY=1");
    d.child.signal(SIGHUP);
    CHECK(next_state() == "RELOADING=1");
    CHECK(next_state() == "READY=1");
    d.child.signal(SIGTERM);
    CHECK(next_state() == "STOPPING=1");
    CHECK(d.child.wait_exit() == 0);
    ::close(fd);
}

TEST_CASE("Idle and half-line clients starve nobody, and connections over the limit are closed",
          "[pipelines][coropiped][limits]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write(
        "d.toml", "[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\nmax_connections = 52\n"
                  "[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
                  "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n"));
    const std::uint16_t port = d.port("app");
    // Slowloris: 50 clients that send nothing, one that sends half a line
    // and then nothing more.
    std::vector<std::unique_ptr<client>> idle;
    for (int i = 0; i < 50; ++i) {
        idle.push_back(std::make_unique<client>(port));
    }
    client half(port);
    REQUIRE(half.send_all("1 keep but never end"));
    // The 52nd connection is served...
    {
        client normal(port);
        REQUIRE(normal.send_all(numbered(1, 1000)));
        // ...and a 53rd, over max_connections, is closed at once.
        client over(port);
        char byte = 0;
        pollfd p{over.fd, POLLIN, 0};
        REQUIRE(::poll(&p, 1, 20'000) == 1);
        CHECK(::recv(over.fd, &byte, 1, 0) <= 0);
    }
    d.child.wait_for_err("a connection refused");
    d.child.wait_for_err("connection closed"); // `normal`
    CHECK(eventually([&] { return read_file(out) == kept(1, 1000); }));
    // The half line is not lost: it ends with its connection.
    half.close();
    d.child.wait_for_err("connection closed", 2);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(read_file(out) == kept(1, 1000) + "1 keep but never end\n");
}

TEST_CASE("A unix socket source feeds a file sink reopened on SIGUSR1 and a stdout sink",
          "[pipelines][coropiped][unix]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    const std::string socket_path = dir.path("in.sock");
    running_daemon d(dir.write(
        "d.toml", "[source.local]\ntype = \"unix\"\npath = \"" + socket_path + "\"\n"
                  "[source.input]\ntype = \"stdin\"\n" // /dev/null here: it ends at once, the rest goes on
                  "[pipeline.keep]\nfrom = [\"local\", \"input\"]\nrun = \"grep keep\"\nto = [\"file\", \"console\"]\n"
                  "[sink.file]\ntype = \"file\"\npath = \"" + out + "\"\n"
                  "[sink.console]\ntype = \"stdout\"\n"));
    auto send_unix = [&](const std::string& text) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, socket_path.c_str(), socket_path.size() + 1);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        std::string_view rest = text;
        while (!rest.empty()) {
            const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
            REQUIRE(n > 0);
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        ::close(fd);
    };
    send_unix(numbered(1, 100));
    d.child.wait_for_err("connection closed");
    REQUIRE(eventually([&] { return read_file(out) == kept(1, 100); }));

    // logrotate: move the file away, then SIGUSR1; the next lines go to a new file.
    std::filesystem::rename(out, dir.path("out.log.1"));
    d.child.signal(SIGUSR1);
    d.child.wait_for_err("reopening files");
    send_unix(numbered(101, 100));
    d.child.wait_for_err("connection closed", 2);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(read_file(dir.path("out.log.1")) == kept(1, 100));
    CHECK(read_file(out) == kept(101, 100));
    CHECK(d.child.out == kept(1, 200)); // the stdout sink got both
}

TEST_CASE("A dead sink holds back only its own sources, and at the shutdown deadline the daemon gives up on it",
          "[pipelines][coropiped][tcp-sink]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    peer nobody; // a port with no listener once it is closed
    const std::uint16_t dead_port = nobody.port;
    ::close(nobody.listener);
    nobody.listener = -1;
    running_daemon d(dir.write(
        "d.toml", "[daemon]\nshutdown_timeout = \"1s\"\n"
                  "[source.stuck]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                  "[source.fine]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                  "[pipeline.to_dead]\nfrom = [\"stuck\"]\nrun = \"grep keep\"\nto = [\"dead\"]\n"
                  "[pipeline.to_file]\nfrom = [\"fine\"]\nrun = \"grep keep\"\nto = [\"file\"]\n"
                  "[sink.dead]\ntype = \"tcp\"\naddress = \"127.0.0.1:" + std::to_string(dead_port) +
                      "\"\nbuffer_bytes = \"64KiB\"\nbackoff_min = \"10ms\"\nbackoff_max = \"50ms\"\n"
                      "[sink.file]\ntype = \"file\"\npath = \"" + out + "\"\n"));
    // Fill the dead sink's side until its sender blocks...
    client stuck(d.port("stuck"));
    ::fcntl(stuck.fd, F_SETFL, O_NONBLOCK);
    bool blocked = false;
    for (std::uint64_t next = 1; !blocked; next += 1000) {
        const std::string text = numbered(next, 1000);
        const ssize_t n = ::send(stuck.fd, text.data(), text.size(), MSG_NOSIGNAL);
        if (n < 0) {
            REQUIRE(errno == EAGAIN);
            pollfd p{stuck.fd, POLLOUT, 0};
            blocked = ::poll(&p, 1, 500) == 0;
        }
    }
    // ...while the other source's lines still go through.
    {
        client fine(d.port("fine"));
        REQUIRE(fine.send_all(numbered(1, 1000)));
    }
    d.child.wait_for_err("connection closed");
    CHECK(eventually([&] { return read_file(out) == kept(1, 1000); }));
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 1);
    CHECK_THAT(d.child.err, Catch::Contains("deadline"));
    CHECK(read_file(out) == kept(1, 1000));
}

TEST_CASE("UDP lines for a full sink are dropped and counted, never held up", "[pipelines][coropiped][udp]") {
    temp_dir dir;
    peer nobody;
    const std::uint16_t dead_port = nobody.port;
    ::close(nobody.listener);
    nobody.listener = -1;
    running_daemon d(dir.write(
        "d.toml", "[daemon]\nshutdown_timeout = \"1s\"\nmetrics_listen = \"127.0.0.1:0\"\n"
                  "[source.udp]\ntype = \"udp\"\nlisten = \"127.0.0.1:0\"\n"
                  "[pipeline.fwd]\nfrom = [\"udp\"]\nrun = \"grep keep\"\nto = [\"dead\"]\n"
                  "[sink.dead]\ntype = \"tcp\"\naddress = \"127.0.0.1:" + std::to_string(dead_port) +
                      "\"\nbuffer_bytes = \"64KiB\"\nbackoff_min = \"10ms\"\nbackoff_max = \"50ms\"\n"));
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(d.port("udp", "udp"));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::string marker = "metrics on http://127.0.0.1:";
    const auto at = d.child.err.find(marker);
    REQUIRE(at != std::string::npos);
    std::uint16_t metrics_port = 0;
    std::from_chars(d.child.err.data() + at + marker.size(), d.child.err.data() + d.child.err.size(), metrics_port);
    auto dropped = [&] {
        const std::string response = http_get(metrics_port, "/metrics");
        const std::string key = "coropiped_lines_dropped_total{kind=\"sink\",name=\"dead\"} ";
        const auto k = response.find(key);
        REQUIRE(k != std::string::npos);
        return std::stoull(response.substr(k + key.size()));
    };
    // The sink holds one batch and its writer another; every datagram after
    // those is dropped, and the daemon goes on taking datagrams.
    std::uint64_t sent = 0;
    CHECK(eventually([&] {
        for (int i = 0; i < 50; ++i, ++sent) {
            const std::string line = std::to_string(sent) + " keep";
            ::sendto(fd, line.data(), line.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
        }
        return dropped() > 0;
    }));
    ::close(fd);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 1); // the dead sink's batches are given up at the deadline
}

namespace {

/// The lines of `text`, counted: how many times each was seen.
std::map<std::string, std::uint64_t> line_counts(const std::string& text) {
    std::map<std::string, std::uint64_t> seen;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        ++seen[line];
    }
    return seen;
}

/// A file's permission bits.
unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

/// The offset saved for `source` in a state file ("DEV INO OFFSET NAME"), or -1.
long long saved_offset(const std::string& state, const std::string& source) {
    std::istringstream in(read_file(state));
    unsigned long long dev = 0, ino = 0;
    long long offset = -1;
    std::string name;
    while (in >> dev >> ino >> offset >> name) {
        if (name == source) {
            return offset;
        }
    }
    return -1;
}

} // namespace

TEST_CASE("kill -9 of a daemon following a file loses no line: it goes on from its last checkpoint",
          "[pipelines][coropiped][file][checkpoint]") {
    temp_dir dir;
    const std::string log = dir.path("app.log");
    const std::string out = dir.path("out.log");
    const std::string state = dir.path("state");
    const std::string config = dir.write(
        "d.toml", "[daemon]\nstate_file = \"" + state + "\"\ncheckpoint_interval = \"50ms\"\n"
                  "[source.app]\ntype = \"file\"\npath = \"" + log + "\"\nstart = \"beginning\"\n"
                  "[pipeline.all]\nfrom = [\"app\"]\nrun = \"grep p\"\nto = [\"out\"]\n"
                  "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n");
    constexpr std::uint64_t total = 100'000;
    constexpr std::uint64_t first = 60'000;
    std::ofstream(log, std::ios::binary) << numbered(1, first);
    long long checkpoint = -1;
    {
        running_daemon d(config);
        // A checkpoint past the start is saved while the daemon runs...
        REQUIRE(eventually([&] { return (checkpoint = saved_offset(state, "app")) > 0; }));
        // ...then the rest of the lines come, a thousand at a time, and the
        // daemon is killed mid-way through them: no clean stop, no final save.
        std::thread writer([&] {
            for (std::uint64_t from = first + 1; from <= total; from += 1000) {
                std::ofstream(log, std::ios::app | std::ios::binary) << numbered(from, 1000);
            }
        });
        const bool reading = eventually([&] { return line_counts(read_file(out)).size() > first + 5000; });
        d.child.signal(SIGKILL);
        writer.join();
        REQUIRE(reading);
        CHECK(d.child.wait_exit() == 128 + SIGKILL);
    }
    CHECK(mode_of(state) == 0600);
    checkpoint = saved_offset(state, "app"); // the last one before the kill
    const std::uint64_t before_restart = line_counts(read_file(out)).size();
    {
        running_daemon d(config);
        REQUIRE(eventually([&] { return line_counts(read_file(out)).size() == total; }));
        d.child.signal(SIGTERM);
        REQUIRE(d.child.wait_exit() == 0);
    }
    const std::map<std::string, std::uint64_t> seen = line_counts(read_file(out));
    CHECK(seen.size() == total); // every line, at least once
    std::uint64_t written = 0;
    for (const auto& [line, n] : seen) {
        written += n;
    }
    // Only lines after the last checkpoint may come twice (at least once).
    const std::uint64_t after_checkpoint = line_counts(read_file(log).substr(static_cast<std::size_t>(checkpoint))).size();
    CHECK(written - total <= after_checkpoint);
    INFO("lines before the restart: " << before_restart << ", written twice: " << written - total);
    CHECK(before_restart <= total);
}

namespace {

/// A number the daemon logged after `marker` (the last one), or 0.
std::uint64_t logged_number(const std::string& log, const std::string& marker) {
    const auto at = log.rfind(marker);
    if (at == std::string::npos) {
        return 0;
    }
    std::uint64_t n = 0;
    std::from_chars(log.data() + at + marker.size(), log.data() + log.size(), n);
    return n;
}

std::uint64_t count_lines(const std::string& text) {
    return static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string full_disk_config(const std::string& out, const std::string& spool, const std::string& timeout) {
    return "[daemon]\nshutdown_timeout = \"" + timeout + "\"\nmetrics_listen = \"127.0.0.1:0\"\n"
           "[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
           "[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
           "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\nbuffer_bytes = \"64KiB\"\n"
           "backoff_min = \"10ms\"\nbackoff_max = \"50ms\"\n" +
           (spool.empty() ? "" : "spool = \"" + spool + "\"\n");
}

/// A temporary directory, a small disk in it, the sink's file on that disk.
struct full_disk_setup {
    temp_dir dir;
    small_disk disk{dir, 256 * 1024};
    std::string out = disk.path("out.log");
    const char* which() const { return disk.tmpfs() ? "a 2 MiB tmpfs (ENOSPC)" : "RLIMIT_FSIZE on the daemon (EFBIG)"; }
};

/// Sends lines 1..`sent` to the daemon's source app, its disk limited,
/// until its sink says it cannot write (and the connection has closed).
void overflow(running_daemon& d, const small_disk& disk, std::uint64_t sent) {
    disk.limit(d.child.pid());
    {
        client c(d.port("app"));
        REQUIRE(c.send_all(numbered(1, sent)));
    }
    d.child.wait_for_err("connection closed");
    d.child.wait_for_err("retrying");
}

} // namespace

TEST_CASE("A full disk with a spool: SIGTERM loses nothing and exits 0, and after a restart with room every line is "
          "written once, the cut line completed",
          "[pipelines][coropiped][full_disk][spool]") {
    full_disk_setup setup;
    INFO(setup.which());
    const temp_dir& dir = setup.dir;
    const small_disk& disk = setup.disk;
    const std::string& out = setup.out;
    const std::string config = dir.write("d.toml", full_disk_config(out, dir.path("out.spool"), "20s"));
    constexpr std::uint64_t sent = 42'000; // ~460 KB kept: 1.8 times the room
    const std::string expected = kept(1, sent);
    {
        running_daemon d(config);
        overflow(d, disk, sent); // never held up: what does not fit is spooled
        d.child.signal(SIGTERM);
        CHECK(d.child.wait_exit() == 0);
        const std::uint64_t written = count_lines(read_file(out));
        const std::uint64_t spooled = logged_number(d.child.err, "dropped, ");
        INFO(d.child.err);
        CHECK(spooled > 0);
        CHECK(written + spooled == count_lines(expected)); // sent = written + spooled, none lost
        CHECK(read_file(out) == expected.substr(0, read_file(out).size())); // whole lines, in order
        CHECK_THAT(d.child.err, Catch::Contains("kept in the spool"));
        CHECK(mode_of(dir.path("out.spool")) == 0600);
    }
    disk.free(-1);
    {
        running_daemon d(config);
        disk.free(d.child.pid());
        REQUIRE(eventually([&] { return read_file(out).size() == expected.size(); }));
        d.child.signal(SIGTERM);
        CHECK(d.child.wait_exit() == 0);
    }
    CHECK(read_file(out) == expected);
    CHECK(std::filesystem::file_size(dir.path("out.spool")) == 0);
}

TEST_CASE("A full disk without a spool: writing resumes when there is room, and a SIGTERM during the outage says "
          "exactly how many lines were not written",
          "[pipelines][coropiped][full_disk]") {
    full_disk_setup setup;
    INFO(setup.which());
    const temp_dir& dir = setup.dir;
    const small_disk& disk = setup.disk;
    const std::string& out = setup.out;
    constexpr std::uint64_t sent = 30'000; // ~300 KB kept: past the room, within the sink's 64 KiB buffer
    const std::string expected = kept(1, sent);
    SECTION("room again: the writing resumes where it stopped, the cut line completed") {
        running_daemon d(dir.write("d.toml", full_disk_config(out, "", "20s")));
        overflow(d, disk, sent);
        // The outage is reported while it lasts.
        const auto metrics_port = static_cast<std::uint16_t>(logged_number(d.child.err, "metrics on http://127.0.0.1:"));
        const std::string health = http_get(metrics_port, "/health");
        CHECK_THAT(health, Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("sink out: cannot write: ") &&
                               Catch::Contains(disk.tmpfs() ? "No space left on device" : "File too large"));
        CHECK(metric(metrics_port, "coropiped_errors_total{kind=\"sink\",name=\"out\"}") > 0);
        CHECK(read_file(out).size() < expected.size());
        disk.free(d.child.pid());
        d.child.wait_for_err("writing again");
        REQUIRE(eventually([&] { return read_file(out).size() == expected.size(); }));
        d.child.signal(SIGTERM);
        CHECK(d.child.wait_exit() == 0);
        CHECK(read_file(out) == expected);
    }
    SECTION("SIGTERM during the outage: the exit status is 1 and the log counts the lines not written") {
        running_daemon d(dir.write("d.toml", full_disk_config(out, "", "1s")));
        overflow(d, disk, sent);
        d.child.signal(SIGTERM);
        CHECK(d.child.wait_exit() == 1);
        INFO(d.child.err);
        const std::string text = read_file(out);
        const std::uint64_t lost = logged_number(d.child.err, "sink out: ");
        CHECK(lost > 0);
        CHECK(count_lines(text) + lost == count_lines(expected));
        CHECK(text == expected.substr(0, text.size())); // no partial line left
        disk.free(-1);
    }
}


TEST_CASE("A burst of 100,000 UDP lines arrives whole, or the kernel's drops are exactly the lines missing",
          "[pipelines][coropiped][udp]") {
    // The default receive buffer, and one far too small for the burst: the
    // kernel's drops are counted exactly.
    const std::string receive_buffer = GENERATE(std::string(), std::string("receive_buffer = \"64KiB\"\n"));
    CAPTURE(receive_buffer);
    temp_dir dir;
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write("d.toml", "[daemon]\nmetrics_listen = \"127.0.0.1:0\"\n"
                                         "[source.udp]\ntype = \"udp\"\nlisten = \"127.0.0.1:0\"\n" + receive_buffer +
                                         "[pipeline.all]\nfrom = [\"udp\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
                                         "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n"));
    const std::uint16_t metrics_port = static_cast<std::uint16_t>(
        logged_number(d.child.err, "metrics on http://127.0.0.1:"));
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(d.port("udp", "udp"));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto send = [&](const std::string& line) {
        REQUIRE(::sendto(fd, line.data(), line.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
                static_cast<ssize_t>(line.size()));
    };
    constexpr std::uint64_t sent = 100'000;
    // ~120 bytes each, as syslog lines are, as fast as the test can send them.
    const std::string padding(100, 'p');
    for (std::uint64_t i = 1; i <= sent; ++i) {
        send("<13>" + std::to_string(i) + " keep " + padding);
    }
    // The kernel says how many it dropped with the next datagram it queues:
    // end markers, each given 200 ms to be written, until one is (the last
    // sent: the burst and every marker before it are then received or
    // counted as dropped).
    std::uint64_t marker = 0;
    REQUIRE(eventually([&] {
        const std::string line = "end " + std::to_string(++marker) + " keep";
        send(line);
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        while (read_file(out).find(line + "\n") == std::string::npos) {
            if (std::chrono::steady_clock::now() > until) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }));
    std::uint64_t written = 0;
    std::uint64_t markers_written = 0;
    std::istringstream in(read_file(out));
    for (std::string line; std::getline(in, line);) {
        written += line.starts_with("<13>") ? 1 : 0;
        markers_written += line.starts_with("end ") ? 1 : 0;
    }
    const std::uint64_t kernel_drops = metric(metrics_port, "coropiped_lines_dropped_total{kind=\"source\",name=\"udp\"}");
    const std::uint64_t sink_drops = metric(metrics_port, "coropiped_lines_dropped_total{kind=\"sink\",name=\"out\"}");
    INFO("written " << written << ", dropped by the kernel " << kernel_drops << ", by the sink " << sink_drops);
    CHECK(written + kernel_drops + sink_drops == sent + marker - markers_written); // markers may be dropped too
    if (receive_buffer.empty() && kernel_drops != 0) {
        WARN("the kernel dropped " << kernel_drops << " datagrams: a busy machine, or a receive buffer too small");
    }
    if (!receive_buffer.empty()) {
        CHECK(kernel_drops > 0);
    }
    ::close(fd);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("A sink reached through a symbolic link from a followed file is refused by --check and at start, naming both",
          "[pipelines][coropiped][file][loop]") {
    temp_dir dir;
    std::filesystem::create_directory(dir.path("logs"));
    std::filesystem::create_symlink("logs", dir.path("link")); // a linked directory: link/out.log is logs/out.log
    const std::string config = dir.write(
        "d.toml", "[source.tail]\ntype = \"file\"\npath = \"" + dir.path("link/out.log") + "\"\n"
                  "[pipeline.p]\nfrom = [\"tail\"]\nrun = \"grep x\"\nto = [\"out\"]\n"
                  "[sink.out]\ntype = \"file\"\npath = \"" + dir.path("logs/out.log") + "\"\n");
    const std::string why = "sink.out.path: is the file source.tail.path follows (through a link)";
    const process_result checked = run_process({daemon_binary, "--check", config});
    CHECK(checked.status == 2);
    CHECK_THAT(checked.err, Catch::Contains(why));
    const process_result started = run_process({daemon_binary, config});
    CHECK(started.status == 1);
    CHECK_THAT(started.err, Catch::Contains(why));
    CHECK_FALSE(std::filesystem::exists(dir.path("logs/out.log"))); // refused before the sink was opened
}

TEST_CASE("A reload that fails keeps the running configuration, and SIGTERM still stops the daemon",
          "[pipelines][coropiped][reload]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    std::uint16_t port = 0;
    {
        peer unused; // a port free now, given to the source
        port = unused.port;
    }
    const std::string app_at = "listen = \"127.0.0.1:0\"";
    std::string same_port = tcp_config(out);
    same_port.replace(same_port.find(app_at), app_at.size(), "listen = \"127.0.0.1:" + std::to_string(port) + "\"");
    running_daemon d(dir.write("d.toml", same_port));
    SECTION("a new source on a port another process holds") {
        peer holder; // listening there
        dir.write("d.toml", same_port + "\n[source.more]\ntype = \"tcp\"\nlisten = \"127.0.0.1:" +
                                std::to_string(holder.port) + "\"\n");
        d.child.signal(SIGHUP);
        d.child.wait_for_err("reload refused");
        CHECK_THAT(d.child.err, Catch::Contains("source more: cannot listen on tcp 127.0.0.1:" +
                                                std::to_string(holder.port)));
    }
    SECTION("a sink that would read its own output back") {
        std::filesystem::create_symlink(dir.path(""), dir.path("link")); // link/out.log is out.log
        dir.write("d.toml", same_port + "\n[source.tail]\ntype = \"file\"\npath = \"" + dir.path("link/out.log") +
                                "\"\n");
        d.child.signal(SIGHUP);
        d.child.wait_for_err("reload refused");
        CHECK_THAT(d.child.err, Catch::Contains("sink.out.path: is the file source.tail.path follows"));
    }
    SECTION("a changed source's options are taken in place: its port keeps listening") {
        std::string more = same_port;
        const std::string listen_line = "listen = \"127.0.0.1:" + std::to_string(port) + "\"\n";
        more.insert(more.find(listen_line) + listen_line.size(), "max_connections = 100\nidle_timeout = \"10s\"\n");
        dir.write("d.toml", more);
        d.child.signal(SIGHUP);
        d.child.wait_for_err("reloaded");
    }
    // Still serving on the same port, and SIGTERM ends it cleanly.
    {
        client c(port);
        REQUIRE(c.send_all(numbered(1, 1000)));
    }
    d.child.wait_for_err("connection closed");
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(read_file(out) == kept(1, 1000));
}

TEST_CASE("Out of descriptors (RLIMIT_NOFILE 1024, 1,100 connections), the daemon accepts again once clients leave, "
          "and every line arrives",
          "[pipelines][coropiped][emfile]") {
    constexpr int clients = 1100;
    rlimit own{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &own) == 0);
    if (own.rlim_max < clients + 100) {
        WARN("this process may not open " << clients << " descriptors (hard limit " << own.rlim_max << "): skipped");
        return;
    }
    const rlimit saved = own;
    own.rlim_cur = own.rlim_max;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &own) == 0);
    temp_dir dir;
    const std::string out = dir.path("out.log");
    {
        running_daemon d(dir.write("d.toml", "[daemon]\nmetrics_listen = \"127.0.0.1:0\"\n"
                                             "[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                                             "max_connections = 2000\n" // the descriptors run out first
                                             "[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
                                             "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n"));
        const rlimit limit{1024, 1024}; // systemd's default soft limit
        REQUIRE(::prlimit(d.child.pid(), RLIMIT_NOFILE, &limit, nullptr) == 0);
        const auto metrics_port =
            static_cast<std::uint16_t>(logged_number(d.child.err, "metrics on http://127.0.0.1:"));
        const std::uint16_t port = d.port("app");
        {
            std::vector<std::unique_ptr<client>> connected;
            for (int i = 1; i <= clients; ++i) {
                connected.push_back(std::make_unique<client>(port)); // past the limit: in the backlog
                REQUIRE(connected.back()->send_all(std::to_string(i) + " keep\n"));
            }
            d.child.wait_for_err("accept failed: Too many open files");
        } // the clients leave
        d.child.wait_for_err("accepting again");
        REQUIRE(eventually([&] { return count_lines(read_file(out)) == clients; }));
        CHECK_THAT(http_get(metrics_port, "/health"), Catch::StartsWith("HTTP/1.1 200"));
        d.child.signal(SIGTERM);
        CHECK(d.child.wait_exit() == 0);
    }
    ::setrlimit(RLIMIT_NOFILE, &saved);
    std::vector<std::string> expected;
    for (int i = 1; i <= clients; ++i) {
        expected.push_back(std::to_string(i) + " keep");
    }
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> got;
    std::istringstream in(read_file(out));
    for (std::string line; std::getline(in, line);) {
        got.push_back(line);
    }
    std::sort(got.begin(), got.end());
    CHECK(got == expected); // each client's line once
}

TEST_CASE("A unix socket is created with its mode, 0666 by default (anyone may log, as to /dev/log)",
          "[pipelines][coropiped][unix][permissions]") {
    temp_dir dir;
    const std::string socket_path = dir.path("in.sock");
    const auto [mode_key, expected] = GENERATE(table<std::string, unsigned>({{"", 0666}, {"mode = \"0660\"\n", 0660}}));
    running_daemon d(dir.write(
        "d.toml", "[source.local]\ntype = \"unix\"\npath = \"" + socket_path + "\"\n" + mode_key +
                      "[pipeline.keep]\nfrom = [\"local\"]\nrun = \"grep keep\"\nto = [\"console\"]\n"
                      "[sink.console]\ntype = \"stdout\"\n"));
    CHECK(mode_of(socket_path) == expected);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("A followed file's lines a full disk kept from being written at a shutdown are read again at the next start",
          "[pipelines][coropiped][full_disk][checkpoint]") {
    full_disk_setup setup;
    INFO(setup.which());
    const temp_dir& dir = setup.dir;
    const std::string& out = setup.out;
    const std::string log = dir.path("app.log");
    std::ofstream(log, std::ios::binary).flush();
    const std::string config = dir.write(
        "d.toml", "[daemon]\nshutdown_timeout = \"1s\"\nstate_file = \"" + dir.path("state") +
                      "\"\ncheckpoint_interval = \"20ms\"\n"
                      "[source.app]\ntype = \"file\"\npath = \"" + log + "\"\nstart = \"beginning\"\n"
                      "[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
                      "[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\nbuffer_bytes = \"64KiB\"\n"
                      "backoff_min = \"10ms\"\nbackoff_max = \"50ms\"\n");
    constexpr std::uint64_t sent = 30'000; // ~300 KB kept: past the room
    {
        running_daemon d(config);
        setup.disk.limit(d.child.pid());
        std::ofstream(log, std::ios::app | std::ios::binary) << numbered(1, sent);
        d.child.wait_for_err("retrying");
        d.child.signal(SIGTERM);
        CHECK(d.child.wait_exit() == 1); // lines were not written, and the log says how many
        CHECK_THAT(d.child.err, Catch::Contains("lines were not written"));
        CHECK_THAT(d.child.err, Catch::Contains("the offsets stay at the last checkpoint"));
    }
    setup.disk.free(-1);
    const std::map<std::string, std::uint64_t> expected = line_counts(kept(1, sent));
    {
        running_daemon d(config);
        REQUIRE(eventually([&] { return line_counts(read_file(out)).size() == expected.size(); }));
        d.child.signal(SIGTERM);
        CHECK(d.child.wait_exit() == 0);
    }
    const std::map<std::string, std::uint64_t> got = line_counts(read_file(out));
    CHECK(got.size() == expected.size());
    for (const auto& [line, n] : got) {
        CHECK(expected.contains(line)); // every kept line at least once, and nothing else (no cut line)
    }
}
