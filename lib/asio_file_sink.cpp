#include <coropipe/asio/file_sink.hpp>

#include <cerrno>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace coropipe::asio {

namespace {

int open_append(const std::string& path) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        throw std::system_error(errno, std::system_category(), "coropipe: cannot open '" + path + "'");
    }
    return fd;
}

} // namespace

file_sink::file_sink(const std::filesystem::path& path) : path_(path.string()) {
    fd_ = open_append(path_);
    owns_ = true;
}

file_sink::file_sink(int fd) noexcept : fd_(fd) {}

file_sink::file_sink(file_sink&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), owns_(std::exchange(other.owns_, false)), path_(std::move(other.path_)) {}

file_sink& file_sink::operator=(file_sink&& other) noexcept {
    if (this != &other) {
        if (owns_) {
            ::close(fd_);
        }
        fd_ = std::exchange(other.fd_, -1);
        owns_ = std::exchange(other.owns_, false);
        path_ = std::move(other.path_);
    }
    return *this;
}

file_sink::~file_sink() {
    if (owns_) {
        ::close(fd_);
    }
}

void file_sink::write_now(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const std::string what = path_.empty() ? "fd " + std::to_string(fd_) : "'" + path_ + "'";
            throw std::system_error(errno, std::system_category(), "coropipe: cannot write " + what);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void file_sink::reopen() {
    const int fd = open_append(path_); // the old one stays if this fails
    ::close(fd_);
    fd_ = fd;
}

} // namespace coropipe::asio
