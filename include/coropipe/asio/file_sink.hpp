#pragma once

#include <coropipe/asio/run.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace coropipe::asio {

/// A sink appending to a file, or writing to a descriptor that is a regular
/// file (a redirected stdout, say).
///
/// - Writes with write(2) at once, retrying EINTR and short writes: a
///   regular file is always "ready", so waiting on the reactor would not
///   help; the write takes the event loop's thread for as long as the disk
///   needs. For pipes, ttys and sockets use `stream_sink`.
/// - `file_sink(path)` opens with O_APPEND | O_CREAT (mode 0644) now, throws
///   `std::system_error` naming the file, owns the descriptor, and
///   `reopen()`s it by path (logrotate). `file_sink(fd)` only references
///   the descriptor.
/// - Errors throw `std::system_error` naming the file.
/// - Move-only; the pipeline takes it by value.
class file_sink {
public:
    explicit file_sink(const std::filesystem::path& path);
    explicit file_sink(int fd) noexcept;
    file_sink(file_sink&& other) noexcept;
    file_sink& operator=(file_sink&& other) noexcept;
    ~file_sink();

    net::awaitable<void> write(std::string_view bytes) {
        write_now(bytes);
        co_return;
    }
    net::awaitable<void> finish() { co_return; }

    /// Writes `bytes` now (what `async_run` calls: no coroutine frame).
    void write_now(std::string_view bytes);
    void finish_now() noexcept {}
    /// Closes and opens the path again (after a rotation). Only for a sink
    /// made from a path.
    void reopen();

private:
    int fd_ = -1;
    bool owns_ = false;
    std::string path_;
};

} // namespace coropipe::asio
