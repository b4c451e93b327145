#include "http.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

#include <stdexcept>

namespace coropiped {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

net::awaitable<void> serve(tcp::socket socket, metrics_registry* metrics, std::shared_ptr<std::atomic<bool>> stopping) {
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
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
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
                            std::shared_ptr<std::atomic<bool>> stopping) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket = co_await acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            co_return; // closed
        }
        net::co_spawn(acceptor->get_executor(), serve(std::move(socket), metrics, stopping), net::detached);
    }
}

} // namespace

metrics_server::metrics_server(net::io_context& io, const endpoint& at, metrics_registry& metrics)
    : acceptor_(std::make_shared<tcp::acceptor>(io)), metrics_(metrics) {
    try {
        tcp::resolver resolver(io);
        const tcp::endpoint e =
            resolver.resolve(at.host, std::to_string(at.port), tcp::resolver::passive).begin()->endpoint();
        acceptor_->open(e.protocol());
        acceptor_->set_option(tcp::acceptor::reuse_address(true));
        acceptor_->bind(e);
        acceptor_->listen();
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
    net::co_spawn(acceptor_->get_executor(), accept(acceptor_, &metrics_, stopping_), net::detached);
}

void metrics_server::stop() {
    stopping_->store(true);
    net::post(acceptor_->get_executor(), [a = acceptor_] {
        boost::system::error_code ignored;
        a->close(ignored);
    });
}

} // namespace coropiped
