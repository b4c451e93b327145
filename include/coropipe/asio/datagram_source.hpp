#pragma once

#include <coropipe/asio/run.hpp>
#include <coropipe/detail/line_splitter.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/system_error.hpp>

#include <optional>
#include <span>
#include <string_view>
#include <utility>

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

    net::awaitable<std::string_view> read_chunk() { return detail::read_chunk_of(this); }

    /// Ends the input once the datagrams already queued in the socket are
    /// read (nothing received is lost). Call it on the run's executor.
    void stop() {
        stopped_ = true;
        boost::system::error_code ignored;
        socket_->cancel(ignored);
    }

    /// The callback level (`waiting_source`): the next datagram if one is
    /// queued, and a wait for readability.
    std::optional<std::string_view> try_read_chunk() {
        for (;;) {
            const std::span<char> scratch = coropipe::detail::read_scratch();
            boost::system::error_code ec;
            // One byte kept free for the '\n' a datagram may lack.
            const std::size_t n = socket_->receive(net::buffer(scratch.data(), scratch.size() - 1), 0, ec);
            if (!ec && n != 0) {
                if (scratch[n - 1] != '\n') {
                    scratch[n] = '\n';
                    return std::string_view(scratch.data(), n + 1);
                }
                return std::string_view(scratch.data(), n);
            }
            if (ec && ec != net::error::would_block && ec != net::error::try_again) {
                throw boost::system::system_error(ec, "coropipe: receive");
            }
            if (ec) {
                // What was queued is read: the end if stopped, else wait.
                return stopped_ ? std::optional<std::string_view>(std::string_view{}) : std::nullopt;
            }
        }
    }
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return net::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler) {
                // A wait that stop() cancelled is not an error: read the rest.
                auto after_stop = [this](boost::system::error_code ec) {
                    return stopped_ ? boost::system::error_code{} : ec;
                };
                socket_->async_wait(Socket::wait_read,
                                    detail::adapted_handler<decltype(handler), decltype(after_stop)>{
                                        std::move(handler), after_stop});
            },
            token);
    }

private:
    Socket* socket_;
    bool stopped_ = false;
};

} // namespace coropipe::asio
