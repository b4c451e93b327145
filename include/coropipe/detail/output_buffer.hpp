#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <iosfwd>
#include <memory>
#include <string_view>
#include <type_traits>

namespace coropipe::detail {

/// `std::to_chars(first, last, value)`: a number in its shortest round-trip
/// form, with a fast path for the small whole numbers that logs are full of
/// (latencies, counts). Below 10^5 the fixed form of a whole number is never
/// longer than the exponent form (`10000` vs `1e+04`), so it is the integer's
/// digits. (-0 takes the slow path, which keeps its sign.)
template <class Number>
std::to_chars_result to_chars_shortest(char* first, char* last, Number value) noexcept {
    if constexpr (std::is_same_v<Number, double>) {
        constexpr double fixed_below = 100000;
        if (value > -fixed_below && value < fixed_below && !(value == 0 && std::signbit(value))) {
            const auto whole = static_cast<int>(value);
            if (static_cast<double>(whole) == value) {
                return std::to_chars(first, last, whole);
            }
        }
    }
    return std::to_chars(first, last, value);
}

/// Writes all of `bytes` to descriptor `fd` with write(2), looping over
/// partial writes, retrying EINTR and waiting (poll) on EAGAIN. A failed
/// write throws `std::system_error` with its errno.
void write_all(int fd, std::string_view bytes);

/// A 64 KiB output buffer in front of a file descriptor or an ostream:
/// what `coropipe::print` writes through.
///
/// - Written out when full, by `flush()`, and by the destructor (so a sink
///   destroyed early loses nothing it accepted). In line-buffered mode,
///   `end_line()` flushes too.
/// - A descriptor is written with write(2), looping over partial writes
///   and retrying EINTR (and waiting on EAGAIN). A failed write throws
///   `std::system_error` with its errno (EPIPE for a closed pipe, when
///   SIGPIPE is ignored) and drops what was buffered.
/// - An ostream gets `write()` calls; `flush()` also flushes it. A stream
///   that goes bad throws `std::system_error` (io_error).
/// - The destructor's flush ignores errors: call `flush()` to see them.
///
/// Neither the descriptor nor the stream is owned. Not thread-safe.
class output_buffer {
public:
    static constexpr std::size_t capacity = 64 * 1024;

    output_buffer(int fd, bool line_buffered);
    output_buffer(std::ostream& out, bool line_buffered);
    output_buffer(const output_buffer&) = delete;
    output_buffer& operator=(const output_buffer&) = delete;
    ~output_buffer();

    void append(std::string_view s) {
        if (s.size() <= capacity - size_) {
            if (!s.empty()) {
                std::memcpy(buf_.get() + size_, s.data(), s.size());
            }
            size_ += s.size();
        } else {
            append_slow(s);
        }
    }

    void put(char c) {
        if (size_ == capacity) {
            write_buffer();
        }
        buf_[size_++] = c;
    }

    /// Ends an element: '\n', and a flush when line-buffered.
    void end_line() {
        put('\n');
        if (line_buffered_) {
            flush();
        }
    }

    /// A number in `std::to_chars`' shortest round-trip form.
    template <class Number>
    void append_number(Number value) {
        constexpr std::size_t max_chars = 128; // > any integer or floating type's shortest form
        if (capacity - size_ < max_chars) {
            write_buffer();
        }
        char* first = buf_.get() + size_;
        const std::to_chars_result r = to_chars_shortest(first, buf_.get() + capacity, value);
        size_ += static_cast<std::size_t>(r.ptr - first);
    }

    /// An ostream whose output is appended here, for elements printed with
    /// `operator<<`. Errors from writing come out of the `<<` unchanged.
    std::ostream& formatter();

    /// Writes everything buffered, then flushes an ostream target.
    void flush();

private:
    struct format_state;

    void append_slow(std::string_view s);
    void write_buffer();
    void write_out(const char* data, std::size_t size);

    std::unique_ptr<char[]> buf_;
    std::size_t size_ = 0;
    int fd_ = -1;
    std::ostream* stream_ = nullptr;
    bool line_buffered_ = false;
    bool failed_ = false;
    std::unique_ptr<format_state> format_;
};

} // namespace coropipe::detail
