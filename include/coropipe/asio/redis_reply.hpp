#pragma once

#include <coropipe/asio/redis_error.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace coropipe::asio {

/// One reply of the Redis server (RESP2), as a tree of values. Strings are
/// bytes as the server sent them: NUL bytes and invalid UTF-8 included.
struct redis_reply {
    enum class kind : std::uint8_t {
        nil,     ///< a missing value (`$-1`, `*-1`)
        string,  ///< a bulk string, in `str`
        status,  ///< a simple string ("OK", "PONG"), in `str`
        error,   ///< an error reply ("WRONGTYPE ..."), in `str`
        integer, ///< in `integer`
        array    ///< in `elements`
    };

    kind type = kind::nil;
    std::string str;
    long long integer = 0;
    std::vector<redis_reply> elements;

    bool is_error() const noexcept { return type == kind::error; }
    bool is_nil() const noexcept { return type == kind::nil; }

    /// For an error reply, its kind from the text's first word (WRONGTYPE →
    /// `redis_errc::wrong_type`, ..., anything else `server_error`); an
    /// empty code for any other reply.
    boost::system::error_code error() const noexcept;
};

} // namespace coropipe::asio
