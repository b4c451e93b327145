#include <coropipe/detail/output_buffer.hpp>

#include <cerrno>
#include <ostream>
#include <streambuf>
#include <string>
#include <system_error>
#include <utility>

#include <poll.h>
#include <unistd.h>

namespace coropipe::detail {

// An ostream that appends to the output_buffer, so that elements printed
// with operator<< need no temporary string.
struct output_buffer::format_state {
    struct appender final : std::streambuf {
        output_buffer* out;
        explicit appender(output_buffer* o) : out(o) {}
        int_type overflow(int_type c) override {
            if (!traits_type::eq_int_type(c, traits_type::eof())) {
                out->put(traits_type::to_char_type(c));
            }
            return traits_type::not_eof(c);
        }
        std::streamsize xsputn(const char* s, std::streamsize n) override {
            out->append({s, static_cast<std::size_t>(n)});
            return n;
        }
    };

    explicit format_state(output_buffer* out) : buf(out), os(&buf) {
        // With badbit in the mask, libstdc++ rethrows what the streambuf
        // threw (a write error) instead of only setting badbit.
        os.exceptions(std::ios::badbit);
    }

    appender buf;
    std::ostream os;
};

output_buffer::output_buffer(int fd, bool line_buffered)
    : buf_(std::make_unique_for_overwrite<char[]>(capacity)), fd_(fd), line_buffered_(line_buffered) {}

output_buffer::output_buffer(std::ostream& out, bool line_buffered)
    : buf_(std::make_unique_for_overwrite<char[]>(capacity)), stream_(&out), line_buffered_(line_buffered) {}

output_buffer::~output_buffer() {
    if (failed_) {
        return;
    }
    try {
        flush();
    } catch (...) {
        // A destructor cannot report it; callers who care call flush().
    }
}

std::ostream& output_buffer::formatter() {
    if (!format_) {
        format_ = std::make_unique<format_state>(this);
    }
    format_->os.clear();
    return format_->os;
}

void output_buffer::flush() {
    write_buffer();
    if (stream_ != nullptr && !stream_->flush()) {
        failed_ = true;
        throw std::system_error(std::make_error_code(std::errc::io_error), "cannot write to stream");
    }
}

void output_buffer::append_slow(std::string_view s) {
    write_buffer();
    if (s.size() >= capacity) {
        // Too big to buffer: straight out, no copy.
        write_out(s.data(), s.size());
        return;
    }
    std::memcpy(buf_.get(), s.data(), s.size());
    size_ = s.size();
}

void output_buffer::write_buffer() {
    // Emptied first: after a failed write the buffered bytes are dropped,
    // not written again by the destructor.
    write_out(buf_.get(), std::exchange(size_, 0));
}

void output_buffer::write_out(const char* data, std::size_t size) {
    if (size == 0) {
        return;
    }
    if (stream_ != nullptr) {
        if (!stream_->write(data, static_cast<std::streamsize>(size))) {
            failed_ = true;
            throw std::system_error(std::make_error_code(std::errc::io_error), "cannot write to stream");
        }
        return;
    }
    try {
        write_all(fd_, {data, size});
    } catch (...) {
        failed_ = true;
        throw;
    }
}

void write_all(int fd, std::string_view bytes) {
    const char* data = bytes.data();
    std::size_t size = bytes.size();
    while (size != 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n >= 0) {
            data += n;
            size -= static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            // A non-blocking descriptor: wait until it takes more.
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, -1) >= 0 || errno == EINTR) {
                continue;
            }
        }
        throw std::system_error(errno, std::system_category(), "cannot write to fd " + std::to_string(fd));
    }
}

} // namespace coropipe::detail
