#include <coropipe/asio/file_source.hpp>
#include <coropipe/detail/line_splitter.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <span>
#include <system_error>
#include <utility>

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

std::optional<std::string_view> followed_file::try_read_chunk() {
    if (wait_error_) {
        const boost::system::error_code ec = std::exchange(wait_error_, {});
        throw boost::system::system_error(ec, "coropipe: following " + follower_->path().string());
    }
    const std::span<char> scratch = coropipe::detail::read_scratch();
    const std::size_t n = follower_->read_available(scratch.data(), scratch.size());
    if (n != 0) {
        return std::string_view(scratch.data(), n);
    }
    if (stopped_) {
        return std::string_view{};
    }
    return std::nullopt;
}

boost::system::error_code followed_file::after_wait(boost::system::error_code ec) {
    if (!ec && events_.is_open()) {
        follower_->drain_events();
    }
    if (stopped_) {
        return {}; // stop() cancelled the wait: read what is left, then the end
    }
    if (ec == net::error::operation_aborted) {
        return ec; // the run is cancelled
    }
    wait_error_ = ec;
    return {};
}

void followed_file::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    events_.cancel(ignored);
    timer_.cancel();
}

} // namespace coropipe::asio
