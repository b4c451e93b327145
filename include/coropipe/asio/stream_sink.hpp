#pragma once

#include <coropipe/asio/run.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <string_view>
#include <utility>

namespace coropipe::asio {

/// A sink writing to a byte stream: a TCP or unix stream socket, a pipe or
/// stdout as a `posix::stream_descriptor`.
///
/// - One `async_write` per batch of lines (everything a chunk of input
///   produced), not one per line; the pipeline reads no more input until it
///   completes, so a slow reader slows the pipeline down (backpressure).
/// - References `stream`, which must outlive the pipeline. With
///   `shutdown_at_end`, a socket's sending side is shut down at the end of
///   the output (the peer sees EOF); otherwise the stream is left as it is.
template <class Stream>
class stream_sink {
public:
    explicit stream_sink(Stream& stream, bool shutdown_at_end = false) noexcept
        : stream_(&stream), shutdown_(shutdown_at_end) {}

    net::awaitable<void> write(std::string_view bytes) { co_await async_write(bytes, net::use_awaitable); }

    net::awaitable<void> finish() {
        finish_now();
        co_return;
    }

    /// The callback level `async_run` uses: one `async_write`, completing
    /// with `void(error_code, std::size_t)`, and the shutdown at the end.
    template <class Token>
    auto async_write(std::string_view bytes, Token&& token) {
        return net::async_write(*stream_, net::buffer(bytes.data(), bytes.size()), std::forward<Token>(token));
    }
    void finish_now() noexcept {
        if constexpr (requires { stream_->shutdown(Stream::shutdown_send); }) {
            if (shutdown_) {
                boost::system::error_code ignored; // the peer may be gone already
                stream_->shutdown(Stream::shutdown_send, ignored);
            }
        }
    }

private:
    Stream* stream_;
    bool shutdown_;
};

} // namespace coropipe::asio
