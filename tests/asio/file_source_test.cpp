// coropipe/asio/file_source.hpp: following a real file that grows, is
// rotated and truncated, on an io_context.
#include <coropipe/asio/file_sink.hpp>
#include <coropipe/asio/file_source.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/stages/grep.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

namespace net = boost::asio;
namespace fs = std::filesystem;
using namespace coropipe;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        char name[] = "/tmp/coropipe-follow-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path = name;
    }
    ~temp_dir() { fs::remove_all(path); }
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void append(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::app);
    out << text;
}

/// Lines `from`..`to`, every one "n keep" or "n drop"; and the kept ones.
std::string lines(int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) {
        s += std::to_string(i) + (i % 2 == 0 ? " keep\n" : " drop\n");
    }
    return s;
}
std::string kept(int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) {
        if (i % 2 == 0) {
            s += std::to_string(i) + " keep\n";
        }
    }
    return s;
}

/// Runs handlers until `out` holds `expected` (a deadline, not a delay: it
/// returns as soon as the output is there).
bool run_until(net::io_context& io, const fs::path& out, const std::string& expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read_file(out) != expected) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        io.run_one_for(std::chrono::milliseconds(200));
    }
    return true;
}

} // namespace

TEST_CASE("A followed file's lines arrive once each across growth, rotation and truncation",
          "[asio][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    const fs::path out = dir.path / "out.log";
    append(log, lines(1, 100));
    net::io_context io;
    net::cancellation_signal cancel;
    bool done = false;
    std::exception_ptr error;
    asio::async_run(io.get_executor(), asio::followed_file(io.get_executor(), log), grep("keep"),
                    asio::file_sink(out),
                    net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, asio::run_stats) {
                        done = true, error = e;
                    }));
    REQUIRE(run_until(io, out, kept(1, 100)));

    append(log, lines(101, 200)); // growth
    REQUIRE(run_until(io, out, kept(1, 200)));

    fs::rename(log, dir.path / "app.log.1"); // rotation: rename, more lines to the old file, create
    append(dir.path / "app.log.1", lines(201, 250));
    append(log, lines(251, 300));
    REQUIRE(run_until(io, out, kept(1, 300)));

    fs::resize_file(log, 0); // copytruncate
    append(log, lines(301, 310)); // shorter than before: seen as a truncation
    REQUIRE(run_until(io, out, kept(1, 310)));

    CHECK_FALSE(done);
    cancel.emit(net::cancellation_type::terminal);
    io.run();
    CHECK(done);
    CHECK(read_file(out) == kept(1, 310));
}

TEST_CASE("A followed file that does not exist yet is read once it appears", "[asio][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "later.log";
    const fs::path out = dir.path / "out.log";
    net::io_context io;
    net::cancellation_signal cancel;
    bool done = false;
    asio::async_run(io.get_executor(), asio::followed_file(io.get_executor(), log), grep("keep"),
                    asio::file_sink(out),
                    net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr, asio::run_stats) { done = true; }));
    io.poll();
    append(log, lines(1, 10));
    REQUIRE(run_until(io, out, kept(1, 10)));
    cancel.emit(net::cancellation_type::terminal);
    io.run();
    CHECK(done);
}
