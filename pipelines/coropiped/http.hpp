#pragma once
// /metrics (Prometheus text format) and /health over HTTP/1.1 (Boost.Beast).

#include "config.hpp"
#include "metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace coropiped {

class metrics_server {
public:
    /// Binds `at` now (an error throws, naming the address). With `auth`
    /// (`USER:SHA256HEX`), every request must carry HTTP basic auth of that
    /// user and a password of that SHA-256, or gets 401; without, a warning
    /// is logged when `at` is not a loopback address.
    metrics_server(boost::asio::io_context& io, const endpoint& at, metrics_registry& metrics, std::string auth = {});
    /// Starts accepting (one short coroutine per request, each connection
    /// closed after its response).
    void start();
    /// Stops accepting; /health answers 503 from now on.
    void stop();
    /// `127.0.0.1:9100`: where it listens.
    std::string local_address() const;

private:
    std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    metrics_registry& metrics_;
    std::shared_ptr<const std::string> auth_;
    std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace coropiped
