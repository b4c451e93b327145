// The Redis stream sink target (coropipe/asio/redis_stream_target.hpp).
#include <coropipe/asio/redis_stream.hpp>
#include <coropipe/asio/redis_stream_target.hpp>

#include <boost/asio/post.hpp>

#include <vector>

namespace coropipe::asio {

namespace {

/// `options` telling `stats` the connection's state.
redis_options with_state(redis_options options, std::shared_ptr<redis_stream_target_stats> stats) {
    if (stats) {
        options.on_state = [stats](const redis_status& s) {
            stats->connected.store(s.state == redis_state::connected, std::memory_order_relaxed);
        };
    }
    return options;
}

class redis_stream_target final : public sink_target {
public:
    redis_stream_target(const net::any_io_executor& executor, redis_stream_target_options options)
        : executor_(executor), address_(options.redis.address), options_(std::move(options)),
          client_(executor, with_state(options_.redis, options_.stats)) {
        if (options_.batch_lines == 0) {
            options_.batch_lines = 1;
        }
    }

    /// With why the connection is down, when it is (a failed write's error
    /// code alone would not say which certificate or password was refused).
    std::string describe() const override {
        const redis_status s = client_.status();
        return "redis-stream " + address_ + " " + options_.stream +
               (s.state != redis_state::connected && !s.last_error.empty() ? " (" + s.last_error + ")" : "");
    }

    void async_write_some(std::string_view bytes, write_handler handler) override {
        // Entries of batch_lines whole lines; the bytes each one ends at.
        redis_request request;
        std::vector<std::size_t> ends;
        const xadd_options x{.maxlen = options_.maxlen, .approximate = true};
        std::size_t at = 0;
        while (at < bytes.size()) {
            std::size_t end = at;
            for (std::size_t n = 0; n < options_.batch_lines && end < bytes.size(); ++n) {
                const std::size_t nl = bytes.find('\n', end);
                end = nl == std::string_view::npos ? bytes.size() : nl + 1;
            }
            const std::string_view entry = bytes.substr(at, end - at);
            if (options_.batch_lines == 1) {
                const stream_field f{"line", entry.substr(0, entry.size() - (entry.ends_with('\n') ? 1 : 0))};
                push_xadd(request, options_.stream, std::span(&f, 1), x);
            } else {
                const stream_field f{"lines", entry};
                push_xadd(request, options_.stream, std::span(&f, 1), x);
            }
            ends.push_back(end);
            at = end;
        }
        client_.async_execute(
            std::move(request),
            [h = std::move(handler), ends = std::move(ends), stats = options_.stats](
                boost::system::error_code ec, std::vector<redis_reply> replies) mutable {
                if (ec) {
                    std::move(h)(ec, 0);
                    return;
                }
                for (std::size_t i = 0; i < replies.size() && i < ends.size(); ++i) {
                    if (replies[i].is_error()) {
                        if (stats) {
                            stats->entries_written.fetch_add(i, std::memory_order_relaxed);
                            stats->entries_refused.fetch_add(1, std::memory_order_relaxed);
                        }
                        std::move(h)(replies[i].error(), i == 0 ? 0 : ends[i - 1]);
                        return;
                    }
                }
                if (stats) {
                    stats->entries_written.fetch_add(ends.size(), std::memory_order_relaxed);
                }
                std::move(h)(ec, ends.empty() ? 0 : ends.back());
            });
    }

private:
    net::any_io_executor executor_;
    std::string address_;
    redis_stream_target_options options_;
    redis_client client_;
};

} // namespace

std::unique_ptr<sink_target> make_redis_stream_target(const net::any_io_executor& executor,
                                                      redis_stream_target_options options) {
    return std::make_unique<redis_stream_target>(executor, std::move(options));
}

} // namespace coropipe::asio
