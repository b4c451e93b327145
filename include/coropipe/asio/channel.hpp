#pragma once

#include <coropipe/asio/run.hpp>

#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace coropipe::asio {

/// A bounded queue of byte batches between two pipeline segments on one
/// thread (an `io_context` run by one thread, or a strand).
using line_channel = net::experimental::channel<void(boost::system::error_code, std::string)>;
/// The same, for segments on different threads (a `thread_pool`).
using concurrent_line_channel = net::experimental::concurrent_channel<void(boost::system::error_code, std::string)>;

/// Ends a segment in a channel: each batch of output lines is one message.
/// A full channel suspends the segment, which then reads no more input: a
/// channel of capacity N holds at most N batches, each the output of one
/// chunk of input (≤ 64 KiB for filters), so memory is bounded in bytes.
/// At the end of the output it sends an empty message, the end-of-stream
/// mark its `channel_source` stops at. References `channel`.
template <class Channel>
class channel_sink {
public:
    explicit channel_sink(Channel& channel) noexcept : channel_(&channel) {}

    net::awaitable<void> write(std::string_view bytes) {
        co_await channel_->async_send(boost::system::error_code{}, std::string(bytes), net::use_awaitable);
    }
    net::awaitable<void> finish() {
        co_await channel_->async_send(boost::system::error_code{}, std::string{}, net::use_awaitable);
    }

private:
    Channel* channel_;
};

/// Starts a segment from a channel fed by a `channel_sink`; ends at its
/// end-of-stream mark. A closed channel throws `channel_closed`;
/// cancellation throws `operation_aborted`. References `channel`.
template <class Channel>
class channel_source {
public:
    explicit channel_source(Channel& channel) noexcept : channel_(&channel) {}

    net::awaitable<std::string_view> read_chunk() {
        held_ = co_await channel_->async_receive(net::use_awaitable);
        co_return std::string_view(held_);
    }

private:
    Channel* channel_;
    std::string held_; // the message being split; kept until the next read
};

} // namespace coropipe::asio
