#include <coropipe/detail/line_reader.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/lines.hpp>

#include <algorithm>
#include <cerrno>
#include <istream>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace coropipe::detail {

line_reader::line_reader(int fd) noexcept : fd_(fd) {}

line_reader::line_reader(std::istream& in) noexcept : stream_(&in) {}

line_reader::line_reader(const std::filesystem::path& path) : path_(path.string()) {
    do {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) {
        throw std::system_error(errno, std::system_category(), "lines: cannot open '" + path_ + "'");
    }
    owns_fd_ = true;
}

line_reader::line_reader(std::unique_ptr<byte_source> source) noexcept : source_(std::move(source)) {}

line_reader::line_reader(line_reader&& other) noexcept
    : buf_(std::move(other.buf_)),
      capacity_(std::exchange(other.capacity_, 0)),
      pos_(std::exchange(other.pos_, 0)),
      end_(std::exchange(other.end_, 0)),
      fd_(std::exchange(other.fd_, -1)),
      owns_fd_(std::exchange(other.owns_fd_, false)),
      eof_(other.eof_),
      stream_(std::exchange(other.stream_, nullptr)),
      source_(std::move(other.source_)),
      path_(std::move(other.path_)) {}

line_reader& line_reader::operator=(line_reader&& other) noexcept {
    if (this != &other) {
        close_owned();
        buf_ = std::move(other.buf_);
        capacity_ = std::exchange(other.capacity_, 0);
        pos_ = std::exchange(other.pos_, 0);
        end_ = std::exchange(other.end_, 0);
        fd_ = std::exchange(other.fd_, -1);
        owns_fd_ = std::exchange(other.owns_fd_, false);
        eof_ = other.eof_;
        stream_ = std::exchange(other.stream_, nullptr);
        source_ = std::move(other.source_);
        path_ = std::move(other.path_);
    }
    return *this;
}

line_reader::~line_reader() { close_owned(); }

void line_reader::close_owned() noexcept {
    if (owns_fd_) {
        // Not retried on EINTR: on Linux the descriptor is released anyway.
        ::close(fd_);
        owns_fd_ = false;
        fd_ = -1;
    }
}

std::optional<std::string_view> line_reader::next_slow() {
    for (;;) {
        // Everything buffered is known to hold no '\n': search only what
        // the fill adds, so a long line costs linear time.
        const std::size_t searched = end_ - pos_;
        if (!fill()) {
            if (pos_ == end_) {
                return std::nullopt;
            }
            // The last line, without a final '\n'.
            std::string_view last(buf_.get() + pos_, end_ - pos_);
            pos_ = end_;
            return last;
        }
        const char* first = buf_.get() + pos_;
        if (const void* nl = std::memchr(first + searched, '\n', end_ - pos_ - searched)) {
            const std::size_t len = static_cast<const char*>(nl) - first;
            pos_ += len + 1;
            return std::string_view(first, len);
        }
    }
}

std::span<char> line_reader::prepare() {
    const std::size_t kept = end_ - pos_;
    if (capacity_ - end_ < chunk_size) {
        if (capacity_ - kept >= chunk_size) {
            // Room enough once the consumed bytes are dropped.
            std::memmove(buf_.get(), buf_.get() + pos_, kept);
        } else {
            // Only a line longer than the buffer gets here (or the first
            // fill): grow geometrically, so a long line is copied O(1) times
            // per byte.
            const std::size_t capacity = std::max({2 * capacity_, kept + chunk_size, 2 * chunk_size});
            auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
            if (kept != 0) {
                std::memcpy(bigger.get(), buf_.get() + pos_, kept);
            }
            buf_ = std::move(bigger);
            capacity_ = capacity;
        }
        pos_ = 0;
        end_ = kept;
    }
    return {buf_.get() + end_, capacity_ - end_};
}

bool line_reader::fill() {
    if (eof_) {
        return false;
    }
    // Exactly one chunk: reads of a regular file stay aligned to 64 KiB.
    const std::size_t n = read_some(prepare().data(), chunk_size);
    if (n == 0) {
        eof_ = true;
        return false;
    }
    end_ += n;
    return true;
}

std::size_t line_reader::read_some(char* dest, std::size_t size) {
    if (source_ != nullptr) {
        return source_->read_some(dest, size);
    }
    if (stream_ != nullptr) {
        stream_->read(dest, static_cast<std::streamsize>(size));
        if (stream_->bad()) {
            throw std::system_error(std::make_error_code(std::errc::io_error), "lines: cannot read stream");
        }
        return static_cast<std::size_t>(stream_->gcount());
    }
    for (;;) {
        const ssize_t n = ::read(fd_, dest, size);
        if (n >= 0) {
            return static_cast<std::size_t>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            // A non-blocking descriptor: wait for it rather than spin.
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, -1) >= 0 || errno == EINTR) {
                continue;
            }
        }
        throw_read_error(errno);
    }
}

void line_reader::throw_read_error(int err) const {
    std::string what = path_.empty() ? "fd " + std::to_string(fd_) : "'" + path_ + "'";
    throw std::system_error(err, std::system_category(), "lines: cannot read " + what);
}

// The coroutine bodies are thin: all the work is in line_reader. Each one
// creates its reader inside the body, so a path is opened at the first
// begin() and closed when the generator is destroyed, even early.

generator<std::string_view> lines_from_fd(int fd) {
    line_reader reader(fd);
    while (std::optional<std::string_view> line = reader.next()) {
        co_yield *line;
    }
}

generator<std::string_view> lines_from_stream(std::istream& in) {
    line_reader reader(in);
    while (std::optional<std::string_view> line = reader.next()) {
        co_yield *line;
    }
}

generator<std::string_view> lines_from_path(std::filesystem::path path) {
    line_reader reader(path);
    while (std::optional<std::string_view> line = reader.next()) {
        co_yield *line;
    }
}

} // namespace coropipe::detail
