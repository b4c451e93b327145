#pragma once

#include <coropipe/asio/run.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>

#include <optional>
#include <string_view>
#include <utility>

namespace coropipe::asio {

/// A source reading any descriptor — stdin, a pipe, a tty, a FIFO — or a
/// regular file (stdin redirected from one).
///
/// - Works on a `dup` of `fd` (closed on destruction; `fd` itself is left
///   open), as `stream_source` does: a pipe or tty is read through the
///   reactor, with no buffer held while idle. A regular file is always
///   "ready": it is read a chunk at a time and ends at its current end.
/// - Ends at EOF; errors throw `system_error`.
class descriptor_source {
public:
    descriptor_source(const net::any_io_executor& executor, int fd);
    descriptor_source(descriptor_source&&) noexcept = default;
    descriptor_source& operator=(descriptor_source&&) noexcept = default;
    ~descriptor_source() = default;

    net::awaitable<std::string_view> read_chunk() { return detail::read_chunk_of(this); }

    /// The callback level (`waiting_source`), as `stream_source`'s.
    std::optional<std::string_view> try_read_chunk();
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return stream_.async_wait(net::posix::stream_descriptor::wait_read, std::forward<Token>(token));
    }

    /// Ends the input: a pending read ends with `operation_aborted`, later
    /// ones with `bad_descriptor`. Call it on the run's executor.
    void close() {
        boost::system::error_code ignored;
        stream_.close(ignored);
    }

private:
    net::posix::stream_descriptor stream_;
};

/// A sink writing any descriptor — stdout, a pipe, a tty, a socket — or a
/// regular file (stdout redirected to one).
///
/// - Works on a `dup` of `fd`, written with `async_write`: a slow pipe
///   reader holds the pipeline back. A regular file's writes never wait.
/// - Errors throw `system_error` (EPIPE when the reader has gone: ignore
///   SIGPIPE in programs that write to pipes).
class descriptor_sink {
public:
    descriptor_sink(const net::any_io_executor& executor, int fd);
    descriptor_sink(descriptor_sink&&) noexcept = default;
    descriptor_sink& operator=(descriptor_sink&&) noexcept = default;
    ~descriptor_sink() = default;

    net::awaitable<void> write(std::string_view bytes);
    net::awaitable<void> finish() { co_return; }

    /// The callback level `async_run` uses: one `async_write`, completing
    /// with `void(error_code, std::size_t)`; nothing to do at the end.
    template <class Token>
    auto async_write(std::string_view bytes, Token&& token) {
        return net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), std::forward<Token>(token));
    }
    void finish_now() noexcept {}

private:
    net::posix::stream_descriptor stream_;
};

} // namespace coropipe::asio
