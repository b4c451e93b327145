#pragma once
// TLS on tcp sources (RFC 5425): the server context a source's
// `[source.NAME.tls]` table makes, the check of a client's certificate
// against `permitted_peers`, the refusals counted per source and reason, and
// the source that reads a TLS connection. Private to the daemon.

#include "config.hpp"

#include <coropipe/asio/listener.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coropiped {

/// What a TLS server context is made of: certificate, key, client CAs and
/// verification, oldest version, ciphers; `keys` is how the configuration
/// names them in errors (`tls.` of `[source.NAME.tls]`, `metrics_tls.`).
struct server_tls_files {
    std::filesystem::path cert;
    std::filesystem::path key;
    std::filesystem::path ca; ///< empty: no client certificate asked for
    source_config::verify verify = source_config::verify::automatic;
    source_config::tls_version min_version = source_config::tls_version::v1_2;
    std::string ciphers;
    std::string keys = "tls.";
};

/// The server context of `f`. Throws `std::runtime_error` saying which file
/// or setting OpenSSL refused and why.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const server_tls_files& f);

/// The server context of a tcp source with `tls.cert`.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const source_config& c);

/// The server context of `[daemon.metrics_tls]` (client certificates
/// required with `metrics_tls.ca`). Throws `std::runtime_error`
/// (`metrics_listen: cannot set up TLS: ...`).
std::shared_ptr<boost::asio::ssl::context> make_metrics_context(const daemon_config& c);

/// Throws `std::runtime_error` (`cannot read KEY FILE: why`) unless `file`
/// is empty or readable.
void check_readable(const std::filesystem::path& file, const std::string& key);

/// `name` matches `pattern` (case-insensitive; `*.example.com` matches
/// exactly one more label, as rsyslog's PermittedPeer).
bool peer_name_matches(std::string_view pattern, std::string_view name);

/// Whether the verified client certificate `cert` is let in by `permitted`
/// (its DNS subject alternative names, then its common name); empty: any.
/// `names` gets the names it carries, for the log.
bool permitted_peer(const X509* cert, const std::vector<std::string>& permitted, std::string& names);

/// Why a TLS handshake failed, as a short label for /metrics (`expired`,
/// `unknown_ca`, `hostname` (a sink's peer), `no_certificate`, `not_tls`,
/// `bad_certificate`, `handshake`) and the words for the log.
struct tls_failure {
    std::string reason;
    std::string detail;
};
tls_failure classify_handshake_failure(const boost::system::error_code& ec, long verify_result);

/// Counts a TLS handshake refused by (or, for a sink, refused to) the
/// `kind` (`source`, `sink`, `metrics`) named `name`, under `reason`
/// (shown by `tls_metrics_text()` on /metrics). Thread-safe.
void count_tls_refusal(const std::string& kind, const std::string& name, const std::string& reason);

/// The `coropiped_tls_refused_total{kind,name,reason}` counter, Prometheus text.
std::string tls_metrics_text();

/// A TLS context replaced whole by a reload (SIGHUP): a TLS sink's client
/// context, the metrics listener's server context. The next connection uses
/// the new one; an established connection keeps the one it was made with.
/// Thread-safe.
class tls_context_slot {
public:
    explicit tls_context_slot(std::shared_ptr<boost::asio::ssl::context> c) : context_(std::move(c)) {}
    std::shared_ptr<boost::asio::ssl::context> current() const {
        std::lock_guard lock(mutex_);
        return context_;
    }
    void replace(std::shared_ptr<boost::asio::ssl::context> c) {
        std::lock_guard lock(mutex_);
        context_ = std::move(c);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> context_;
};

/// A tcp sink's peer over TLS: connected on the first write and again after
/// a failure, as `make_tcp_target`, with `ctx`'s context of the moment; the
/// peer's certificate must chain to the context's CAs and carry
/// `tls.server_name` (else the address's host), or the handshake fails: the
/// write fails (the queued sink holds the lines and retries), the refusal is
/// counted by reason (`count_tls_refusal("sink", ...)`) and logged, a new
/// reason at once, a repeated one at most once per 10 s.
std::unique_ptr<coropipe::asio::sink_target> make_tls_target(const boost::asio::any_io_executor& executor,
                                                             const sink_config& c,
                                                             std::shared_ptr<tls_context_slot> ctx);

/// A client context (TLS 1.2 or later, the peer verified): trusting `ca` (a
/// PEM file or a hashed directory; empty: the system's CAs), with the client
/// certificate `cert` and its `key` when given. For tcp sinks and Redis
/// connections. Throws `std::runtime_error` ("WHO: cannot use tls.ca FILE:
/// why").
std::shared_ptr<boost::asio::ssl::context> make_client_context(const std::string& who, const std::filesystem::path& ca,
                                                               const std::filesystem::path& cert,
                                                               const std::filesystem::path& key);

/// What a TLS source's new connections use; swapped whole on reload.
struct tls_settings {
    std::shared_ptr<boost::asio::ssl::context> context;
    std::vector<std::string> permitted_peers;
    std::chrono::milliseconds handshake_timeout{0};
    mutable coropipe::asio::log_limiter refusals_logged; // one line per 10 s, with a count
};

/// The settings of `c`, or null when it has no `tls.cert`. Throws as
/// `make_server_context`.
std::shared_ptr<const tls_settings> make_tls_settings(const source_config& c);

struct tls_connection;

/// Serves a connection of a TLS source: the handshake (bounded by
/// `handshake_timeout`), then the check against `permitted_peers`; then
/// `serve(connection)`. A client refused is counted by reason
/// (`count_tls_refusal`), logged (rate-limited) with its address and why,
/// and `refused()` is called; nothing it sent reaches a pipeline. Runs on
/// the connection's strand; returns at once.
void accept_tls(std::shared_ptr<coropipe::asio::connection<boost::asio::ip::tcp>> conn,
                std::shared_ptr<const tls_settings> settings, std::string source,
                std::function<void(std::shared_ptr<tls_connection>)> serve, std::function<void()> refused);

/// A TLS connection accepted by a `listener`: the connection (its socket,
/// the idle clock) and the TLS stream over that socket, with the bytes of
/// the last read.
struct tls_connection {
    using tcp = boost::asio::ip::tcp;
    tls_connection(std::shared_ptr<coropipe::asio::connection<tcp>> c, boost::asio::ssl::context& ctx)
        : conn(std::move(c)), stream(conn->socket, ctx) {}

    std::shared_ptr<coropipe::asio::connection<tcp>> conn;
    boost::asio::ssl::stream<tcp::socket&> stream;
    std::array<char, 16 * 1024> buffer{}; // one TLS record's worth
    std::size_t have = 0;                 // bytes read into buffer, not yet taken
    bool ended = false;                   // the peer closed (with or without close_notify)
    boost::system::error_code error;      // a read failed
};

/// A source reading a `tls_connection` once its handshake is done: a read
/// into the connection's buffer is the wait (`async_wait_chunk`), whose
/// bytes `try_read_chunk` then hands on. Ends when the peer closes (a close
/// without close_notify too: syslog senders do that); other errors throw
/// `system_error`. Holds the connection.
class tls_source {
public:
    explicit tls_source(std::shared_ptr<tls_connection> t) : t_(std::move(t)) {}

    boost::asio::awaitable<std::string_view> read_chunk();

    std::optional<std::string_view> try_read_chunk();

    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [t = t_](auto handler) {
                auto* raw = t.get();
                raw->stream.async_read_some(
                    boost::asio::buffer(raw->buffer),
                    [t, handler = std::move(handler)](boost::system::error_code ec, std::size_t n) mutable {
                        t->have = n;
                        if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated ||
                            ec == boost::asio::error::connection_reset) {
                            t->ended = true;
                        } else if (ec) {
                            t->error = ec;
                        }
                        std::move(handler)(boost::system::error_code{});
                    });
            },
            token);
    }

private:
    std::shared_ptr<tls_connection> t_;
};

inline boost::asio::awaitable<std::string_view> tls_source::read_chunk() {
    return coropipe::asio::read_chunk_of(this);
}

} // namespace coropiped
