#pragma once

#include <coropipe/asio/queued_sink.hpp>
#include <coropipe/asio/redis_client.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace coropipe::asio {

/// What a Redis stream sink target has done, for metrics. Thread-safe.
struct redis_stream_target_stats {
    std::atomic<std::uint64_t> entries_written{0}; ///< XADDs confirmed
    std::atomic<std::uint64_t> entries_refused{0}; ///< XADDs the server answered with an error (retried)
    std::atomic<bool> connected{false};            ///< the connection is up
};

/// Settings of a Redis stream sink target.
struct redis_stream_target_options {
    redis_options redis{};       ///< the connection (address, AUTH, timeouts, reconnection)
    std::string stream{};        ///< the stream's key
    std::size_t batch_lines = 64; ///< lines per entry: 1 writes a field `line`, more a field `lines` (newline-separated)
    /// MAXLEN ~ n on each XADD: the stream is trimmed to about this many
    /// entries, oldest first, read or not (0: no trimming).
    std::size_t maxlen = 0;
    /// Counted into when not null (shared: it may outlive the target).
    std::shared_ptr<redis_stream_target_stats> stats{};
};

/// A `sink_target` (for `queued_sink`) that appends lines to a Redis stream:
/// each `async_write_some` cuts its whole lines into entries of
/// `batch_lines` and sends their XADDs pipelined in one request on its own
/// `redis_client` (which reconnects by itself). It completes once every
/// XADD is confirmed, with all the bytes; when some are refused (WRONGTYPE,
/// OOM), with the first error and the bytes of the entries before it; when
/// the connection is lost or the server does not answer, with the error
/// and 0: the `queued_sink` retries the whole batch later (at least once:
/// entries of a batch cut by a lost connection may be added twice). Bad
/// options (an address it cannot use) throw `coropipe::error`.
std::unique_ptr<sink_target> make_redis_stream_target(const net::any_io_executor& executor,
                                                      redis_stream_target_options options);

} // namespace coropipe::asio
