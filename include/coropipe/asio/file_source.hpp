#pragma once

#include <coropipe/asio/run.hpp>
#include <coropipe/detail/follow.hpp>
#include <coropipe/stages/follow.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

namespace coropipe::asio {

/// A source following a file as `coropipe -f` and `tail -F` do: what is in
/// it, then what is appended, across rename+create rotation and truncation
/// (see `coropipe::follow` in coropipe/stages/follow.hpp: the same
/// `file_follower` does the work here, without blocking).
///
/// - Waits on the follower's inotify descriptor through the reactor (or,
///   where inotify is not available, a timer of
///   `file_follower::poll_interval_ms`); reads into the thread's scratch
///   buffer, so an idle followed file holds no read buffer.
/// - Never ends by itself: end the run by cancellation, by `stop()`, or by
///   stages that finish. Read errors throw `std::system_error` naming the
///   path.
/// - Owns the follower and its descriptors.
class followed_file {
public:
    followed_file(const net::any_io_executor& executor, std::filesystem::path path, follow_options options = {});

    net::awaitable<std::string_view> read_chunk() { return detail::read_chunk_of(this); }

    /// The callback level (`waiting_source`): what the file has now, and a
    /// wait for inotify events (or the polling timer).
    std::optional<std::string_view> try_read_chunk();
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return net::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler) {
                auto after = [this](boost::system::error_code ec) { return after_wait(ec); };
                detail::adapted_handler<decltype(handler), decltype(after)> waiter{std::move(handler), after};
                if (events_.is_open()) {
                    events_.async_wait(net::posix::stream_descriptor::wait_read, std::move(waiter));
                } else {
                    timer_.expires_after(
                        std::chrono::milliseconds(coropipe::detail::file_follower::poll_interval_ms));
                    timer_.async_wait(std::move(waiter));
                }
            },
            token);
    }

    /// Ends the input: what is there now is still read, then `read_chunk`
    /// returns empty instead of waiting. Call it on the run's executor.
    void stop();

    /// The follower, for its counters and position.
    coropipe::detail::file_follower& follower() noexcept { return *follower_; }

private:
    /// Drains the events; keeps an error for `try_read_chunk` to throw.
    boost::system::error_code after_wait(boost::system::error_code ec);

    std::unique_ptr<coropipe::detail::file_follower> follower_;
    net::posix::stream_descriptor events_; // a dup of the inotify descriptor
    net::steady_timer timer_;             // without inotify
    bool stopped_ = false;
    boost::system::error_code wait_error_; // thrown, naming the file, by the next read
};

} // namespace coropipe::asio
