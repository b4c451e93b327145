// TLS to the peer of a tcp sink ([sink.NAME.tls]): a sink_target that
// connects, verifies the peer's certificate and name, and writes.
#include "tls.hpp"

#include "log.hpp"

#include <coropipe/asio/connected_target.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>
#include <stdexcept>
#include <tuple>

namespace coropiped {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

class tls_target final : public coropipe::asio::connected_target {
public:
    tls_target(const net::any_io_executor& executor, const sink_config& c, std::shared_ptr<tls_context_slot> ctx)
        : connected_target(executor),
          ctx_(std::move(ctx)),
          sink_(c.name),
          host_(c.address.host),
          port_(std::to_string(c.address.port)),
          server_name_(c.tls_server_name.empty() ? c.address.host : c.tls_server_name) {}

    std::string describe() const override {
        return "tls " + (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + port_;
    }

private:
    net::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(std::string_view bytes) override {
        if (stream_ && peer_closed(stream_->next_layer().native_handle())) {
            stream_.reset();
        }
        if (!stream_) {
            // The context of the moment (a reload may have replaced it since
            // the last connection); the stream keeps it while it lives.
            std::shared_ptr<ssl::context> ctx = ctx_->current();
            auto stream = std::make_unique<ssl::stream<tcp::socket>>(executor(), *ctx);
            SSL_set_tlsext_host_name(stream->native_handle(), server_name_.c_str());
            SSL_set1_host(stream->native_handle(), server_name_.c_str()); // the name check, by OpenSSL
            const boost::system::error_code cec = co_await connect(stream->next_layer(), host_, port_);
            if (cec) {
                co_return std::tuple{cec, std::size_t{0}};
            }
            auto [hec] = co_await stream->async_handshake(ssl::stream_base::client, net::as_tuple(net::use_awaitable));
            if (hec) {
                refused(classify_handshake_failure(hec, SSL_get_verify_result(stream->native_handle())));
                co_return std::tuple{hec, std::size_t{0}};
            }
            stream_context_ = std::move(ctx);
            stream_ = std::move(stream);
            last_refusal_.clear();
        }
        auto [ec, n] =
            co_await net::async_write(*stream_, net::buffer(bytes.data(), bytes.size()), net::as_tuple(net::use_awaitable));
        if (ec) {
            stream_.reset();
            co_return std::tuple{ec, std::size_t{0}}; // sent again whole on the next connection
        }
        co_return std::tuple{ec, n};
    }

    /// Counted under its reason, and logged: a new reason at once, the same
    /// one again at most once per 10 s.
    void refused(const tls_failure& why) {
        count_tls_refusal("sink", sink_, why.reason);
        const std::string detail = why.detail + (why.reason == "hostname" ? " (expected " + server_name_ + ")" : "");
        const std::string message = "sink " + sink_ + ": TLS to " + describe() + " refused (" + why.reason + "): " + detail;
        if (detail != last_refusal_ || !refusals_) {
            last_refusal_ = detail;
            refusals_ = std::make_unique<coropipe::asio::log_limiter>(); // its first line is now
        }
        (*refusals_)(log_to_stderr, log_level::error, message);
    }

    std::shared_ptr<tls_context_slot> ctx_;
    std::string sink_;
    std::string host_;
    std::string port_;
    std::string server_name_;
    std::shared_ptr<ssl::context> stream_context_; // what stream_ was made with (outlives it)
    std::unique_ptr<ssl::stream<tcp::socket>> stream_;
    std::unique_ptr<coropipe::asio::log_limiter> refusals_; // one per reason in a row
    std::string last_refusal_;
};

} // namespace

std::shared_ptr<ssl::context> make_client_context(const std::string& who, const std::filesystem::path& ca,
                                                  const std::filesystem::path& cert,
                                                  const std::filesystem::path& key) {
    try {
        check_readable(ca, "tls.ca");
        check_readable(cert, "tls.cert");
        check_readable(key, "tls.key");
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(who + ": " + e.what());
    }
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    auto refuse = [&](const std::string& what) {
        throw std::runtime_error(who + ": cannot use " + what + ": " + ec.message());
    };
    if (ca.empty()) {
        if (ctx->set_default_verify_paths(ec); ec) {
            refuse("the system's CAs");
        }
    } else {
        std::error_code fs_ec;
        if (std::filesystem::is_directory(ca, fs_ec)) {
            if (ctx->add_verify_path(ca.string(), ec); ec) {
                refuse("tls.ca " + ca.string());
            }
        } else if (ctx->load_verify_file(ca.string(), ec); ec) {
            refuse("tls.ca " + ca.string());
        }
    }
    if (!cert.empty()) {
        if (ctx->use_certificate_chain_file(cert.string(), ec); ec) {
            refuse("tls.cert " + cert.string());
        }
        if (ctx->use_private_key_file(key.string(), ssl::context::pem, ec); ec) {
            refuse("tls.key " + key.string());
        }
    }
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

std::unique_ptr<coropipe::asio::sink_target> make_tls_target(const net::any_io_executor& executor,
                                                             const sink_config& c,
                                                             std::shared_ptr<tls_context_slot> ctx) {
    return std::make_unique<tls_target>(executor, c, std::move(ctx));
}

} // namespace coropiped
