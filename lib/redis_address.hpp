#pragma once
// Where a `redis_client` connects: "host:port", "[IPv6]:port" or "unix:PATH".

#include <string>

namespace coropipe::asio::detail {

/// Where a `redis_client` connects, parsed from `redis_options::address`.
struct redis_address {
    bool unix_socket = false;
    std::string path; // unix_socket
    std::string host; // TCP
    std::string port;

    /// Throws `coropipe::error` naming the address.
    static redis_address parse(const std::string& address);
};

} // namespace coropipe::asio::detail
