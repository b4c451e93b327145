#pragma once
// /metrics (Prometheus text format) and /health over HTTP/1.1 (Boost.Beast).

#include "metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>

namespace coropiped {

class metrics_server {
public:
    metrics_server(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at,
                   metrics_registry& metrics);
    /// Starts accepting (one short coroutine per request, each connection
    /// closed after its response).
    void start();
    /// Stops accepting; /health answers 503 from now on.
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_->local_endpoint(); }

private:
    std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    metrics_registry& metrics_;
    std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace coropiped
