#pragma once
// /metrics (Prometheus text format) and /health over HTTP/1.1 (Boost.Beast).

#include "config.hpp"
#include "metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>

namespace coropiped {

class metrics_server {
public:
    /// Binds `at` now (an error throws, naming the address).
    metrics_server(boost::asio::io_context& io, const endpoint& at, metrics_registry& metrics);
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
    std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace coropiped
