// The daemon's `redis-stream` sink against a real redis-server (started here,
// on a loopback port, in a temp dir): lines sent to a TCP source come out as
// stream entries; with Redis down, backpressure reaches the TCP sender (the
// daemon's memory stays bounded) and everything arrives once Redis is back.
#include "daemon_process.hpp"
#include "temp_dir.hpp"

#include "io_wait.hpp"
#include "redis_server.hpp"
#include "test_pki.hpp"

#include <coropipe/asio/redis_stream.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
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

/// A config: a TCP source, `grep keep`, a redis-stream sink.
std::string sink_config(const std::string& address, const std::string& sink_extra) {
    return "[daemon]\nshutdown_timeout = \"10s\"\nmetrics_listen = \"127.0.0.1:0\"\n"
           "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
           "\n[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"bus\"]\n"
           "\n[sink.bus]\ntype = \"redis-stream\"\naddress = \"" + address + "\"\nstream = \"out\"\n" + sink_extra;
}

/// The TCP source's port, from the daemon's log.
std::uint16_t tcp_port(const daemon_process& d) { return d.port_after("source app: listening on tcp 127.0.0.1:"); }

/// A blocking loopback TCP sender.
struct sender {
    int fd = -1;
    explicit sender(std::uint16_t port) : fd(coropipe::test::connect_loopback(port)) {}
    ~sender() { ::close(fd); }
    bool send_all(std::string_view bytes, std::atomic<std::size_t>* sent = nullptr) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd, bytes.data(), std::min<std::size_t>(bytes.size(), 65536), MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
            if (sent != nullptr) {
                sent->fetch_add(static_cast<std::size_t>(n));
            }
        }
        return true;
    }
};

/// `n` lines, every other one kept by `grep keep`; the kept ones.
std::string make_input(int n, std::vector<std::string>& kept) {
    std::string input;
    for (int i = 0; i < n; ++i) {
        std::string line = (i % 2 == 0 ? "keep " : "drop ") + std::to_string(i) +
                           " the quick brown fox jumps over the lazy dog";
        input += line + "\n";
        if (i % 2 == 0) {
            kept.push_back(std::move(line));
        }
    }
    return input;
}

/// Every line in the stream `out`, in order (read through a group of the test's own).
struct stream_reader {
    net::io_context io;
    std::unique_ptr<redis_client> client;
    bool group = false;
    std::vector<std::string> lines;
    std::size_t entries = 0;
    std::size_t line_fields = 0;

    explicit stream_reader(const std::string& address)
        : client(std::make_unique<redis_client>(io.get_executor(), redis_options{.address = address})) {}

    /// Reads what is new; false if the server did not answer.
    bool read_more() {
        if (!group) {
            auto [ec] = wait_for(io, async_xgroup_create(*client, "out", "test", "0", net::deferred), 30s);
            if (ec) {
                return false;
            }
            group = true;
        }
        for (;;) {
            xreadgroup_args a{.stream = "out", .group = "test", .consumer = "t", .id = ">", .count = 10'000};
            auto [ec, got] = wait_for(io, async_xreadgroup(*client, a, net::deferred), 30s);
            if (ec) {
                return false;
            }
            if (got.empty()) {
                return true;
            }
            for (const stream_entry& e : got) {
                ++entries;
                if (const std::string* line = e.find("line")) {
                    ++line_fields;
                    lines.push_back(*line);
                } else if (const std::string* many = e.find("lines")) {
                    std::string_view text = *many;
                    while (!text.empty()) {
                        const auto nl = text.find('\n');
                        lines.emplace_back(text.substr(0, nl));
                        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
                    }
                }
            }
        }
    }
};

} // namespace

TEST_CASE("lines through a redis-stream sink arrive in the stream, in order, batch_lines to an entry",
          "[daemon][redis]") {
    const auto [batch, fields_are_line] = GENERATE(std::pair<std::size_t, bool>{64, false},
                                                   std::pair<std::size_t, bool>{1, true});
    temp_dir dir;
    redis_server server;
    daemon_process d(dir.write("d.toml", sink_config(server.address(), "batch_lines = " + std::to_string(batch) + "\n")));
    std::vector<std::string> kept;
    const std::string input = make_input(20'000, kept);
    {
        sender s(tcp_port(d));
        REQUIRE(s.send_all(input));
    }
    stream_reader reader(server.address());
    poll_until([&] { return reader.read_more() && reader.lines.size() >= kept.size(); }, "every kept line",
               [&] { return std::to_string(reader.lines.size()) + " lines\n" + d.child.err; });
    CHECK(reader.lines == kept);
    CHECK((reader.line_fields == reader.entries) == fields_are_line);
    CHECK(reader.entries >= kept.size() / batch);
    const std::uint16_t port = d.port_after("metrics on http://127.0.0.1:");
    const std::string written = "coropiped_entries_written_total{kind=\"sink\",name=\"bus\"}";
    std::uint64_t counted = 0;
    poll_until([&] { return (counted = metric(port, written)) >= reader.entries; }, "the sink to count its entries",
               [&] { return std::to_string(counted) + " of " + std::to_string(reader.entries); }, 10s);
    CHECK(counted == reader.entries); // (the daemon counts an XADD once its reply is read)
    CHECK(metric(port, "coropiped_broker_connected{kind=\"sink\",name=\"bus\"}") == 1);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("with flush_ms, lines that come one at a time wait to fill an entry, and what waits is written at "
          "SIGTERM",
          "[daemon][redis]") {
    temp_dir dir;
    redis_server server;
    daemon_process d(dir.write("d.toml", sink_config(server.address(), "batch_lines = 4\nflush_ms = 600000\n")));
    const std::uint16_t port = d.port_after("metrics on http://127.0.0.1:");
    sender s(tcp_port(d));
    const std::string out = "coropiped_lines_out_total{kind=\"pipeline\",name=\"keep\"}";
    for (int i = 0; i < 5; ++i) { // each line through the pipeline before the next is sent
        REQUIRE(s.send_all("keep " + std::to_string(i) + "\n"));
        poll_until([&] { return metric(port, out) == static_cast<std::uint64_t>(i + 1); }, "the line through the pipeline",
                   [&] { return d.child.err; });
    }
    stream_reader reader(server.address());
    poll_until([&] { return reader.read_more() && reader.entries >= 1; }, "the first four lines' entry",
               [&] { return d.child.err; });
    CHECK(reader.entries == 1);
    CHECK(reader.lines == std::vector<std::string>{"keep 0", "keep 1", "keep 2", "keep 3"});
    d.child.signal(SIGTERM); // the fifth waits for three more lines, or ten minutes: not at shutdown
    CHECK(d.child.wait_exit() == 0);
    REQUIRE(reader.read_more());
    CHECK(reader.entries == 2);
    CHECK(reader.lines.back() == "keep 4");
}

TEST_CASE("Redis down: backpressure reaches the TCP sender, memory stays bounded, every line arrives once Redis "
          "is back",
          "[daemon][redis]") {
    temp_dir dir;
    redis_server server;
    daemon_process d(dir.write("d.toml", sink_config(server.address(), "buffer_bytes = \"256KiB\"\nbackoff_max = \"500ms\"\n")));
    const std::size_t rss_before = d.rss_kib();
    server.stop(SIGTERM);
    std::vector<std::string> kept;
    const std::string input = make_input(600'000, kept); // about 40 MB
    std::atomic<std::size_t> sent{0};
    std::atomic<bool> done{false};
    std::thread t([&] {
        sender s(tcp_port(d));
        s.send_all(input, &sent);
        done = true;
    });
    // Held back: what was sent stops growing well before the end (the
    // kernel's socket buffers and the sink's 256 KiB are full).
    std::size_t last = 0;
    int still = 0;
    poll_until(
        [&] {
            const std::size_t now = sent.load();
            still = now == last ? still + 1 : 0;
            last = now;
            return still >= 25 || done; // 500 ms without progress
        },
        "the sender to be held back", [&] { return std::to_string(sent.load()); });
    CHECK_FALSE(done.load());
    CHECK(sent.load() < input.size() / 2);
    CHECK(d.rss_kib() < rss_before + 64 * 1024); // far less than the 40 MB sent
    server.start();
    t.join();
    CHECK(done.load());
    stream_reader reader(server.address());
    poll_until([&] { return reader.read_more() && reader.lines.size() >= kept.size(); }, "every kept line",
               [&] { return std::to_string(reader.lines.size()) + " lines\n" + d.child.err; });
    // At least once: a batch cut by the stop may have been added twice; nothing is missing.
    std::map<std::string, int> counts;
    for (const std::string& line : reader.lines) {
        ++counts[line];
    }
    std::size_t missing = 0;
    for (const std::string& line : kept) {
        missing += counts.contains(line) ? 0 : 1;
    }
    CHECK(missing == 0);
    CHECK(counts.size() == kept.size());
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

namespace {

/// TCP → `grep keep` → the stream `out` over TLS, and back: a redis-stream
/// source over TLS reading `out` → `grep keep` → the file `out_file`. `tls`:
/// the body of both `tls` tables.
std::string round_trip_config(const std::string& address, const std::string& tls, const std::string& out_file) {
    return sink_config(address, "\n[sink.bus.tls]\n" + tls) + "\n[source.bus_in]\ntype = \"redis-stream\"\naddress = \"" +
           address + "\"\nstream = \"out\"\ngroup = \"back\"\nconsumer = \"c1\"\nblock_ms = 100\n\n[source.bus_in.tls]\n" +
           tls + "\n[pipeline.back]\nfrom = [\"bus_in\"]\nrun = \"grep keep\"\nto = [\"file\"]\n"
           "\n[sink.file]\ntype = \"file\"\npath = \"" + out_file + "\"\n";
}

/// The certificates of the TLS tests, in `dir`: a CA and another, and a
/// server certificate for localhost and 127.0.0.1 signed by the first.
coropipe::test::test_pki redis_pki(const temp_dir& dir) {
    coropipe::test::test_pki pki(dir.path(""));
    pki.make_ca("ca");
    pki.make_ca("other-ca");
    pki.issue("server", "ca", "localhost", 30, "DNS:localhost,IP:127.0.0.1");
    return pki;
}

/// Waits until `out` holds the `kept` lines, then checks it holds exactly them.
void expect_lines(const daemon_process& d, const std::string& out, const std::vector<std::string>& kept) {
    std::string expected;
    for (const std::string& line : kept) {
        expected += line + "\n";
    }
    std::string got;
    poll_until([&] { return (got = read_file(out)).size() >= expected.size(); }, "every kept line through Redis",
               [&] { return d.child.err; });
    CHECK(got == expected);
}

} // namespace

TEST_CASE("over TLS with client certificates, lines go through a redis-stream sink and back out of a redis-stream "
          "source, and a server signed by another CA is refused and its lines held",
          "[daemon][redis][tls]") {
    temp_dir dir;
    const coropipe::test::test_pki pki = redis_pki(dir);
    pki.issue("client", "ca", "coropiped.example.com", 30);
    redis_server server({.tls_cert = pki.crt("server"),
                         .tls_key = pki.key("server"),
                         .tls_ca = pki.crt("ca"),
                         .tls_auth_clients = "yes"});
    const std::string ca = GENERATE(as<std::string>{}, "ca", "other-ca");
    const std::string tls = "ca = \"" + pki.crt(ca) + "\"\ncert = \"" + pki.crt("client") + "\"\nkey = \"" +
                            pki.key("client") + "\"\n";
    const std::string out = dir.path("back.log");
    std::string config = round_trip_config(server.tls_address(), tls, out);
    config.replace(config.find("shutdown_timeout = \"10s\""), 24, "shutdown_timeout = \"1s\" ");
    daemon_process d(dir.write("d.toml", config));
    std::vector<std::string> kept;
    const std::string input = make_input(2'000, kept);
    {
        sender s(tcp_port(d));
        REQUIRE(s.send_all(input));
    }
    const std::uint16_t port = d.port_after("metrics on http://127.0.0.1:");
    if (ca == "ca") {
        expect_lines(d, out, kept);
        CHECK(metric(port, "coropiped_broker_connected{kind=\"sink\",name=\"bus\"}") == 1);
    } else {
        // Refused: said in the log, /metrics shows the sink and the source
        // disconnected, nothing is written, and the lines wait in the sink.
        d.child.wait_for_err("sink bus: redis-stream " + server.tls_address() + " out (TLS handshake with");
        d.child.wait_for_err("source bus_in: redis-stream " + server.tls_address() + " out (group back, consumer c1) (TLS handshake with");
        CHECK(metric(port, "coropiped_broker_connected{kind=\"sink\",name=\"bus\"}") == 0);
        CHECK(metric(port, "coropiped_broker_connected{kind=\"source\",name=\"bus_in\"}") == 0);
        CHECK(read_file(out).empty());
    }
    // A clean stop, or one that says the held lines were not written.
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == (ca == "ca" ? 0 : 1));
    if (ca != "ca") {
        CHECK_THAT(d.child.err, Catch::Contains("giving up on them"));
    }
}

TEST_CASE("SIGHUP reads the Redis TLS files again: a sink and a source that trusted the wrong CA connect with the "
          "right one, and a broken file refuses the reload",
          "[daemon][redis][tls][reload]") {
    temp_dir dir;
    const coropipe::test::test_pki pki = redis_pki(dir);
    redis_server server({.tls_cert = pki.crt("server"), .tls_key = pki.key("server")});
    const std::string trust = dir.write("trust.crt", coropipe::test::read_file(pki.crt("other-ca")));
    const std::string tls = "ca = \"" + trust + "\"\n";
    const std::string out = dir.path("back.log");
    const std::string config = round_trip_config(server.tls_address(), tls, out);
    daemon_process d(dir.write("d.toml", config));
    std::vector<std::string> kept;
    const std::string input = make_input(2'000, kept);
    {
        sender s(tcp_port(d));
        REQUIRE(s.send_all(input));
    }
    d.child.wait_for_err("sink bus: redis-stream " + server.tls_address() + " out (TLS handshake with");

    // A broken file: the reload is refused, the old context stays.
    dir.write("trust.crt", "not a certificate\n");
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reload refused");

    // The right CA in the same file: the next connections use it.
    dir.write("trust.crt", coropipe::test::read_file(pki.crt("ca")));
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reloaded");
    expect_lines(d, out, kept);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}
