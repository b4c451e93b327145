#include "sink.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace coropiped {

namespace {

constexpr std::size_t batch_estimate = 64 * 1024;

/// The peer has shut down or reset: a peek finds EOF or an error.
bool peer_closed(net::ip::tcp::socket& socket) {
    char byte = 0;
    const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

} // namespace

struct sink_runner::tcp_state {
    explicit tcp_state(net::any_io_executor ex) : socket(ex), timer(ex) {}
    net::ip::tcp::socket socket;
    net::steady_timer timer;
    bool connected = false;
};

sink_runner::sink_runner(net::any_io_executor executor, sink_options options, counters& metrics)
    : executor_(executor),
      options_(std::move(options)),
      metrics_(metrics),
      // The bound in bytes, as batches of up to ~64 KiB.
      channel_(executor, std::max<std::size_t>(1, options_.buffer_bytes / batch_estimate)) {}

void sink_runner::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    switch (options_.type) {
    case sink_options::kind::file:
        file_.emplace(std::filesystem::path(options_.path));
        break;
    case sink_options::kind::stdout_:
        file_.emplace(1);
        break;
    case sink_options::kind::tcp:
        tcp_ = std::make_shared<tcp_state>(executor_);
        break;
    }
    net::co_spawn(executor_, writer(), [self = shared_from_this()](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                std::fprintf(stderr, "coropiped: error: sink %s: %s\n", self->options_.name.c_str(), x.what());
            }
        }
        self->file_.reset(); // closes a file (not stdout)
        if (self->on_done_) {
            self->on_done_();
        }
    });
}

net::awaitable<void> sink_runner::send(std::string batch, std::size_t lines) {
    metrics_.buffer_bytes += static_cast<std::int64_t>(batch.size());
    const std::size_t size = batch.size();
    auto [ec] = co_await channel_.async_send(boost::system::error_code{}, std::move(batch), lines,
                                             net::as_tuple(net::use_awaitable));
    if (ec) { // (not expected: the channel is never closed while producers run)
        metrics_.buffer_bytes -= static_cast<std::int64_t>(size);
        metrics_.dropped += lines;
    }
}

bool sink_runner::try_send(std::string batch, std::size_t lines) {
    const auto size = static_cast<std::int64_t>(batch.size());
    if (!channel_.try_send(boost::system::error_code{}, std::move(batch), lines)) {
        metrics_.dropped += lines;
        return false;
    }
    metrics_.buffer_bytes += size;
    return true;
}

void sink_runner::finish() {
    // The end mark: an empty batch, queued behind everything sent before.
    net::co_spawn(
        executor_,
        [](std::shared_ptr<sink_runner> self) -> net::awaitable<void> {
            co_await self->channel_.async_send(boost::system::error_code{}, std::string{}, 0,
                                               net::as_tuple(net::use_awaitable));
        }(shared_from_this()),
        [](std::exception_ptr) {});
}

net::awaitable<void> sink_runner::writer() {
    for (;;) {
        auto [ec, batch, lines] = co_await channel_.async_receive(net::as_tuple(net::use_awaitable));
        if (ec || batch.empty()) {
            break; // the end mark: everything before it is written
        }
        metrics_.buffer_bytes -= static_cast<std::int64_t>(batch.size());
        switch (options_.type) {
        case sink_options::kind::file:
            if (reopen_.exchange(false)) {
                file_->reopen(); // the old file stays if the path cannot be opened
            }
            file_->write_now(batch);
            break;
        case sink_options::kind::stdout_:
            file_->write_now(batch);
            break;
        case sink_options::kind::tcp:
            co_await write_tcp(batch);
            break;
        }
        metrics_.lines_out += lines;
        metrics_.bytes_out += batch.size();
    }
}

// Writes to the peer, reconnecting with exponential backoff until it works:
// meanwhile the channel fills and its producers wait (backpressure).
// A batch cut by a broken connection is sent again whole: at least once.
net::awaitable<void> sink_runner::write_tcp(std::string_view bytes) {
    tcp_state& t = *tcp_;
    std::chrono::milliseconds backoff = options_.backoff_min;
    const auto colon = options_.address.rfind(':');
    std::string host = options_.address.substr(0, colon);
    const std::string port = options_.address.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[') {
        host = host.substr(1, host.size() - 2);
    }
    for (;;) {
        boost::system::error_code ec;
        if (t.connected && peer_closed(t.socket)) {
            // Found before writing into a connection the peer has closed,
            // where the bytes would be lost.
            t.connected = false;
            boost::system::error_code ignored;
            t.socket.close(ignored);
        }
        if (!t.connected) {
            net::ip::tcp::resolver resolver(executor_);
            auto [rec, endpoints] = co_await resolver.async_resolve(host, port, net::as_tuple(net::use_awaitable));
            ec = rec;
            if (!ec) {
                t.socket = net::ip::tcp::socket(executor_);
                std::tie(ec, std::ignore) =
                    co_await net::async_connect(t.socket, endpoints, net::as_tuple(net::use_awaitable));
            }
            if (!ec) {
                t.connected = true;
                backoff = options_.backoff_min;
                std::fprintf(stderr, "coropiped: info: sink %s: connected to %s\n", options_.name.c_str(),
                             options_.address.c_str());
            }
        }
        if (!ec) {
            std::tie(ec, std::ignore) = co_await net::async_write(t.socket, net::buffer(bytes.data(), bytes.size()),
                                                                  net::as_tuple(net::use_awaitable));
            if (!ec) {
                co_return;
            }
            t.connected = false;
            boost::system::error_code ignored;
            t.socket.close(ignored);
        }
        ++metrics_.errors;
        std::fprintf(stderr, "coropiped: warning: sink %s: %s: %s; retrying in %lld ms\n", options_.name.c_str(),
                     options_.address.c_str(), ec.message().c_str(), static_cast<long long>(backoff.count()));
        t.timer.expires_after(backoff);
        co_await t.timer.async_wait(net::as_tuple(net::use_awaitable));
        backoff = std::min(backoff * 2, options_.backoff_max);
    }
}

} // namespace coropiped
