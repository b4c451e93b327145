// A TCP server where every connection gets its own pipeline,
//
//     socket → lines → grep("ERROR") → socket
//
// and, in the same program, 1,000 clients that connect at once, each sending
// its own numbered lines and reading its filtered lines back while it sends.
// Everything runs on one thread: one io_context, one coroutine per
// connection, one per client. It is the "thousands of user requests" of the
// tutorials, served without a thread per request:
//
//     "if we are running thousands of functions simultaneously then memory
//      would be a problem. These functions may correspond to user requests
//      to a server [...]. Running a thread per unique activity just won't work."
//
// Each client checks that it got back exactly its own ERROR lines, in order;
// the summary is the same on every run (no timings, no ports).
#include <coropipe/asio/run.hpp>
#include <coropipe/asio/stream_sink.hpp>
#include <coropipe/asio/stream_source.hpp>
#include <coropipe/stages/grep.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>

#include <sys/resource.h>

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr int client_count = 1'000;

/// Client `id`'s request: 100 + id % 50 numbered lines; every 7th is an ERROR.
std::string request(int id) {
    std::string text;
    const int n = 100 + id % 50;
    for (int i = 1; i <= n; ++i) {
        text += "client " + std::to_string(id) + " line " + std::to_string(i) + (i % 7 == 0 ? " ERROR" : " INFO") +
                " latency_ms=" + std::to_string((id * 31 + i * 17) % 500) + "\n";
    }
    return text;
}

/// What `grep ERROR` makes of it.
std::string expected_reply(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string_view line(text.data() + start, end - start);
        if (line.find("ERROR") != std::string_view::npos) {
            out.append(line).push_back('\n');
        }
        start = end + 1;
    }
    return out;
}

/// Totals, all on the io_context's one thread: no locking.
struct totals {
    std::uint64_t served = 0;
    std::uint64_t server_lines_in = 0;
    std::uint64_t server_lines_out = 0;
    std::uint64_t server_bytes_in = 0;
    std::uint64_t server_bytes_out = 0;
    int clients_ok = 0;
    int clients_wrong = 0;
    std::uint64_t client_bytes_received = 0;
    std::size_t open_clients = 0;
    std::size_t peak_open_clients = 0;
    std::string sample; ///< client 7's reply, as received
};

/// Rethrows out of io_context::run(): a failure stops the program loudly
/// instead of leaving a coroutine silently dead.
void rethrow(std::exception_ptr e) {
    if (e) {
        std::rethrow_exception(e);
    }
}

// ---- the server --------------------------------------------------------------

/// One connection: its own pipeline, reading and writing the same socket.
/// The socket is a parameter taken by value, so it lives in this frame for
/// as long as the pipeline that references it.
net::awaitable<void> serve(tcp::socket socket, totals* sum) {
    const coropipe::asio::run_stats stats =
        co_await coropipe::asio::async_run(co_await net::this_coro::executor, coropipe::asio::stream_source(socket),
                                           coropipe::grep("ERROR"), coropipe::asio::stream_sink(socket, true),
                                           net::use_awaitable);
    ++sum->served;
    sum->server_lines_in += stats.lines_in;
    sum->server_lines_out += stats.lines_out;
    sum->server_bytes_in += stats.bytes_in;
    sum->server_bytes_out += stats.bytes_out;
}

/// Accepts `n` connections, then stops listening (so that run() can return).
net::awaitable<void> accept_loop(tcp::acceptor* acceptor, int n, totals* sum) {
    for (int i = 0; i < n; ++i) {
        tcp::socket socket = co_await acceptor->async_accept(net::use_awaitable);
        net::co_spawn(acceptor->get_executor(), serve(std::move(socket), sum), rethrow);
    }
    acceptor->close();
}

// ---- the clients -------------------------------------------------------------

net::awaitable<void> send_request(tcp::socket* socket, std::string text) {
    co_await net::async_write(*socket, net::buffer(text), net::use_awaitable);
    socket->shutdown(tcp::socket::shutdown_send); // the server's pipeline sees EOF
}

/// Sends its request while reading the reply, then checks the reply.
net::awaitable<void> client(tcp::endpoint server, int id, totals* sum) {
    tcp::socket socket(co_await net::this_coro::executor);
    co_await socket.async_connect(server, net::use_awaitable);
    sum->peak_open_clients = std::max(sum->peak_open_clients, ++sum->open_clients);
    const std::string text = request(id);
    net::co_spawn(socket.get_executor(), send_request(&socket, text), rethrow);
    std::string reply;
    boost::system::error_code ec;
    co_await net::async_read(socket, net::dynamic_buffer(reply), net::redirect_error(net::use_awaitable, ec));
    if (ec != net::error::eof) {
        throw boost::system::system_error(ec, "client read");
    }
    // The reply ends only after the server read our EOF, so the sender has
    // finished with `socket` before it goes out of scope here.
    --sum->open_clients;
    sum->client_bytes_received += reply.size();
    if (id == 7) {
        sum->sample = reply;
    }
    if (reply == expected_reply(text)) {
        ++sum->clients_ok;
    } else {
        ++sum->clients_wrong;
        std::cerr << "client " << id << ": wrong reply\n";
    }
}

/// Runs clients `first`, `first + step`, ... one after the other. With as
/// many lanes as clients, they all run at once.
net::awaitable<void> lane(tcp::endpoint server, int first, int step, totals* sum) {
    for (int id = first; id < client_count; id += step) {
        co_await client(server, id, sum);
    }
}

/// How many clients can be connected at once: each holds 2 descriptors (its
/// socket and the server's end). Raises the soft limit up to the hard one
/// first; where that is still too low (a CI runner with 1024), the clients
/// run in fewer lanes and the output is the same.
int lanes_allowed() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 100;
    }
    const rlim_t wanted = 2 * client_count + 64;
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = std::min(wanted, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<int>(std::min<rlim_t>(client_count, (limit.rlim_cur - 64) / 2));
}

} // namespace

int main() {
    const int lanes = lanes_allowed();
    net::io_context io(1); // one thread: the hint lets Asio skip locking
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const tcp::endpoint endpoint = acceptor.local_endpoint();
    totals sum;

    net::co_spawn(io, accept_loop(&acceptor, client_count, &sum), rethrow);
    std::uint64_t lines_sent = 0;
    std::uint64_t expected_lines = 0;
    for (int id = 0; id < client_count; ++id) {
        const int n = 100 + id % 50;
        lines_sent += static_cast<std::uint64_t>(n);
        expected_lines += static_cast<std::uint64_t>(n / 7);
    }
    for (int first = 0; first < lanes; ++first) {
        net::co_spawn(io, lane(endpoint, first, lanes, &sum), rethrow);
    }
    io.run();

    std::cout << "clients:                  " << client_count << '\n'
              << "connections served:       " << sum.served << '\n'
              << "clients with exactly their ERROR lines back: " << sum.clients_ok << '\n'
              << "clients with a wrong reply: " << sum.clients_wrong << '\n'
              << "lines sent:               " << lines_sent << '\n'
              << "lines read by the server: " << sum.server_lines_in << '\n'
              << "lines sent back:          " << sum.server_lines_out << " (expected " << expected_lines << ")\n"
              << "bytes read by the server: " << sum.server_bytes_in << '\n'
              << "bytes sent back:          " << sum.server_bytes_out << " (clients received "
              << sum.client_bytes_received << ")\n"
              << "threads used:             1\n";
    std::cerr << "peak clients connected at once: " << sum.peak_open_clients << '\n';
    std::cout << "client 7's reply:\n" << sum.sample;
    return sum.clients_ok == client_count ? 0 : 1;
}
