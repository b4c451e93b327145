#include "http.hpp"

#include "log.hpp"
#include "tls.hpp" // classify_handshake_failure, count_tls_refusal

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace coropiped {

namespace net = boost::asio;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

/// The lowercase hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

/// Whether `header` (an Authorization value) is basic auth of `auth`'s user
/// with a password of `auth`'s SHA-256 (compared in constant time).
bool authorized(std::string_view header, const std::string& auth) {
    constexpr std::string_view basic = "Basic ";
    if (header.size() <= basic.size() || header.size() > 1024 || header.substr(0, basic.size()) != basic) {
        return false;
    }
    const std::string_view coded = header.substr(basic.size());
    std::string decoded(coded.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                  reinterpret_cast<const unsigned char*>(coded.data()), static_cast<int>(coded.size()));
    if (n < 0) {
        return false;
    }
    const std::size_t padding = static_cast<std::size_t>(std::count(coded.end() - std::min<std::size_t>(2, coded.size()), coded.end(), '='));
    decoded.resize(static_cast<std::size_t>(n) - std::min(padding, static_cast<std::size_t>(n)));
    const std::size_t colon = decoded.find(':');
    const std::size_t auth_colon = auth.find(':');
    if (colon == std::string::npos) {
        return false;
    }
    std::string want = auth.substr(auth_colon + 1);
    std::transform(want.begin(), want.end(), want.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    const std::string got = sha256_hex(std::string_view(decoded).substr(colon + 1));
    const bool same_hash = got.size() == want.size() && CRYPTO_memcmp(got.data(), want.data(), got.size()) == 0;
    return same_hash && decoded.compare(0, colon, auth, 0, auth_colon) == 0 && colon == auth_colon;
}

/// The answer to `request`: 401 without the credentials `auth` asks for,
/// then /metrics, /health (503 once `stopping`), or 404.
http::response<http::string_body> respond(const http::request<http::empty_body>& request, metrics_registry& metrics,
                                          bool stopping, const std::string& auth) {
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    const std::string_view target = request.target();
    if (!auth.empty() && !authorized(request[http::field::authorization], auth)) {
        response.result(http::status::unauthorized);
        response.set(http::field::www_authenticate, "Basic realm=\"coropiped\", charset=\"UTF-8\"");
        response.set(http::field::content_type, "text/plain");
        response.body() = "credentials needed\n";
    } else if (request.method() != http::verb::get && request.method() != http::verb::head) {
        response.result(http::status::method_not_allowed);
        response.set(http::field::allow, "GET, HEAD");
        response.body() = "only GET\n";
    } else if (target == "/metrics") {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = metrics.prometheus();
    } else if (target == "/health") {
        health_report h = metrics.health();
        if (stopping) {
            h.ok = false;
            h.problems.insert(h.problems.begin(), "stopping");
        }
        response.result(h.ok ? http::status::ok : http::status::service_unavailable);
        response.set(http::field::content_type, "text/plain");
        std::string body = h.ok ? "ok\n" : "";
        for (const std::string& p : h.problems) {
            body += p + "\n";
        }
        response.body() = std::move(body);
    } else {
        response.result(http::status::not_found);
        response.set(http::field::content_type, "text/plain");
        response.body() = "try /metrics or /health\n";
    }
    response.prepare_payload();
    if (request.method() == http::verb::head) {
        response.body().clear();
    }
    return response;
}

/// One request read from `stream` (plain or TLS) and its response written.
template <class Stream>
net::awaitable<void> answer_one(Stream& stream, std::shared_ptr<const http_state> state) {
    boost::beast::flat_buffer buffer(16 * 1024); // a client that sends too much is refused
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8 * 1024);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
        co_return;
    }
    http::response<http::string_body> response =
        respond(parser.get(), *state->metrics, state->stopping.load(), state->auth);
    co_await http::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> serve(tcp::socket socket, std::shared_ptr<http_state> state) {
    boost::system::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    boost::beast::tcp_stream stream(std::move(socket));
    constexpr auto patience = std::chrono::seconds(10);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    stream.expires_at(deadline); // a client that sends nothing goes (handshake included)
    if (!state->tls) {
        co_await answer_one(stream, state);
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        co_return;
    }
    const std::shared_ptr<ssl::context> context = state->tls->current(); // (outlives the stream)
    boost::beast::ssl_stream<boost::beast::tcp_stream> secure(std::move(stream), *context);
    co_await secure.async_handshake(ssl::stream_base::server, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
        // (The timeout reaches here as beast's error::timeout or as what the
        // TLS engine made of the closed socket: the clock tells.)
        const tls_failure why = ec == boost::beast::error::timeout || std::chrono::steady_clock::now() >= deadline
                                    ? tls_failure{"timeout", "no TLS handshake within 10 s"}
                                    : classify_handshake_failure(ec, SSL_get_verify_result(secure.native_handle()));
        count_tls_refusal("metrics", "metrics_listen", why.reason);
        state->refusals_logged(log_to_stderr, log_level::warning,
                               "metrics_listen: TLS client " + remote.address().to_string() + ":" +
                                   std::to_string(remote.port()) + " refused (" + why.reason + "): " + why.detail);
        co_return;
    }
    co_await answer_one(secure, state);
    co_await secure.async_shutdown(net::redirect_error(net::use_awaitable, ec)); // close_notify; bounded as above
}

net::awaitable<void> accept(std::shared_ptr<tcp::acceptor> acceptor, std::shared_ptr<http_state> state) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket = co_await acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            co_return; // closed
        }
        net::co_spawn(acceptor->get_executor(), serve(std::move(socket), state), net::detached);
    }
}

} // namespace

metrics_server::metrics_server(net::io_context& io, const endpoint& at, metrics_registry& metrics, std::string auth,
                               std::shared_ptr<tls_context_slot> tls)
    : acceptor_(std::make_shared<tcp::acceptor>(io)), state_(std::make_shared<http_state>()) {
    state_->metrics = &metrics;
    state_->auth = std::move(auth);
    state_->tls = std::move(tls);
    try {
        tcp::resolver resolver(io);
        const tcp::endpoint e =
            resolver.resolve(at.host, std::to_string(at.port), tcp::resolver::passive).begin()->endpoint();
        acceptor_->open(e.protocol());
        acceptor_->set_option(tcp::acceptor::reuse_address(true));
        acceptor_->bind(e);
        acceptor_->listen();
        if (state_->auth.empty() && !e.address().is_loopback()) {
            log(log_level::warning, "metrics_listen " + e.address().to_string() +
                                        " is not a loopback address and metrics_auth is not set: anyone who reaches "
                                        "it reads /metrics and /health");
        }
    } catch (const boost::system::system_error& e) {
        const std::string host = at.host.find(':') != std::string::npos ? "[" + at.host + "]" : at.host;
        throw std::runtime_error("metrics_listen: cannot listen on " + host + ":" + std::to_string(at.port) + ": " +
                                 e.code().message());
    }
}

std::string metrics_server::local_address() const {
    const tcp::endpoint e = acceptor_->local_endpoint();
    const auto a = e.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

void metrics_server::start() {
    net::co_spawn(acceptor_->get_executor(), accept(acceptor_, state_), net::detached);
}

void metrics_server::stop() {
    state_->stopping.store(true);
    net::post(acceptor_->get_executor(), [a = acceptor_] {
        boost::system::error_code ignored;
        a->close(ignored);
    });
}

} // namespace coropiped
