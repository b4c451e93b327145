#pragma once

#include <coropipe/asio/run.hpp>
#include <coropipe/detail/line_splitter.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <span>
#include <string_view>

namespace coropipe::asio {

/// A source of datagrams: a UDP socket (syslog over UDP) or a unix datagram
/// socket. Each datagram is one line, or several separated by '\n'; one
/// that does not end in '\n' gets one, so a line never spans datagrams.
/// Empty datagrams are skipped.
///
/// - Like `stream_source`, it waits for readability and then receives into
///   the thread's scratch buffer: no buffer is held while idle. A datagram
///   longer than 65,535 bytes (possible only on unix sockets) is cut there
///   by the kernel.
/// - Datagrams have no end: the run ends by cancellation, by `stop()`, or
///   when its stages finish. Receive errors throw `system_error`. While the
///   pipeline is busy the kernel queues datagrams and, when its queue is
///   full, drops them (that is UDP).
/// - References `socket`, which must outlive the pipeline.
template <class Socket>
class datagram_source {
public:
    explicit datagram_source(Socket& socket) : socket_(&socket) { socket_->non_blocking(true); }

    net::awaitable<std::string_view> read_chunk() {
        for (;;) {
            const std::span<char> scratch = coropipe::detail::read_scratch();
            boost::system::error_code ec;
            // One byte kept free for the '\n' a datagram may lack.
            const std::size_t n = socket_->receive(net::buffer(scratch.data(), scratch.size() - 1), 0, ec);
            if (!ec && n != 0) {
                if (scratch[n - 1] != '\n') {
                    scratch[n] = '\n';
                    co_return std::string_view(scratch.data(), n + 1);
                }
                co_return std::string_view(scratch.data(), n);
            }
            if (ec && ec != net::error::would_block && ec != net::error::try_again) {
                throw boost::system::system_error(ec, "coropipe: receive");
            }
            if (ec && stopped_) {
                co_return std::string_view{}; // what was queued is read: the end
            }
            if (ec) {
                boost::system::error_code wait_ec;
                co_await socket_->async_wait(Socket::wait_read, net::redirect_error(net::use_awaitable, wait_ec));
                if (wait_ec && !stopped_) {
                    throw boost::system::system_error(wait_ec, "coropipe: receive");
                }
            }
        }
    }

    /// Ends the input once the datagrams already queued in the socket are
    /// read (nothing received is lost). Call it on the run's executor.
    void stop() {
        stopped_ = true;
        boost::system::error_code ignored;
        socket_->cancel(ignored);
    }

private:
    Socket* socket_;
    bool stopped_ = false;
};

} // namespace coropipe::asio
