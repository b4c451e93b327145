// The Redis Streams transport of a `redis-stream` source: a consumer of one
// stream's consumer group. Two connections: one for XREADGROUP (which blocks
// and would hold up anything behind it), one for the group, XAUTOCLAIM and
// XACK.
#include "broker.hpp"
#include "tls.hpp" // make_client_context

#include <coropipe/asio/redis_stream.hpp>

#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

#include <unistd.h>

namespace coropiped {

namespace net = boost::asio;
using namespace coropipe::asio;

namespace {

std::string host_name() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') {
        return "coropiped";
    }
    return buffer;
}

/// The client context of a source with `[source.NAME.tls]`, else null.
std::shared_ptr<net::ssl::context> tls_of(const source_config& c) {
    return c.tls() ? make_client_context("source " + c.name, c.tls_ca, c.tls_cert, c.tls_key) : nullptr;
}

redis_options options_of(const source_config& c, std::chrono::milliseconds queue_timeout,
                         const std::shared_ptr<tls_context_slot>& tls) {
    redis_options o;
    o.address = c.broker_address;
    o.queue_timeout = queue_timeout; // 0: a read waits for the server; acknowledgements fail (and are retried)
    if (tls) {
        o.tls = tls->current();
        o.tls_current = [tls] { return tls->current(); }; // a reload's certificates, next connection
        o.tls_server_name = c.tls_server_name;
    }
    return o;
}

/// A stream entry as lines: `line` is one line, `lines` several,
/// newline-separated (a last '\n' is optional). Neither: a bad entry.
broker_entry to_broker_entry(stream_entry&& e) {
    broker_entry out;
    out.id = std::move(e.id);
    if (e.deleted) {
        return out; // trimmed or deleted while pending: nothing to deliver, only to acknowledge
    }
    // The value is moved out, not copied (the entry is ours).
    if (std::string* line = e.find("line")) {
        out.lines = std::move(*line);
        out.lines += '\n';
    } else if (std::string* lines = e.find("lines")) {
        out.lines = std::move(*lines);
        if (!out.lines.empty() && out.lines.back() != '\n') {
            out.lines += '\n';
        }
    } else {
        out.problem = "entry " + out.id + " has no field 'line' or 'lines' (fields:";
        for (const auto& [name, value] : e.fields) {
            std::string shown;
            for (char ch : name.substr(0, 40)) {
                shown += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
            }
            out.problem += " " + shown;
        }
        out.problem += e.fields.empty() ? " none)" : ")";
    }
    return out;
}

bool is(const boost::system::system_error& e, redis_errc code) { return e.code() == make_error_code(code); }

class redis_consumer final : public broker_consumer {
public:
    redis_consumer(const net::any_io_executor& executor, const source_config& c)
        : redis_consumer(executor, c, c.tls() ? std::make_shared<tls_context_slot>(tls_of(c)) : nullptr) {}

    redis_consumer(const net::any_io_executor& executor, const source_config& c, std::shared_ptr<tls_context_slot> tls)
        : tls_(std::move(tls)), stream_(c.stream), group_(c.consumer_group), consumer_(c.consumer.empty() ? host_name() : c.consumer),
          block_(std::chrono::milliseconds(c.block_ms)), claim_idle_(std::chrono::milliseconds(c.claim_idle_ms)),
          claim_every_(std::clamp(claim_idle_ / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(5000))),
          address_(c.broker_address), reader_(executor, options_of(c, std::chrono::milliseconds(0), tls_)),
          control_(executor, options_of(c, std::chrono::milliseconds(5'000), tls_)) {}

    /// With why the connection is down, when it is.
    std::string describe() const override {
        std::string why;
        for (const redis_client* c : {&reader_, &control_}) {
            const redis_status s = c->status();
            if (why.empty() && s.state != redis_state::connected && !s.last_error.empty()) {
                why = " (" + s.last_error + ")";
            }
        }
        return "redis-stream " + address_ + " " + stream_ + " (group " + group_ + ", consumer " + consumer_ + ")" +
               why;
    }

    net::awaitable<std::vector<broker_entry>> fetch(std::size_t max) override {
        try {
            co_return co_await next(max);
        } catch (const boost::system::system_error& e) {
            if (is(e, redis_errc::no_group)) {
                group_ready_ = false; // the stream or the group was deleted (or the server lost its data)
            }
            if (is(e, redis_errc::connection_lost) || is(e, redis_errc::timed_out)) {
                own_pending_ = "0"; // a read may have been delivered and its reply lost
            }
            throw;
        }
    }

    net::awaitable<void> acknowledge(std::vector<std::string> ids) override {
        co_await async_xack(control_, stream_, group_, ids, net::use_awaitable);
    }

    void stop_fetching() override { reader_.close(); }

    void reload(const source_config& c) override {
        if (tls_) {
            tls_->replace(tls_of(c));
        }
    }

    bool connected() const override {
        return reader_.status().state == redis_state::connected && control_.status().state == redis_state::connected;
    }

private:
    net::awaitable<std::vector<broker_entry>> next(std::size_t max) {
        if (!group_ready_) {
            // From the stream's start: entries added before the first daemon came are read too.
            co_await async_xgroup_create(control_, stream_, group_, "0", net::use_awaitable);
            group_ready_ = true;
            own_pending_ = "0";
        }
        std::vector<broker_entry> out;
        if (own_pending_) {
            xreadgroup_args a{.stream = stream_, .group = group_, .consumer = consumer_, .id = *own_pending_,
                              .count = max};
            std::vector<stream_entry> got = co_await async_xreadgroup(reader_, a, net::use_awaitable);
            if (got.empty()) {
                own_pending_.reset();
            } else {
                own_pending_ = got.back().id;
                for (stream_entry& e : got) {
                    out.push_back(to_broker_entry(std::move(e)));
                    out.back().redelivered = true;
                }
                co_return out;
            }
        }
        if (const auto now = std::chrono::steady_clock::now(); now - last_claim_ >= claim_every_) {
            last_claim_ = now;
            xautoclaim_args a{.stream = stream_, .group = group_, .consumer = consumer_, .min_idle = claim_idle_,
                              .start = claim_cursor_, .count = max};
            xautoclaim_result r = co_await async_xautoclaim(control_, a, net::use_awaitable);
            claim_cursor_ = r.next;
            for (stream_entry& e : r.entries) {
                out.push_back(to_broker_entry(std::move(e)));
                out.back().redelivered = true;
                out.back().claimed = true;
            }
            if (!out.empty()) {
                co_return out;
            }
        }
        xreadgroup_args a{.stream = stream_, .group = group_, .consumer = consumer_, .id = ">", .count = max,
                          .block = block_};
        std::vector<stream_entry> got = co_await async_xreadgroup(reader_, a, net::use_awaitable);
        out.reserve(got.size());
        for (stream_entry& e : got) {
            out.push_back(to_broker_entry(std::move(e)));
        }
        co_return out;
    }

    std::shared_ptr<tls_context_slot> tls_; // with [source.NAME.tls]: what the next connections use
    std::string stream_, group_, consumer_;
    std::chrono::milliseconds block_, claim_idle_, claim_every_;
    std::string address_;
    redis_client reader_;
    redis_client control_;
    bool group_ready_ = false;
    std::optional<std::string> own_pending_; // where the re-reading of this consumer's own pending entries is
    std::string claim_cursor_ = "0-0";
    std::chrono::steady_clock::time_point last_claim_{};
};

} // namespace

std::unique_ptr<broker_consumer> make_redis_consumer(const net::any_io_executor& executor, const source_config& c) {
    return std::make_unique<redis_consumer>(executor, c);
}

} // namespace coropiped
