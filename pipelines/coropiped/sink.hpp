#pragma once
// A configured sink: a bounded buffer that many producers (connections,
// pipelines) write batches of lines into, and one writer that drains it to
// a file, stdout or a TCP peer.

#include <coropipe/asio/file_sink.hpp>

#include "metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace coropiped {

namespace net = boost::asio;

struct sink_options {
    enum class kind { file, stdout_, tcp };
    std::string name;
    kind type = kind::file;
    std::string path;    ///< file
    std::string address; ///< tcp: host:port
    std::size_t buffer_bytes = 4 << 20;
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{10'000};
    bool operator==(const sink_options&) const = default;
};

/// Producers `co_await send(batch)`: it suspends while the buffer is full
/// (backpressure), or `try_send` drops when full (UDP). `finish()` once no
/// producer is left: the writer drains what is buffered, flushes, and calls
/// `on_done`. Thread-safe: producers may run on any thread.
class sink_runner : public std::enable_shared_from_this<sink_runner> {
public:
    sink_runner(net::any_io_executor executor, sink_options options, counters& metrics);

    /// Opens the target (a file now: an error throws, naming it) and starts
    /// the writer. `on_done` runs when the writer has drained after finish().
    void start(std::function<void()> on_done);

    net::awaitable<void> send(std::string batch, std::size_t lines);
    bool try_send(std::string batch, std::size_t lines);

    /// No more sends: drain, flush, done.
    void finish();
    /// Files: reopen by path before the next write (logrotate).
    void reopen() noexcept { reopen_.store(true); }

    const sink_options& options() const noexcept { return options_; }

private:
    struct batch_message;
    net::awaitable<void> writer();
    net::awaitable<void> write_tcp(std::string_view bytes);

    net::any_io_executor executor_;
    sink_options options_;
    counters& metrics_;
    net::experimental::concurrent_channel<void(boost::system::error_code, std::string, std::size_t)> channel_;
    std::function<void()> on_done_;
    std::atomic<bool> reopen_{false};
    std::optional<coropipe::asio::file_sink> file_; // file and stdout
    struct tcp_state;
    std::shared_ptr<tcp_state> tcp_;
};

} // namespace coropiped
