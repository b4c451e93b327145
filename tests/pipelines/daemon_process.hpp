#pragma once
// The daemon as a child process for the tests that run it beside a real
// server (Redis): started and ready, the ports it logged, its memory; and a
// poll of a condition against a deadline that fails loudly.

#include "running_child.hpp"

#include <catch2/catch.hpp>

#include <charconv>
#include <cstdint>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace coropipe::test {

inline const std::string daemon_binary = COROPIPE_BINARY_DIR "/pipelines/coropiped";

/// coropiped on `config`, started and ready (it said so on stderr).
struct daemon_process {
    running_child child;
    explicit daemon_process(const std::string& config) : child({daemon_binary, config}) {
        child.wait_for_err("ready:");
    }

    /// The port after `marker` in the daemon's log ("metrics on http://127.0.0.1:").
    std::uint16_t port_after(const std::string& marker) const {
        const auto at = child.err.find(marker);
        REQUIRE(at != std::string::npos);
        std::uint16_t port = 0;
        std::from_chars(child.err.data() + at + marker.size(), child.err.data() + child.err.size(), port);
        return port;
    }

    /// Its resident memory, in KiB.
    std::size_t rss_kib() const {
        std::ifstream in("/proc/" + std::to_string(child.pid()) + "/status");
        for (std::string line; std::getline(in, line);) {
            if (line.starts_with("VmRSS:")) {
                return std::stoull(line.substr(6));
            }
        }
        return 0;
    }
};

/// A blocking TCP socket connected to 127.0.0.1:`port`.
inline int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

/// The response to GET /metrics from the daemon's HTTP server on `port`.
inline std::string metrics_text(std::uint16_t port) {
    const int fd = connect_loopback(port);
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    std::string response;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
        response.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return response;
}

/// The value of `key` in the daemon's /metrics on `port`.
inline std::uint64_t metric(std::uint16_t port, const std::string& key) {
    const std::string response = metrics_text(port);
    const auto k = response.find(key + " ");
    INFO(response);
    REQUIRE(k != std::string::npos);
    return std::stoull(response.substr(k + key.size() + 1));
}

/// Checks `done()` every 20 ms until it holds; fails after `limit`, naming
/// `what` and saying `why()`.
/// The whole file at `path` ("" if there is none).
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

inline void poll_until(const std::function<bool()>& done, const std::string& what,
                       const std::function<std::string()>& why,
                       std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            FAIL("gave up waiting for " << what << ": " << why());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // a poll interval, not a guess
    }
}

} // namespace coropipe::test
