#include <coropipe/asio/file_source.hpp>
#include <coropipe/detail/line_splitter.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <chrono>
#include <system_error>

#include <fcntl.h>

namespace coropipe::asio {

followed_file::followed_file(const net::any_io_executor& executor, std::filesystem::path path,
                             follow_options options)
    : follower_(std::make_unique<coropipe::detail::file_follower>(std::move(path), options.start,
                                                                   std::move(options.on_event), options.resume)),
      events_(executor),
      timer_(executor) {
    if (follower_->wait_handle() >= 0) {
        const int copy = ::fcntl(follower_->wait_handle(), F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            throw std::system_error(errno, std::system_category(), "coropipe: inotify");
        }
        events_.assign(copy);
    }
}

net::awaitable<std::string_view> followed_file::read_chunk() {
    for (;;) {
        const std::span<char> scratch = coropipe::detail::read_scratch();
        const std::size_t n = follower_->read_available(scratch.data(), scratch.size());
        if (n != 0) {
            co_return std::string_view(scratch.data(), n);
        }
        if (stopped_) {
            co_return std::string_view{};
        }
        boost::system::error_code ec;
        if (events_.is_open()) {
            co_await events_.async_wait(net::posix::stream_descriptor::wait_read,
                                        net::redirect_error(net::use_awaitable, ec));
            if (!ec) {
                follower_->drain_events();
            }
        } else {
            timer_.expires_after(std::chrono::milliseconds(coropipe::detail::file_follower::poll_interval_ms));
            co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
        if (ec && !stopped_) {
            throw boost::system::system_error(ec, "coropipe: following " + follower_->path().string());
        }
    }
}

void followed_file::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    events_.cancel(ignored);
    timer_.cancel();
}

} // namespace coropipe::asio
