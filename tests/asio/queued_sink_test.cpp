// coropipe/asio/queued_sink.hpp: a bounded output queue shared by producers
// on many threads, in front of real targets — files (on a disk that fills
// up: a small RLIMIT_FSIZE, or a small tmpfs when it can be mounted), TCP
// peers that are down, come back, close or reset — with its backpressure,
// retries, health, log, finish and abandon.
#include <coropipe/asio/queued_sink.hpp>

#include "asio_helpers.hpp"
#include "temp_file.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace net = boost::asio;
using namespace std::literals;
using coropipe::asio::counters;
using coropipe::asio::log_level;
using coropipe::asio::queued_sink;
using coropipe::asio::queued_sink_options;
using coropipe::asio::sink_report;
using coropipe::test::log_record;
using coropipe::test::run_until;
using coropipe::test::temp_file;
using tcp = net::ip::tcp;

namespace {

/// `n` lines "P:I padding\n", I from `from`.
std::string lines_of(int n, int from = 0, std::string_view producer = "p") {
    std::string s;
    for (int i = from; i < from + n; ++i) {
        s += std::string(producer) + ":" + std::to_string(i) + " some padding to make the line longer\n";
    }
    return s;
}

std::size_t newlines(std::string_view s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// A disk that fills up at `room` bytes of the sink's file, and gets room
/// again on `free()`: a tmpfs of that size when one can be mounted here
/// (ENOSPC, as a full disk), else the process's RLIMIT_FSIZE (EFBIG, as a
/// file-size quota). SIGXFSZ is ignored meanwhile (a write gets EFBIG).
class full_disk {
public:
    full_disk(bool try_tmpfs, std::size_t room) {
        saved_xfsz_ = std::signal(SIGXFSZ, SIG_IGN);
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_limit_) == 0);
        if (try_tmpfs) {
            char dir[] = "/tmp/coropipe-disk-XXXXXX";
            REQUIRE(::mkdtemp(dir) != nullptr);
            dir_ = dir;
            // 64 KiB of pages; a filler takes all but `room` of them (tmpfs counts pages).
            if (::mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0) {
                mounted_ = true;
                filler_ = dir_ + "/filler";
                std::ofstream(filler_, std::ios::binary) << std::string(64 * 1024 - room, 'f');
                path_ = dir_ + "/out.log";
                return;
            }
            WARN("cannot mount a tmpfs here (" << std::strerror(errno) << "): the disk fills up by RLIMIT_FSIZE");
            ::rmdir(dir);
        }
        path_ = file_.path;
        rlimit limit = saved_limit_;
        limit.rlim_cur = room;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
    }
    full_disk(const full_disk&) = delete;
    full_disk& operator=(const full_disk&) = delete;
    ~full_disk() {
        free();
        if (mounted_) {
            ::umount2(dir_.c_str(), MNT_DETACH);
            ::rmdir(dir_.c_str());
        }
        std::signal(SIGXFSZ, saved_xfsz_);
    }

    /// The disk has room again.
    void free() {
        if (mounted_) {
            std::filesystem::remove(filler_);
        }
        ::setrlimit(RLIMIT_FSIZE, &saved_limit_);
    }
    const std::string& path() const noexcept { return path_; }
    bool tmpfs() const noexcept { return mounted_; }

private:
    temp_file file_;
    std::string dir_;
    std::string filler_;
    std::string path_;
    bool mounted_ = false;
    rlimit saved_limit_{};
    void (*saved_xfsz_)(int) = nullptr;
};

queued_sink_options quick_retries(log_record* log = nullptr) {
    queued_sink_options o;
    o.name = "test";
    o.backoff_min = 5ms;
    o.backoff_max = 20ms;
    if (log != nullptr) {
        o.log = log->function();
    }
    return o;
}

std::shared_ptr<queued_sink> file_sink_at(net::io_context& io, const std::string& path, queued_sink_options o,
                                          counters& metrics) {
    return queued_sink::create(io.get_executor(), coropipe::asio::make_file_target(io.get_executor(), path),
                               std::move(o), metrics);
}

sink_report finish(net::io_context& io, queued_sink& sink) {
    std::optional<sink_report> report;
    sink.finish([&](sink_report r) { report = r; });
    run_until(io, [&] { return report.has_value(); });
    return *report;
}

sink_report abandon(net::io_context& io, queued_sink& sink) {
    std::optional<sink_report> report;
    sink.abandon([&](sink_report r) { report = r; });
    run_until(io, [&] { return report.has_value(); });
    return *report;
}

/// A port on 127.0.0.1 where nothing listens now.
unsigned short free_port(net::io_context& io) {
    tcp::acceptor a(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    return a.local_endpoint().port();
}

/// A queued sink to the TCP peer 127.0.0.1:`port`.
std::shared_ptr<queued_sink> tcp_sink_to(net::io_context& io, unsigned short port, counters& metrics,
                                         queued_sink_options o) {
    return queued_sink::create(
        io.get_executor(), coropipe::asio::make_tcp_target(io.get_executor(), "127.0.0.1", std::to_string(port)),
        std::move(o), metrics);
}

/// Reads everything a connection sends into `got`, on the io_context, until EOF or an error.
void read_all(tcp::socket& s, std::string& got, bool& ended) {
    auto buffer = std::make_shared<std::vector<char>>(64 * 1024);
    s.async_read_some(net::buffer(*buffer), [&s, &got, &ended, buffer](boost::system::error_code ec, std::size_t n) {
        got.append(buffer->data(), n);
        if (ec) {
            ended = true;
            return;
        }
        read_all(s, got, ended);
    });
}

} // namespace

// ---- files ---------------------------------------------------------------------------

TEST_CASE("Lines written by many producers on many threads all arrive once, each producer's in order",
          "[asio][queued_sink][threads]") {
    net::thread_pool pool(4);
    temp_file out;
    counters metrics;
    queued_sink_options o = quick_retries();
    o.buffer_bytes = 64 * 1024; // small: producers wait for room
    const net::any_io_executor strand = net::make_strand(pool); // the sink's and its target's
    auto sink = queued_sink::create(strand, coropipe::asio::make_file_target(strand, out.path), o, metrics);
    constexpr int producers = 8;
    constexpr int writes = 500;
    constexpr int lines_per_write = 10;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            for (int w = 0; w < writes; ++w) {
                const std::string batch = lines_of(lines_per_write, w * lines_per_write, std::to_string(p));
                if (w % 2 == 0 && sink->try_write(batch, lines_per_write)) {
                    continue;
                }
                std::future<void> taken = sink->async_write(batch, lines_per_write, net::use_future);
                if (taken.wait_for(60s) != std::future_status::ready) {
                    ++failures;
                    return;
                }
                taken.get(); // batch stays alive until it is taken
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    REQUIRE(failures == 0);
    std::promise<sink_report> reported;
    sink->finish([&](sink_report r) { reported.set_value(r); });
    std::future<sink_report> report = reported.get_future();
    REQUIRE(report.wait_for(60s) == std::future_status::ready);
    const sink_report r = report.get();
    constexpr std::uint64_t total = producers * writes * lines_per_write;
    CHECK(r.lines_written == total);
    CHECK(r.lines_lost == 0);
    CHECK(metrics.lines_out.load() == total);
    CHECK(metrics.buffer_bytes.load() == 0);
    pool.join();
    // Each producer's lines, in its order, none missing or repeated.
    std::istringstream in(out.read());
    std::vector<int> next(producers, 0);
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line); ++lines) {
        const std::size_t colon = line.find(':');
        const int p = std::stoi(line.substr(0, colon));
        const int i = std::stoi(line.substr(colon + 1));
        REQUIRE(i == next[static_cast<std::size_t>(p)]);
        ++next[static_cast<std::size_t>(p)];
    }
    CHECK(lines == total);
    CHECK(metrics.bytes_out.load() == out.read().size());
}

TEST_CASE("try_write takes what fits and async_write waits for room, in order (backpressure)",
          "[asio][queued_sink][backpressure]") {
    net::io_context io;
    full_disk disk(false, 0); // nothing can be written until free()
    counters metrics;
    queued_sink_options o = quick_retries();
    o.buffer_bytes = 100;
    auto sink = file_sink_at(io, disk.path(), o, metrics);
    int accepted = 0;
    while (sink->try_write("0123456789", 0)) {
        REQUIRE(++accepted <= 10);
    }
    CHECK(accepted == 10); // 100 bytes: what fits
    std::vector<int> completed;
    const std::string waiting = "abcdefghi\n";
    for (int i = 0; i < 3; ++i) {
        sink->async_write(waiting, 1, [&completed, i](boost::system::error_code ec) {
            CHECK_FALSE(ec);
            completed.push_back(i);
        });
    }
    run_until(io, [&] { return metrics.errors.load() >= 2; }); // retried, and still full
    CHECK(completed.empty());
    CHECK_FALSE(sink->try_write("x\n", 1)); // producers that wait come first
    CHECK_FALSE(sink->health().ok);
    disk.free();
    run_until(io, [&] { return completed.size() == 3; });
    CHECK(completed == std::vector<int>{0, 1, 2});
    const sink_report r = finish(io, *sink);
    CHECK(r.lines_lost == 0);
    std::string expected;
    for (int i = 0; i < 10; ++i) {
        expected += "0123456789";
    }
    CHECK(read_file(disk.path()) == expected + waiting + waiting + waiting);
    CHECK(sink->health().ok);
}

TEST_CASE("A file target on a full disk keeps every byte and goes on where it stopped once there is room",
          "[asio][queued_sink][full_disk]") {
    const bool try_tmpfs = GENERATE(false, true);
    CAPTURE(try_tmpfs);
    net::io_context io;
    full_disk disk(try_tmpfs, 16 * 1024);
    counters metrics;
    log_record log;
    auto sink = file_sink_at(io, disk.path(), quick_retries(&log), metrics);
    const std::string text = lines_of(1000); // ~48 KiB: three times the room
    // In small writes, as runs hand their batches over.
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = text.find('\n', std::min(at + 1000, text.size() - 1)) + 1;
        REQUIRE(sink->try_write(std::string_view(text).substr(at, end - at), newlines(text.substr(at, end - at))));
        at = end;
    }
    run_until(io, [&] { return !sink->health().ok; });
    const coropipe::asio::sink_health h = sink->health();
    CHECK_FALSE(h.reason.empty());
    CHECK(h.held_lines > 0);
    CHECK(h.since <= std::chrono::steady_clock::now());
    run_until(io, [&] { return metrics.errors.load() >= 3; }); // retrying, not giving up
    const std::string cut = read_file(disk.path());
    CHECK(cut.size() < text.size());
    CHECK(text.starts_with(cut));
    REQUIRE(log.at(log_level::error).size() == 1); // once per outage, not per attempt
    CHECK(log.at(log_level::error).front().find("retrying") != std::string::npos);
    disk.free();
    run_until(io, [&] { return sink->pending_lines() == 0; });
    CHECK(read_file(disk.path()) == text); // the cut line completed, nothing repeated
    CHECK(sink->health().ok);
    REQUIRE(log.at(log_level::info).size() == 1);
    CHECK(log.at(log_level::info).front().find("writing again") != std::string::npos);
    const sink_report r = finish(io, *sink);
    CHECK(r.lines_written == 1000);
    CHECK(r.lines_lost == 0);
    CHECK(r.last_error.empty());
    CHECK(metrics.lines_out.load() == 1000);
    CHECK(metrics.bytes_out.load() == text.size());
    CHECK(metrics.buffer_bytes.load() == 0);
}

TEST_CASE("While a target keeps failing the log reminds of it, and says the recovery once",
          "[asio][queued_sink][log]") {
    net::io_context io;
    full_disk disk(false, 0);
    counters metrics;
    log_record log;
    queued_sink_options o = quick_retries(&log);
    o.reminder = 30ms;
    auto sink = file_sink_at(io, disk.path(), o, metrics);
    REQUIRE(sink->try_write("a line\n", 1));
    run_until(io, [&] { return log.at(log_level::warning).size() >= 2; });
    CHECK(log.at(log_level::error).size() == 1);
    CHECK(log.at(log_level::warning).front().find("still failing") != std::string::npos);
    CHECK(log.at(log_level::warning).front().find("1 lines held") != std::string::npos);
    disk.free();
    run_until(io, [&] { return sink->pending_lines() == 0; });
    CHECK(log.at(log_level::info).size() == 1);
    CHECK(read_file(disk.path()) == "a line\n");
}

TEST_CASE("abandon gives up at once: waiting producers are aborted, the report counts what was lost, "
          "and the file is cut back to its last whole line",
          "[asio][queued_sink][abandon]") {
    net::io_context io;
    full_disk disk(false, 10000);
    counters metrics;
    queued_sink_options o = quick_retries();
    o.buffer_bytes = 64 * 1024;
    auto sink = file_sink_at(io, disk.path(), o, metrics);
    const std::string text = lines_of(1000); // ~48 KiB, one batch
    REQUIRE(sink->try_write(text, 1000));
    const std::string more = lines_of(2000, 1000);
    std::optional<boost::system::error_code> waited;
    sink->async_write(more, 2000, [&](boost::system::error_code ec) { waited = ec; });
    run_until(io, [&] { return metrics.errors.load() >= 1; });
    CHECK_FALSE(waited.has_value());
    const sink_report r = abandon(io, *sink);
    run_until(io, [&] { return waited.has_value(); });
    CHECK(*waited == net::error::operation_aborted); // nothing of it was taken
    const std::string kept = read_file(disk.path());
    CHECK(!kept.empty());
    CHECK(kept.back() == '\n');
    CHECK(text.starts_with(kept));
    // Every accepted line is either in the file or reported lost.
    CHECK(r.lines_written == newlines(kept));
    CHECK(r.lines_written + r.lines_lost == 1000);
    CHECK_FALSE(r.last_error.empty());
    CHECK_FALSE(sink->try_write("late\n", 1));
}

TEST_CASE("reopen writes to the path again after a rotation", "[asio][queued_sink][reopen]") {
    net::io_context io;
    temp_file out;
    counters metrics;
    auto sink = file_sink_at(io, out.path, quick_retries(), metrics);
    REQUIRE(sink->try_write("before\n", 1));
    run_until(io, [&] { return sink->pending_lines() == 0; });
    const std::string rotated = out.path + ".1";
    std::filesystem::rename(out.path, rotated);
    sink->reopen();
    REQUIRE(sink->try_write("after\n", 1));
    run_until(io, [&] { return sink->pending_lines() == 0; });
    CHECK(read_file(rotated) == "before\n");
    CHECK(read_file(out.path) == "after\n");
    std::filesystem::remove(rotated);
}

TEST_CASE("A file that ends inside a line (a writer killed mid-write) is ended with a newline before new lines",
          "[asio][queued_sink][errors]") {
    net::io_context io;
    temp_file out;
    {
        std::ofstream f(out.path, std::ios::binary);
        f << "whole\ntor";
    }
    counters metrics;
    auto sink = file_sink_at(io, out.path, quick_retries(), metrics);
    REQUIRE(sink->try_write("torn again\nnext\n", 2));
    run_until(io, [&] { return sink->pending_lines() == 0; });
    CHECK(read_file(out.path) == "whole\ntor\ntorn again\nnext\n");
    // A file that ends with a newline, or is empty, is appended to as it is.
    auto again = file_sink_at(io, out.path, quick_retries(), metrics);
    REQUIRE(again->try_write("last\n", 1));
    run_until(io, [&] { return again->pending_lines() == 0; });
    CHECK(read_file(out.path) == "whole\ntor\ntorn again\nnext\nlast\n");
}

TEST_CASE("A file target that cannot be opened throws, naming the file", "[asio][queued_sink][errors]") {
    net::io_context io;
    CHECK_THROWS_WITH(coropipe::asio::make_file_target(io.get_executor(), "/nonexistent-dir/coropipe/out.log"),
                      Catch::Contains("/nonexistent-dir/coropipe/out.log"));
}

TEST_CASE("note_dropped counts lines a lossy producer dropped in the sink's counters", "[asio][queued_sink]") {
    net::io_context io;
    temp_file out;
    counters metrics;
    auto sink = file_sink_at(io, out.path, quick_retries(), metrics);
    sink->note_dropped(7);
    coropipe::asio::queued_sink_ref ref(sink);
    ref.note_dropped(3);
    CHECK(metrics.dropped.load() == 10);
}

// ---- TCP -------------------------------------------------------------------------------

TEST_CASE("A TCP target whose peer is down keeps the lines and sends them once it comes back",
          "[asio][queued_sink][tcp]") {
    net::io_context io;
    const unsigned short port = free_port(io);
    counters metrics;
    log_record log;
    auto sink = tcp_sink_to(io, port, metrics, quick_retries(&log));
    const std::string text = lines_of(2000);
    REQUIRE(sink->try_write(text, 2000));
    run_until(io, [&] { return metrics.errors.load() >= 3; });
    CHECK_FALSE(sink->health().ok);
    REQUIRE(log.at(log_level::error).size() == 1);
    CHECK(log.at(log_level::error).front().find("tcp 127.0.0.1:" + std::to_string(port)) != std::string::npos);
    // The peer comes back on the same port.
    tcp::acceptor acceptor(io);
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(tcp::endpoint(net::ip::address_v4::loopback(), port));
    acceptor.listen();
    tcp::socket peer(io);
    acceptor.async_accept(peer, [](boost::system::error_code ec) { REQUIRE_FALSE(ec); });
    std::string got;
    bool ended = false;
    run_until(io, [&] { return peer.is_open() && sink->pending_lines() == 0; });
    read_all(peer, got, ended);
    run_until(io, [&] { return got.size() == text.size(); });
    CHECK(got == text);
    CHECK(sink->health().ok);
    CHECK(log.at(log_level::info).size() == 1);
    const sink_report r = finish(io, *sink);
    CHECK(r.lines_written == 2000);
    CHECK(r.lines_lost == 0);
}

TEST_CASE("A TCP peer that closed the connection is noticed before writing: the next lines go to a new one",
          "[asio][queued_sink][tcp]") {
    net::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    counters metrics;
    auto sink = tcp_sink_to(io, acceptor.local_endpoint().port(), metrics, quick_retries());
    tcp::socket first(io);
    bool accepted = false;
    acceptor.async_accept(first, [&](boost::system::error_code ec) { accepted = !ec; });
    REQUIRE(sink->try_write("one\n", 1));
    run_until(io, [&] { return accepted && sink->pending_lines() == 0; });
    std::string got_first(4, '\0');
    net::read(first, net::buffer(got_first));
    CHECK(got_first == "one\n");
    first.close(); // the peer goes away (a restart)
    tcp::socket second(io);
    accepted = false;
    acceptor.async_accept(second, [&](boost::system::error_code ec) { accepted = !ec; });
    REQUIRE(sink->try_write("two\n", 1));
    run_until(io, [&] { return accepted && sink->pending_lines() == 0; });
    std::string got_second(4, '\0');
    net::read(second, net::buffer(got_second));
    CHECK(got_second == "two\n");
    CHECK(metrics.errors.load() == 0);
}

TEST_CASE("A batch cut by a connection reset is sent again whole on the next connection",
          "[asio][queued_sink][tcp]") {
    net::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    counters metrics;
    auto sink = tcp_sink_to(io, acceptor.local_endpoint().port(), metrics, quick_retries());
    // One batch far larger than the socket buffers: its write is still going
    // on when the peer resets the connection.
    const std::string batch = lines_of(700000);
    tcp::socket first(io);
    bool accepted = false;
    acceptor.async_accept(first, [&](boost::system::error_code ec) { accepted = !ec; });
    REQUIRE(sink->try_write(batch, 700000));
    run_until(io, [&] { return accepted; });
    std::string prefix(64 * 1024, '\0');
    net::read(first, net::buffer(prefix));
    CHECK(batch.starts_with(prefix));
    first.set_option(net::socket_base::linger(true, 0));
    first.close(); // RST
    tcp::socket second(io);
    accepted = false;
    acceptor.async_accept(second, [&](boost::system::error_code ec) { accepted = !ec; });
    run_until(io, [&] { return accepted; });
    std::string got;
    bool ended = false;
    read_all(second, got, ended);
    run_until(io, [&] { return got.size() >= batch.size(); }, 120s);
    CHECK(got == batch); // whole, from its first byte
    CHECK(metrics.errors.load() >= 1);
    const sink_report r = finish(io, *sink);
    CHECK(r.lines_written == 700000);
}

// ---- the spool -----------------------------------------------------------------------

TEST_CASE("With a spool, output that does not fit in memory waits there, not in the producer, and comes out in order",
          "[asio][queued_sink][spool]") {
    net::io_context io;
    temp_file out;
    temp_file spool_file;
    counters metrics;
    queued_sink_options o = quick_retries();
    o.buffer_bytes = 4096;
    o.spool = spool_file.path;
    auto sink = file_sink_at(io, out.path, std::move(o), metrics);
    std::string text;
    // Without running the writer: memory fills, then every write goes to the spool.
    for (int i = 0; i < 200; ++i) {
        const std::string part = lines_of(10, i * 10);
        REQUIRE(sink->try_write(part, 10));
        text += part;
    }
    CHECK(sink->health().spooled_lines > 1500);
    CHECK(sink->progress().settled >= sink->progress().accepted - 4096); // spooled counts as settled
    const sink_report r = finish(io, *sink);
    CHECK(r.lines_written == 2000);
    CHECK(r.lines_lost == 0);
    CHECK(r.lines_spooled == 0);
    CHECK(out.read() == text);
    CHECK(std::filesystem::file_size(spool_file.path) == 0);
}

TEST_CASE("Finishing while the target fails keeps what is held in the spool, and the next sink on it writes it first",
          "[asio][queued_sink][spool]") {
    net::io_context io;
    const unsigned short port = free_port(io);
    temp_file spool_file;
    counters metrics;
    log_record log;
    queued_sink_options o = quick_retries(&log);
    o.buffer_bytes = 16 * 1024;
    o.spool = spool_file.path;
    const std::string text = lines_of(2000); // in memory and in the spool
    {
        auto sink = tcp_sink_to(io, port, metrics, o);
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t end = text.find('\n', std::min(at + 1000, text.size() - 1)) + 1;
            REQUIRE(sink->try_write(std::string_view(text).substr(at, end - at),
                                    newlines(text.substr(at, end - at))));
            at = end;
        }
        run_until(io, [&] { return !sink->health().ok; });
        const sink_report r = finish(io, *sink);
        CHECK(r.lines_written == 0);
        CHECK(r.lines_lost == 0);
        CHECK(r.lines_spooled == 2000);
    }
    // The peer is there now: a new sink on the same spool sends it all, in order, first.
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), port));
    tcp::socket peer(io);
    acceptor.async_accept(peer, [](boost::system::error_code ec) { REQUIRE_FALSE(ec); });
    auto sink = tcp_sink_to(io, port, metrics, o);
    REQUIRE(sink->try_write("after\n", 1));
    std::string got;
    bool ended = false;
    run_until(io, [&] { return peer.is_open(); });
    read_all(peer, got, ended);
    run_until(io, [&] { return got.size() == text.size() + 6; });
    CHECK(got == text + "after\n");
    const sink_report r = finish(io, *sink);
    CHECK(r.lines_written == 2001);
    CHECK(r.lines_spooled == 0);
    CHECK(std::filesystem::file_size(spool_file.path) == 0);
}
