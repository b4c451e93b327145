#pragma once

#include <coropipe/asio/redis_error.hpp>
#include <coropipe/asio/redis_reply.hpp>
#include <coropipe/asio/redis_request.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace coropipe::asio {

namespace net = boost::asio;

/// Where a `redis_client` stands (for logs and `/metrics`).
enum class redis_state {
    connecting, ///< an attempt is under way: resolving, connecting, AUTH, SELECT
    connected,  ///< requests are written as they come
    down,       ///< the last attempt failed or the connection dropped; waiting to retry
    closed      ///< `close()`d or destroyed: no more attempts
};

/// "connecting", "connected", "down", "closed".
std::string_view to_string(redis_state state) noexcept;

/// A snapshot of a client's connection.
struct redis_status {
    redis_state state = redis_state::connecting;
    /// Why the last attempt failed or the last connection dropped, as
    /// "what: why" ("connect 127.0.0.1:6379: Connection refused",
    /// "AUTH: WRONGPASS invalid username-password pair ..."); empty before any failure.
    std::string last_error{};
    std::uint64_t connections = 0;     ///< handshakes completed: more than 1 means it reconnected
    std::uint64_t failed_attempts = 0; ///< attempts failed in a row since the last connection
    std::chrono::milliseconds retry_in{0}; ///< when `down`: the wait before the next attempt

    bool operator==(const redis_status&) const = default;
};

/// How a `redis_client` connects. Bad values are reported by the
/// constructor (`coropipe::error`).
struct redis_options {
    /// "host:port" (a name, an IPv4 address, or "[IPv6]:port"; the port
    /// defaults to 6379) or "unix:PATH".
    std::string address = "127.0.0.1:6379";
    std::string user{};     ///< with `password`: AUTH user password (an ACL user)
    std::string password{}; ///< AUTH password when not empty
    int database = 0;     ///< SELECT when not 0
    /// TLS (Redis 6+ `tls-port`) when set: each connection does a TLS
    /// handshake with this client context (its CAs, a client certificate if
    /// the server asks for one) before AUTH. The server's certificate must
    /// verify against the context's CAs and carry `tls_server_name` (else the
    /// address's host; an IP address is matched against the certificate's IP
    /// names) — a failure is a refused attempt, retried as any other, whose
    /// reason ("certificate verify failed: unable to get local issuer
    /// certificate") is in `status().last_error`. Not for unix sockets. The
    /// context is shared, not copied: certificates loaded into it later (a
    /// reload) serve from the next connection on.
    std::shared_ptr<net::ssl::context> tls{};
    std::string tls_server_name{}; ///< with `tls`: the name to verify (and SNI); empty: the address's host
    /// When set (with `tls`), asked at each connection attempt for the
    /// context to use instead of `tls`: certificates reloaded by the caller
    /// (a SIGHUP) serve from the next connection, the open one stays.
    /// Called on the client's executor.
    std::function<std::shared_ptr<net::ssl::context>()> tls_current{};
    /// One attempt (resolve, connect, AUTH, SELECT, PING) takes at most this.
    std::chrono::milliseconds connect_timeout{5000};
    /// A written request's replies must come within this (plus its
    /// `redis_request::allow_block` time), or the connection is deemed dead
    /// and reset; a long reply whose bytes keep coming is not cut. 0: no
    /// limit.
    std::chrono::milliseconds response_timeout{10000};
    /// A request may wait this long to be written (while the client is not
    /// connected), then fails with `timed_out`. 0: as long as it takes (the
    /// caller sees backpressure, or cancels).
    std::chrono::milliseconds queue_timeout{0};
    /// The waits between failed attempts: `reconnect_min`, doubling up to
    /// `reconnect_max`. A connection that drops is retried at once first.
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{5000};
    /// A reply larger than this (its strings and the bytes buffered for it)
    /// fails its request with `reply_too_large` and resets the connection.
    std::size_t max_reply_bytes = std::size_t{512} << 20;
    /// Called on the client's executor at each change of `status()` (state,
    /// error, retry time). It may call `close()`.
    std::function<void(const redis_status&)> on_state{};
};

namespace detail {

using redis_replies_handler = net::any_completion_handler<void(boost::system::error_code, std::vector<redis_reply>)>;
using redis_reply_handler = net::any_completion_handler<void(boost::system::error_code, redis_reply)>;

/// The initiations of `async_execute` and `async_command` (lib/redis_client.cpp).
struct initiate_redis_execute {
    std::shared_ptr<redis_connection> connection;
    void operator()(redis_replies_handler handler, redis_request request) const;
};
struct initiate_redis_command {
    std::shared_ptr<redis_connection> connection;
    void operator()(redis_reply_handler handler, redis_request request) const;
};

/// How lib/ reaches a client's connection (the stream helpers).
struct redis_client_access;

} // namespace detail

/// An asynchronous Redis client on an Asio executor: one connection, over
/// TCP (optionally TLS) or a unix socket, that pipelines every request and reconnects by
/// itself. Only the wire protocol is hiredis' (its reply reader and command
/// formatter); the I/O is Asio's (docs/redis.md).
///
/// - **Connecting**: the first attempt starts when the client is made (it
///   runs once the executor runs). Each attempt connects, sends AUTH and
///   SELECT when configured and a PING, all within `connect_timeout`. A failed
///   attempt is retried after `reconnect_min`, doubling up to
///   `reconnect_max`; a connection that drops is retried at once, then so.
///   It never gives up until `close()`. `status()` says where it stands.
/// - **Requests** (`async_execute`, `async_command`) are queued while the
///   client is not connected and written as soon as it is, in the order they
///   were started; all those queued go out in one write. Replies come back
///   in the same order. A request that was written when the connection
///   dropped fails with `connection_lost` (it may have run: retrying it is
///   the caller's choice); one not yet written waits for the next
///   connection. When the server refuses the handshake (a wrong password,
///   say), the requests waiting fail with that error (`auth_failed`, ...),
///   and the client keeps retrying.
/// - **Blocking commands** (XREADGROUP with BLOCK) hold up every request
///   behind them on this connection: use a client of their own. Commands
///   that change how the server replies (SUBSCRIBE, MONITOR, CLIENT REPLY,
///   HELLO 3) are not supported: each command must get one RESP2 reply.
/// - **Errors**: first completion argument. A reply that is an error
///   (WRONGTYPE ...) is a reply like any other for `async_execute`; for
///   `async_command` it is the error code (`redis_reply::error()`), and the
///   reply holds its text.
/// - **Completion** is never inside the initiating function: handlers run on
///   their associated executor (default: the client's).
/// - **Cancellation** (a slot bound to the token): terminal and partial for
///   any request, total for one not yet written. The request completes at
///   once with `operation_aborted`; if it was written, the server still runs
///   it and its replies are read and dropped.
/// - **Threads**: as an Asio socket: start operations and call `close()` from
///   the client's executor (use a strand on a thread pool). `status()` may be
///   called from any thread.
/// - **Destruction** closes the client: requests still pending complete with
///   `operation_aborted`.
class redis_client {
public:
    using executor_type = net::any_io_executor;

    /// Throws `coropipe::error` for an address it cannot use.
    redis_client(const executor_type& executor, redis_options options);
    redis_client(redis_client&&) noexcept = default;
    redis_client& operator=(redis_client&& other) noexcept;
    ~redis_client();

    executor_type get_executor() const noexcept;

    /// Sends every command of `request` (one write) and completes with
    /// `void(error_code, std::vector<redis_reply>)`: one reply per command,
    /// in order, error replies included. An empty request completes with no
    /// replies.
    template <class Token>
    auto async_execute(redis_request request, Token&& token) {
        return net::async_initiate<Token, void(boost::system::error_code, std::vector<redis_reply>)>(
            detail::initiate_redis_execute{impl_}, token, std::move(request));
    }

    /// Sends one command (`args[0]` its name; binary-safe) and completes
    /// with `void(error_code, redis_reply)`. An error reply completes with
    /// its code (`redis_reply::error()`) and the reply holding its text.
    template <class Token>
    auto async_command(std::initializer_list<std::string_view> args, Token&& token) {
        redis_request request;
        request.push(args);
        return net::async_initiate<Token, void(boost::system::error_code, redis_reply)>(
            detail::initiate_redis_command{impl_}, token, std::move(request));
    }

    /// Stops the client: every pending request completes with
    /// `operation_aborted`, the connection is closed and never retried, later
    /// requests complete with `operation_aborted` too.
    void close();

    /// Thread-safe.
    redis_status status() const;

private:
    friend struct detail::redis_client_access;

    std::shared_ptr<detail::redis_connection> impl_;
};

} // namespace coropipe::asio
