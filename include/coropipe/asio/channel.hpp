#pragma once

#include <coropipe/asio/run.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/basic_channel.hpp>
#include <boost/asio/experimental/basic_concurrent_channel.hpp>
#include <boost/asio/experimental/channel_error.hpp>
#include <boost/asio/experimental/channel_traits.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace coropipe::asio {

namespace detail {

/// Asio's channel traits, with the buffered messages in a `std::list`: the
/// default `std::deque` allocates ~600 bytes when the channel is created,
/// even if it never holds a message; a list allocates per message held.
template <class... Signatures>
struct list_channel_traits : net::experimental::channel_traits<Signatures...> {
    template <class... NewSignatures>
    struct rebind {
        using other = list_channel_traits<NewSignatures...>;
    };
    template <class Element>
    struct container {
        using type = std::list<Element>;
    };
};

} // namespace detail

/// A bounded queue of byte batches between two pipeline segments on one
/// thread (an `io_context` run by one thread, or a strand). An
/// `experimental::channel` (the same interface), that costs no memory for
/// its buffer while it is empty.
using line_channel = net::experimental::basic_channel<net::any_io_executor, detail::list_channel_traits<>,
                                                      void(boost::system::error_code, std::string)>;
/// The same, for segments on different threads (a `thread_pool`).
using concurrent_line_channel =
    net::experimental::basic_concurrent_channel<net::any_io_executor, detail::list_channel_traits<>,
                                                void(boost::system::error_code, std::string)>;

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

    net::awaitable<void> write(std::string_view bytes) { co_await async_write(bytes, net::use_awaitable); }
    net::awaitable<void> finish() { co_await async_finish(net::use_awaitable); }

    /// The callback level `async_run` uses: one `async_send` each,
    /// completing with `void(error_code)`.
    template <class Token>
    auto async_write(std::string_view bytes, Token&& token) {
        return channel_->async_send(boost::system::error_code{}, std::string(bytes), std::forward<Token>(token));
    }
    template <class Token>
    auto async_finish(Token&& token) {
        return channel_->async_send(boost::system::error_code{}, std::string{}, std::forward<Token>(token));
    }

private:
    Channel* channel_;
};

/// Starts a segment from a channel fed by a `channel_sink`; ends at its
/// end-of-stream mark. A closed channel throws `channel_closed`;
/// cancellation (of the run, or of the channel) throws `operation_aborted`.
/// References `channel`.
///
/// Holds the message being split until the next read; none while it waits.
template <class Channel>
class channel_source {
public:
    explicit channel_source(Channel& channel) noexcept : channel_(&channel) {}

    net::awaitable<std::string_view> read_chunk() { return detail::read_chunk_of(this); }

    /// The callback level (`waiting_source`): a message already in the
    /// channel (or received by the last wait), and a wait that receives one.
    std::optional<std::string_view> try_read_chunk() {
        if (!std::exchange(received_, false)) {
            boost::system::error_code error;
            const bool got = channel_->try_receive([this, &error](boost::system::error_code ec, std::string message) {
                error = ec;
                held_ = std::move(message);
            });
            if (!got) {
                return std::nullopt;
            }
            if (error) {
                throw boost::system::system_error(error, "coropipe: channel");
            }
        }
        return std::string_view(held_);
    }
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        held_ = std::string(); // the last message is split: no buffer while waiting
        return net::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler) {
                auto keep = [this](boost::system::error_code ec, std::string message) {
                    held_ = std::move(message);
                    received_ = !ec;
                    // A cancelled run reports operation_aborted, whatever it waited on.
                    return ec == net::experimental::error::channel_cancelled
                               ? boost::system::error_code(net::error::operation_aborted)
                               : ec;
                };
                channel_->async_receive(
                    detail::adapted_handler<decltype(handler), decltype(keep)>{std::move(handler), keep});
            },
            token);
    }

private:
    Channel* channel_;
    std::string held_;      // the message being split; kept until the next read
    bool received_ = false; // a wait has put a message in `held_`
};

} // namespace coropipe::asio
