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

namespace detail {

/// What a non-blocking stream has now, read into the thread's scratch
/// buffer: bytes, empty at EOF, nothing when it would block.
template <class Stream>
std::optional<std::string_view> try_read_some(Stream& stream) {
    const std::span<char> scratch = coropipe::detail::read_scratch();
    boost::system::error_code ec;
    const std::size_t n = stream.read_some(net::buffer(scratch.data(), scratch.size()), ec);
    if (!ec) {
        return std::string_view(scratch.data(), n);
    }
    if (ec == net::error::eof) {
        return std::string_view{};
    }
    if (ec == net::error::would_block || ec == net::error::try_again) {
        return std::nullopt;
    }
    throw boost::system::system_error(ec, "coropipe: read");
}

} // namespace detail

/// A source reading a byte stream: a TCP or unix stream socket, or a
/// `posix::stream_descriptor` (a pipe, a tty, stdin when it is not a
/// regular file).
///
/// - Reads without a buffer of its own: it waits for the stream to be
///   readable (`async_wait`), then reads what is there into the thread's
///   64 KiB scratch buffer, which the pipeline splits at once. An idle
///   stream costs no buffer, and a waiting `async_run` is one reactor
///   operation: that is what lets 100,000 pipelines wait.
/// - Puts the stream in non-blocking mode.
/// - References `stream`, which must outlive the pipeline; it is not closed.
/// - Ends at EOF (the peer shut down); errors throw `system_error`.
template <class Stream>
class stream_source {
public:
    explicit stream_source(Stream& stream) : stream_(&stream) { stream_->non_blocking(true); }

    net::awaitable<std::string_view> read_chunk() { return detail::read_chunk_of(this); }

    /// The callback level (`waiting_source`): what the stream has now, and
    /// a wait for readability.
    std::optional<std::string_view> try_read_chunk() { return detail::try_read_some(*stream_); }
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return stream_->async_wait(Stream::wait_read, std::forward<Token>(token));
    }

private:
    Stream* stream_;
};

} // namespace coropipe::asio
