#pragma once
// /metrics (Prometheus text format) and /health over HTTP/1.1 (Boost.Beast),
// or over HTTPS with `[daemon.metrics_tls]`.

#include "config.hpp"
#include "metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <coropipe/asio/listener.hpp> // log_limiter

#include <atomic>
#include <memory>
#include <string>

namespace coropiped {

class tls_context_slot; // tls.hpp

/// What the connections of a metrics_server share.
struct http_state {
    metrics_registry* metrics = nullptr;
    std::string auth;                                 ///< `USER:SHA256HEX`; empty: open
    std::shared_ptr<tls_context_slot> tls;            ///< HTTPS with its context of the moment; null: plain HTTP
    std::atomic<bool> stopping{false};
    coropipe::asio::log_limiter refusals_logged;      ///< TLS clients refused: one line per 10 s, with a count
};

class metrics_server {
public:
    /// Binds `at` now (an error throws, naming the address). With `auth`
    /// (`USER:SHA256HEX`), every request must carry HTTP basic auth of that
    /// user and a password of that SHA-256, or gets 401; without, a warning
    /// is logged when `at` is not a loopback address. With `tls` (a server
    /// context, `make_metrics_context`), HTTPS only: a client whose handshake
    /// fails (plaintext, no or a bad client certificate, 10 s without
    /// finishing) is closed, counted in `coropiped_tls_refused_total
    /// {kind="metrics"}` and logged (rate-limited).
    metrics_server(boost::asio::io_context& io, const endpoint& at, metrics_registry& metrics, std::string auth = {},
                   std::shared_ptr<tls_context_slot> tls = nullptr);
    /// Starts accepting (one short coroutine per request, each connection
    /// closed after its response).
    void start();
    /// Stops accepting; /health answers 503 from now on.
    void stop();
    /// `127.0.0.1:9100`: where it listens.
    std::string local_address() const;
    /// Its TLS context (a reload replaces what it holds); null: plain HTTP.
    const std::shared_ptr<tls_context_slot>& tls() const { return state_->tls; }

private:
    std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::shared_ptr<http_state> state_;
};

} // namespace coropiped
