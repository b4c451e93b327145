#include "redis_address.hpp"

#include <coropipe/error.hpp>

#include <charconv>
#include <string>
#include <string_view>

#include <sys/un.h>

namespace coropipe::asio::detail {

redis_address redis_address::parse(const std::string& address) {
    const auto fail = [&](const std::string& why) {
        coropipe::detail::throw_error("coropipe: Redis address '" + address + "': " + why);
    };
    redis_address a;
    std::string_view text(address);
    if (text.starts_with("unix:")) {
        a.unix_socket = true;
        a.path = text.substr(5);
        if (a.path.empty()) {
            fail("no socket path after 'unix:'");
        }
        if (a.path.size() >= sizeof(sockaddr_un::sun_path)) {
            fail("the socket path is longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
        }
        return a;
    }
    std::string_view port;
    if (text.starts_with('[')) { // [IPv6]:port
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            fail("no ']' after the IPv6 address");
        }
        a.host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') {
                fail("expected ':PORT' after ']'");
            }
            port = rest.substr(1);
        }
    } else {
        const std::size_t colon = text.find(':');
        if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
            fail("an IPv6 address goes in brackets: [::1]:6379");
        }
        a.host = text.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = text.substr(colon + 1);
        }
    }
    if (a.host.empty()) {
        fail("no host (expected HOST:PORT or unix:PATH)");
    }
    if (port.empty() && text.ends_with(':')) {
        fail("no port after ':'");
    }
    if (port.empty()) {
        a.port = "6379";
    } else {
        unsigned value = 0;
        const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (err != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
            fail("the port must be a number from 1 to 65535");
        }
        a.port = port;
    }
    return a;
}

} // namespace coropipe::asio::detail
