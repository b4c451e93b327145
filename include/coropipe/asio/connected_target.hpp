#pragma once

#include <coropipe/asio/queued_sink.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>

namespace coropipe::asio {

/// The base of a `sink_target` that writes to a peer over a connection it
/// makes itself (`make_tcp_target`'s, the daemon's TLS sink): its
/// `async_write_some` runs the coroutine `write` on the target's executor.
class connected_target : public sink_target {
public:
    /// Starts `write(bytes)` on `executor()` (not inside the caller) and
    /// hands its result to `handler`; were `write` to throw (bad_alloc),
    /// the handler gets `error::fault` and 0.
    void async_write_some(std::string_view bytes, write_handler handler) final;

protected:
    explicit connected_target(net::any_io_executor executor) : executor_(std::move(executor)) {}

    /// Connects if it has to, then writes `bytes`: the error, and how many
    /// were written (0 when the connection broke: the batch is sent again
    /// whole on the next one). Does not throw.
    virtual net::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(std::string_view bytes) = 0;

    /// Resolves `host:port` and connects `socket` (closed, or new) to the
    /// first address that answers: the error if none does. `socket` must
    /// outlive the wait.
    net::awaitable<boost::system::error_code> connect(net::ip::tcp::socket& socket, std::string host,
                                                      std::string port);

    /// Whether the peer of the connected socket `fd` has shut down or reset
    /// (a peek finds EOF or an error): checked before writing, where the
    /// bytes would be lost. Never blocks.
    static bool peer_closed(int fd) noexcept;

    const net::any_io_executor& executor() const noexcept { return executor_; }

private:
    net::any_io_executor executor_;
};

} // namespace coropipe::asio
