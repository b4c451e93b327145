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
        const bool up = !stopping->load();
        response.result(up ? http::status::ok : http::status::service_unavailable);
        response.set(http::field::content_type, "text/plain");
        response.body() = up ? "ok\n" : "stopping\n";
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

metrics_server::metrics_server(net::io_context& io, const tcp::endpoint& at, metrics_registry& metrics)
    : acceptor_(std::make_shared<tcp::acceptor>(io, at)), metrics_(metrics) {}

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
