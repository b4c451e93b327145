#pragma once

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace coropipe::detail {

/// Reads a byte stream in large chunks and splits it into lines, without
/// allocating per line: each line is a view into the reader's buffer.
///
/// - Reads 64 KiB at a time: `read(2)` for a file descriptor or a
///   path, `istream::read` for a stream. `EINTR` is retried.
/// - `next()` strips the '\n' and keeps everything else byte for byte: a
///   '\r' before the '\n' stays (CRLF lines keep their \r), NUL bytes and
///   invalid UTF-8 pass unchanged. A last line without '\n' is returned too.
/// - The buffer grows only when a single line does not fit, so memory is
///   bounded by the longest line (plus one chunk), not by the input.
/// - Read and open errors throw `std::system_error` with the errno and the
///   path (or "fd N", or "stream") in what().
/// - A reader made from a path owns its descriptor and closes it on
///   destruction; one made from a descriptor or a stream does not own it.
///
/// Not thread-safe; one reader per input.
/// Where a line_reader gets bytes from when it is not a descriptor or a
/// stream: a followed file, say (see coropipe/detail/follow.hpp).
class byte_source {
public:
    virtual ~byte_source() = default;
    /// Reads up to `size` bytes into `dest`, blocking until at least one is
    /// there; 0 means the end of the input. Errors throw.
    virtual std::size_t read_some(char* dest, std::size_t size) = 0;
};

class line_reader {
public:
    /// Reads `fd`, which stays open: the caller owns it.
    explicit line_reader(int fd) noexcept;
    /// Reads `in` with `istream::read`, which blocks until a whole chunk or
    /// the end; for interactive input, read the descriptor instead.
    explicit line_reader(std::istream& in) noexcept;
    /// Opens `path` now (O_RDONLY | O_CLOEXEC) and closes it on destruction.
    explicit line_reader(const std::filesystem::path& path);
    /// Reads from `source`, which the reader owns.
    explicit line_reader(std::unique_ptr<byte_source> source) noexcept;

    line_reader(line_reader&& other) noexcept;
    line_reader& operator=(line_reader&& other) noexcept;
    ~line_reader();

    /// The next line without its '\n', or empty at the end of the input.
    /// The view is valid until the next call to `next()` or `fill()`.
    std::optional<std::string_view> next() {
        const std::size_t size = end_ - pos_;
        if (const void* nl = size != 0 ? std::memchr(buf_.get() + pos_, '\n', size) : nullptr) {
            const char* first = buf_.get() + pos_;
            const std::size_t len = static_cast<const char*>(nl) - first;
            pos_ += len + 1;
            return std::string_view(first, len);
        }
        return next_slow();
    }

    // ---- for fused fast paths (e.g. a whole-buffer search in grep) -----------

    /// The bytes read but not yet consumed: the rest of the current line
    /// and possibly many lines after it. Searching this directly (memmem)
    /// and then `consume`-ing what was handled avoids splitting every line.
    /// Valid until the next `fill()` or `next()`.
    std::string_view buffered() const noexcept { return {buf_.get() + pos_, end_ - pos_}; }

    /// Marks the first `n` bytes of `buffered()` as handled. `n` must not
    /// exceed `buffered().size()`.
    void consume(std::size_t n) noexcept { pos_ += n; }

    /// Reads more input after the bytes still buffered (which are kept, but
    /// may move: views into the buffer are invalidated). Returns false at
    /// the end of the input, when nothing more was read.
    bool fill();

    // ---- for callers that must not split a partial line (coropipe::follow) ----
    /// The next complete line in the buffer (or, once `fill()` has seen the
    /// end, the last unterminated one), without reading; empty when more
    /// input is needed.
    std::optional<std::string_view> next_buffered() {
        const std::size_t size = end_ - pos_;
        if (const void* nl = size != 0 ? std::memchr(buf_.get() + pos_, '\n', size) : nullptr) {
            const char* first = buf_.get() + pos_;
            const std::size_t len = static_cast<const char*>(nl) - first;
            pos_ += len + 1;
            return std::string_view(first, len);
        }
        if (eof_ && size != 0) {
            pos_ = end_;
            return std::string_view(buf_.get() + end_ - size, size);
        }
        return std::nullopt;
    }

    /// True once `fill()` has seen the end of the input.
    bool at_eof() const noexcept { return eof_; }

    /// The size of one read (the buffer always has that much free space).
    static constexpr std::size_t chunk_size = 64 * 1024;

private:
    std::optional<std::string_view> next_slow();
    /// Room for `chunk_size` more bytes after those buffered (which may move).
    std::span<char> prepare();
    std::size_t read_some(char* dest, std::size_t size);
    [[noreturn]] void throw_read_error(int err) const;
    void close_owned() noexcept;

    std::unique_ptr<char[]> buf_;
    std::size_t capacity_ = 0;
    std::size_t pos_ = 0; // first unconsumed byte
    std::size_t end_ = 0; // one past the last byte read
    int fd_ = -1;
    bool owns_fd_ = false;
    bool eof_ = false;
    std::istream* stream_ = nullptr;
    std::unique_ptr<byte_source> source_;
    std::string path_; // for error messages; empty unless opened by path
};

} // namespace coropipe::detail
