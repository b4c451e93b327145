#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace coropipe::asio {

/// What a Redis request can fail with, beside Asio's own errors
/// (`operation_aborted` when cancelled or when the client is closed).
///
/// The first group classifies an error reply of the server (the reply, or
/// `redis_client::status().last_error`, holds its text); the second is the
/// connection's.
enum class redis_errc {
    // The server answered with an error.
    server_error = 1, ///< an error reply of no kind below ("ERR ...")
    wrong_type,       ///< WRONGTYPE: the key holds another type (a stream that is not a stream)
    no_group,         ///< NOGROUP: no such consumer group, or no such stream
    busy_group,       ///< BUSYGROUP: the consumer group exists already
    auth_failed,      ///< NOAUTH, WRONGPASS, or AUTH refused: the handshake cannot succeed as configured
    loading,          ///< LOADING: the server is loading its data set (retried by the handshake)
    // The connection failed.
    connection_lost, ///< the connection dropped after the request was written: it may have run
    timed_out,       ///< no reply within the response timeout (the connection is reset), or not written within the queue timeout
    reply_too_large, ///< a reply larger than `redis_options::max_reply_bytes` (the connection is reset)
    protocol_error,  ///< bytes that are not RESP, or a reply with no request (the connection is reset)
    unexpected_reply ///< a reply whose shape the stream helper does not know
};

/// The category of `redis_errc`, named "coropipe.redis".
const boost::system::error_category& redis_category() noexcept;

inline boost::system::error_code make_error_code(redis_errc e) noexcept {
    return {static_cast<int>(e), redis_category()};
}

} // namespace coropipe::asio

template <>
struct boost::system::is_error_code_enum<coropipe::asio::redis_errc> : std::true_type {};
