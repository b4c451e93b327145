// coropipe/asio/descriptor.hpp: stdin/stdout-like descriptors — pipes and
// regular files — on an io_context.
#include <coropipe/asio/descriptor.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/stages/grep.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>

#include "temp_file.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace net = boost::asio;
using namespace coropipe;

using coropipe::test::temp_file;

namespace {

std::string numbered(int n) {
    std::string s;
    for (int i = 1; i <= n; ++i) {
        s += (i % 2 == 0 ? "even " : "odd ") + std::to_string(i) + "\n";
    }
    return s;
}

std::string evens(int n) {
    std::string s;
    for (int i = 2; i <= n; i += 2) {
        s += "even " + std::to_string(i) + "\n";
    }
    return s;
}

net::awaitable<void> write_and_close(net::posix::stream_descriptor& d, std::string text) {
    co_await net::async_write(d, net::buffer(text), net::use_awaitable);
    d.close();
}

net::awaitable<void> read_all(net::posix::stream_descriptor& d, std::string* got) {
    boost::system::error_code ec;
    co_await net::async_read(d, net::dynamic_buffer(*got), net::redirect_error(net::use_awaitable, ec));
}

} // namespace

TEST_CASE("A pipe is read through the reactor and a regular file written at once", "[asio][descriptor]") {
    net::io_context io;
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    net::posix::stream_descriptor writer(io, fds[1]);
    asio::descriptor_source source(io.get_executor(), fds[0]);
    ::close(fds[0]); // the source works on its own copy
    temp_file out;
    const int out_fd = ::open(out.path.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(out_fd >= 0);
    std::exception_ptr error;
    net::co_spawn(io, write_and_close(writer, numbered(50'000)), net::detached);
    asio::async_run(io.get_executor(), std::move(source), grep("even"), asio::descriptor_sink(io.get_executor(), out_fd),
                    [&](std::exception_ptr e, asio::run_stats) { error = e; });
    io.run();
    ::close(out_fd);
    CHECK_FALSE(error);
    CHECK(out.read() == evens(50'000));
}

TEST_CASE("A regular file is read to its end and a pipe written with backpressure", "[asio][descriptor]") {
    net::io_context io;
    temp_file in(numbered(50'000));
    const int in_fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(in_fd >= 0);
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    net::posix::stream_descriptor reader(io, fds[0]);
    std::string got;
    std::exception_ptr error;
    {
        asio::descriptor_sink sink(io.get_executor(), fds[1]);
        ::close(fds[1]); // only the sink's copy is left: EOF when it is gone
        net::co_spawn(io, read_all(reader, &got), net::detached);
        asio::async_run(io.get_executor(), asio::descriptor_source(io.get_executor(), in_fd), grep("even"),
                        std::move(sink), [&](std::exception_ptr e, asio::run_stats) { error = e; });
    }
    ::close(in_fd);
    io.run();
    CHECK_FALSE(error);
    CHECK(got == evens(50'000));
}
