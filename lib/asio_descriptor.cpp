#include <coropipe/asio/descriptor.hpp>
#include <coropipe/asio/stream_source.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace coropipe::asio {

namespace {

int dup_or_throw(int fd) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        throw std::system_error(errno, std::system_category(), "coropipe: fd " + std::to_string(fd));
    }
    return copy;
}

} // namespace

descriptor_source::descriptor_source(const net::any_io_executor& executor, int fd)
    : stream_(executor, dup_or_throw(fd)) {
    // A regular file is accepted too: Asio's epoll reactor leaves it out of
    // epoll (EPERM) and its reads never wait.
    stream_.non_blocking(true);
}

std::optional<std::string_view> descriptor_source::try_read_chunk() { return detail::try_read_some(stream_); }

descriptor_sink::descriptor_sink(const net::any_io_executor& executor, int fd)
    : stream_(executor, dup_or_throw(fd)) {}

net::awaitable<void> descriptor_sink::write(std::string_view bytes) {
    co_await async_write(bytes, net::use_awaitable);
}

} // namespace coropipe::asio
