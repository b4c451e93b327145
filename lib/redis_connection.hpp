#pragma once
// The state behind a `redis_client`: one connection that reconnects, the
// requests queued and in flight, and how each request completes.

#include "redis_address.hpp"
#include "redis_reader.hpp"

#include <coropipe/asio/redis_client.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace coropipe::asio::detail {

using boost::system::error_code;
using clock = std::chrono::steady_clock;

/// How a request completes: turns its replies into the caller's completion
/// arguments and posts the caller's handler.
class redis_completion {
public:
    virtual ~redis_completion() = default;
    /// Posts the handler through `io` (to its associated executor) with `ec`,
    /// or with what `replies` parse into.
    virtual void complete(const net::any_io_executor& io, error_code ec, std::vector<redis_reply>&& replies) = 0;
    virtual net::cancellation_slot slot() const noexcept = 0;
};

/// A completion with the signature `void(error_code, Results...)`: `parse`
/// makes the results from the replies, or sets the error code.
template <class... Results>
class redis_typed_completion final : public redis_completion {
public:
    using handler_type = net::any_completion_handler<void(error_code, Results...)>;
    using parse_fn = std::tuple<Results...> (*)(error_code&, std::vector<redis_reply>&&);

    redis_typed_completion(handler_type handler, parse_fn parse, const net::any_io_executor& io)
        : handler_(std::move(handler)),
          parse_(parse),
          // Outstanding work on the handler's executor until it has run.
          work_(net::prefer(net::get_associated_executor(handler_, io), net::execution::outstanding_work.tracked)) {}

    void complete(const net::any_io_executor& io, error_code ec, std::vector<redis_reply>&& replies) override {
        std::tuple<Results...> results{};
        if (!ec) {
            results = parse_(ec, std::move(replies));
        }
        // HACK(boost-1.81): any_completion_handler's move assignment recurses
        // without end (it wraps itself); only ever move-construct it.
        std::apply(
            [&](Results&... r) { net::post(io, net::append(std::move(handler_), ec, std::move(r)...)); }, results);
    }

    net::cancellation_slot slot() const noexcept override { return handler_.get_cancellation_slot(); }

private:
    handler_type handler_;
    parse_fn parse_;
    net::any_completion_executor work_;
};

/// Makes the completion of a handler with a parse function.
template <class... Results>
std::unique_ptr<redis_completion> make_redis_completion(
    net::any_completion_handler<void(error_code, Results...)> handler,
    std::tuple<Results...> (*parse)(error_code&, std::vector<redis_reply>&&), const net::any_io_executor& io) {
    return std::make_unique<redis_typed_completion<Results...>>(std::move(handler), parse, io);
}

class redis_connection : public std::enable_shared_from_this<redis_connection> {
public:
    redis_connection(const net::any_io_executor& executor, redis_options options);
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;
    ~redis_connection();

    /// Starts connecting (the first attempt is posted).
    void start();
    /// Queues `request`; `completion` runs once its replies are in (or on
    /// failure, cancellation or close).
    void submit(redis_request request, std::unique_ptr<redis_completion> completion);
    void close();
    redis_status status() const;
    const net::any_io_executor& executor() const noexcept { return executor_; }

private:
    struct pending;
    struct cancel_request;
    struct attempt_result {
        error_code ec;
        std::string text;
        bool refused = false; // the server answered the handshake with an error
    };
    using pending_queue = std::deque<std::unique_ptr<pending>>;

    net::awaitable<void> run(std::shared_ptr<redis_connection> self);
    net::awaitable<attempt_result> attempt();
    net::awaitable<attempt_result> connect_socket();
    net::awaitable<attempt_result> tls_handshake();
    net::awaitable<attempt_result> handshake();
    /// One read into `read_buffer_`, over TLS when the connection has it.
    net::awaitable<std::tuple<error_code, std::size_t>> read_some();
    net::awaitable<error_code> read_loop();

    void start_write();
    void on_written(error_code ec, std::uint64_t generation);
    void set_reply_deadlines();
    void on_reply(redis_reply&& reply);
    void drop(error_code reason, std::string text);
    void finish(pending& p, error_code ec);
    void fail(pending_queue& queue, error_code ec);
    void cancel(std::uint64_t id, net::cancellation_type type);
    void arm_watchdog();
    void on_watchdog(std::uint64_t sequence);
    /// When the first request in flight is overdue (max: never).
    clock::time_point reply_due() const;
    /// Applies `change` to the status, then tells `options_.on_state`.
    template <class Change>
    void update_status(Change change);

    net::any_io_executor executor_;
    redis_options options_;
    redis_address address_;
    net::generic::stream_protocol::socket socket_;
    using tls_stream = net::ssl::stream<net::generic::stream_protocol::socket&>;
    // The TLS layer over `socket_` (options_.tls), made afresh per attempt;
    // shared with the write in flight, which may end after a drop.
    std::shared_ptr<tls_stream> tls_;
    std::shared_ptr<net::ssl::context> tls_context_; // the one tls_ was made with (kept alive with it)
    net::ip::tcp::resolver resolver_;
    net::steady_timer connect_timer_;
    net::steady_timer backoff_timer_;
    net::steady_timer watchdog_;
    redis_reader reader_;
    std::vector<char> read_buffer_;
    std::vector<redis_reply> replies_; // parsed from one read

    pending_queue queued_;  // not written yet, in order
    pending_queue written_; // written, awaiting replies, in order
    std::vector<redis_wire_chunk> writing_chunks_; // the bytes of the write in progress
    std::vector<net::const_buffer> writing_buffers_;
    std::size_t writing_count_ = 0; // requests in the write in progress

    bool closed_ = false;
    bool connected_ = false;
    bool attempting_ = false;
    bool attempt_timed_out_ = false;
    bool writing_ = false;
    bool watchdog_armed_ = false;
    clock::time_point watchdog_at_{};
    clock::time_point last_read_{}; // bytes came from the server: a long reply still coming is not overdue
    std::uint64_t watchdog_sequence_ = 0;
    std::uint64_t generation_ = 0; // one per attempt: tells stale completions apart
    std::uint64_t next_id_ = 1;
    error_code drop_reason_;
    std::string drop_text_;

    mutable std::mutex status_mutex_;
    redis_status status_;
};

} // namespace coropipe::asio::detail
