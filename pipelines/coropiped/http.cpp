#include "http.hpp"

#include "log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace coropiped {

namespace net = boost::asio;
namespace http = boost::beast::http;
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

net::awaitable<void> serve(tcp::socket socket, metrics_registry* metrics, std::shared_ptr<std::atomic<bool>> stopping,
                           std::shared_ptr<const std::string> auth) {
    boost::beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(10)); // a client that sends nothing goes
    boost::beast::flat_buffer buffer(16 * 1024);    // and one that sends too much is refused
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8 * 1024);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
        co_return;
    }
    const auto& request = parser.get();
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    const std::string_view target = request.target();
    if (!auth->empty() && !authorized(request[http::field::authorization], *auth)) {
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
        response.body() = metrics->prometheus();
    } else if (target == "/health") {
        health_report h = metrics->health();
        if (stopping->load()) {
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
    co_await http::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> accept(std::shared_ptr<tcp::acceptor> acceptor, metrics_registry* metrics,
                            std::shared_ptr<std::atomic<bool>> stopping, std::shared_ptr<const std::string> auth) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket = co_await acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            co_return; // closed
        }
        net::co_spawn(acceptor->get_executor(), serve(std::move(socket), metrics, stopping, auth), net::detached);
    }
}

} // namespace

metrics_server::metrics_server(net::io_context& io, const endpoint& at, metrics_registry& metrics, std::string auth)
    : acceptor_(std::make_shared<tcp::acceptor>(io)),
      metrics_(metrics),
      auth_(std::make_shared<const std::string>(std::move(auth))) {
    try {
        tcp::resolver resolver(io);
        const tcp::endpoint e =
            resolver.resolve(at.host, std::to_string(at.port), tcp::resolver::passive).begin()->endpoint();
        acceptor_->open(e.protocol());
        acceptor_->set_option(tcp::acceptor::reuse_address(true));
        acceptor_->bind(e);
        acceptor_->listen();
        if (auth_->empty() && !e.address().is_loopback()) {
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
    net::co_spawn(acceptor_->get_executor(), accept(acceptor_, &metrics_, stopping_, auth_), net::detached);
}

void metrics_server::stop() {
    stopping_->store(true);
    net::post(acceptor_->get_executor(), [a = acceptor_] {
        boost::system::error_code ignored;
        a->close(ignored);
    });
}

} // namespace coropiped
