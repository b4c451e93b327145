#include "sinks.hpp"

#include "log.hpp"
#include "tls.hpp" // make_tls_target, tls_context_slot

#include <coropipe/asio/redis_stream_target.hpp>

#include <boost/asio/strand.hpp>

#include <stdexcept>
#include <system_error>

namespace coropiped {

namespace net = boost::asio;
using namespace coropipe::asio;

std::string address_text(const endpoint& e) {
    const std::string host = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
    return host + ":" + std::to_string(e.port);
}

std::shared_ptr<tls_context_slot> make_sink_tls(const sink_config& c) {
    if ((c.type != sink_config::kind::tcp && c.type != sink_config::kind::redis_stream) || !c.tls()) {
        return nullptr;
    }
    return std::make_shared<tls_context_slot>(make_client_context("sink " + c.name, c.tls_ca, c.tls_cert, c.tls_key));
}

std::shared_ptr<queued_sink> open_sink(net::io_context& io, const sink_config& c, metrics_registry& metrics,
                                       std::shared_ptr<tls_context_slot> tls) {
    net::any_io_executor strand = net::make_strand(io);
    std::unique_ptr<sink_target> target;
    switch (c.type) {
    case sink_config::kind::file:
        try {
            target = make_file_target(strand, c.path, c.file_mode);
        } catch (const std::system_error& e) {
            throw std::runtime_error("sink " + c.name + ": cannot open " + c.path.string() + ": " +
                                     e.code().message());
        }
        break;
    case sink_config::kind::stdout_:
        target = make_descriptor_target(strand, 1, "stdout");
        break;
    case sink_config::kind::tcp:
        if (c.tls()) {
            target = make_tls_target(strand, c, tls ? std::move(tls) : make_sink_tls(c));
        } else {
            target = make_tcp_target(strand, c.address.host, std::to_string(c.address.port));
        }
        break;
    case sink_config::kind::redis_stream:
        if (c.tls() && !tls) {
            tls = make_sink_tls(c); // (its errors name the sink already)
        }
        try {
            redis_stream_target_options r;
            r.redis.address = c.broker_address;
            r.stream = c.stream;
            r.batch_lines = c.batch_lines;
            r.maxlen = c.maxlen;
            r.stats = metrics.redis_sink(c.name);
            r.redis.queue_timeout = std::chrono::seconds(5); // then a failed write: logged, retried, /health says so
            if (tls) {
                r.redis.tls = tls->current();
                r.redis.tls_current = [tls] { return tls->current(); }; // a reload's certificates, next connection
                r.redis.tls_server_name = c.tls_server_name;
            }
            target = make_redis_stream_target(strand, std::move(r));
        } catch (const std::exception& e) {
            throw std::runtime_error("sink " + c.name + ": " + e.what());
        }
        break;
    }
    queued_sink_options o;
    o.name = c.name;
    o.buffer_bytes = c.buffer_bytes;
    if (c.type == sink_config::kind::redis_stream) {
        o.linger = std::chrono::milliseconds(c.flush_ms);
        o.linger_lines = c.batch_lines;
    }
    if (c.backoff_min.count() > 0) {
        o.backoff_min = c.backoff_min;
    }
    if (c.backoff_max.count() > 0) {
        o.backoff_max = std::max(c.backoff_max, o.backoff_min);
    }
    o.log = log_to_stderr;
    if (!c.spool.empty()) {
        o.spool = c.spool;
        o.spool_max_bytes = c.spool_max_bytes;
    }
    try {
        return queued_sink::create(strand, std::move(target), std::move(o), metrics.get("sink", c.name));
    } catch (const std::system_error& e) {
        throw std::runtime_error("sink " + c.name + ": " + e.what());
    }
}

} // namespace coropiped
