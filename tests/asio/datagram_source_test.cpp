// coropipe/asio/datagram_source.hpp: lines from real UDP datagrams on loopback.
#include <coropipe/asio/datagram_source.hpp>
#include <coropipe/asio/file_sink.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "temp_file.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

namespace net = boost::asio;
using udp = net::ip::udp;
using namespace coropipe;

using coropipe::test::temp_file;

namespace {

struct bound_pair {
    net::io_context io;
    udp::socket receiver{io, udp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    udp::socket sender{io, udp::v4()};
    void send(std::string_view datagram) { sender.send_to(net::buffer(datagram), receiver.local_endpoint()); }
};

} // namespace

TEST_CASE("Each datagram is a line, or several, and a line never spans datagrams", "[asio][udp]") {
    bound_pair udp_pair;
    temp_file out;
    udp_pair.send("first");          // no newline: one gets added
    udp_pair.send("");               // empty: skipped
    udp_pair.send("second\nthird\n"); // two lines
    udp_pair.send("fourth\nfif");    // "fif" ends with the datagram
    udp_pair.send("th\n");
    bool done = false;
    std::exception_ptr error;
    asio::async_run(udp_pair.io.get_executor(), asio::datagram_source(udp_pair.receiver),
                    take(6).build<std::string_view>(), asio::file_sink(out.path),
                    [&](std::exception_ptr e, asio::run_stats) { done = true, error = e; });
    udp_pair.io.run();
    REQUIRE(done);
    CHECK_FALSE(error);
    CHECK(out.read() == "first\nsecond\nthird\nfourth\nfif\nth\n");
}

TEST_CASE("A thousand datagrams through grep arrive in order, until the run is cancelled", "[asio][udp][cancel]") {
    bound_pair udp_pair;
    temp_file out;
    net::cancellation_signal cancel;
    bool done = false;
    std::exception_ptr error;
    asio::async_run(udp_pair.io.get_executor(), asio::datagram_source(udp_pair.receiver), grep("ERROR"),
                    asio::file_sink(out.path),
                    net::bind_cancellation_slot(cancel.slot(),
                                                [&](std::exception_ptr e, asio::run_stats) { done = true, error = e; }));
    std::string expected;
    for (int i = 1; i <= 1000; ++i) {
        const std::string line = "msg " + std::to_string(i) + (i % 2 == 0 ? " ERROR" : " INFO");
        udp_pair.send(line);
        if (i % 2 == 0) {
            expected += line + "\n";
        }
        if (i % 50 == 0) {
            // Let the run take them: the kernel's queue holds a few hundred
            // small datagrams, then drops (that is UDP).
            while (udp_pair.io.poll() != 0) {
            }
        }
    }
    CHECK_FALSE(done); // datagrams have no end: it waits for more
    CHECK(out.read() == expected);
    cancel.emit(net::cancellation_type::terminal);
    udp_pair.io.run();
    CHECK(done);
    CHECK(error);
}
