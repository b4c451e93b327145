#pragma once
// A configured [source.NAME], running: its runs (one per connection, or
// one) feed the routes of its table through the library's async_run.

#include "config.hpp"
#include "metrics.hpp"
#include "offsets.hpp"

#include <coropipe/asio/queued_sink.hpp>
#include <coropipe/asio/run.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace coropiped {

using sink_handle = coropipe::asio::queued_sink_ref;
using route_table = coropipe::asio::route_table<sink_handle>;

/// Counts the runs alive, so that a shutdown knows when every line read is
/// through its pipelines. Thread-safe.
class run_tracker {
public:
    void started() noexcept { live_.fetch_add(1); }
    void finished() {
        if (live_.fetch_sub(1) == 1 && on_idle_) {
            on_idle_();
        }
    }
    int live() const noexcept { return live_.load(); }
    /// Called (on the thread of the last run) whenever the count drops to 0.
    void on_idle(std::function<void()> f) { on_idle_ = std::move(f); }

private:
    std::atomic<int> live_{0};
    std::function<void()> on_idle_;
};

/// What a running source is given by the daemon.
struct source_env {
    boost::asio::io_context* io = nullptr;
    std::shared_ptr<route_table> table; ///< its routes; replaced on reload
    counters* metrics = nullptr;
    run_tracker* runs = nullptr;
    offsets* positions = nullptr; ///< file sources
    broker_counters* broker = nullptr; ///< redis-stream sources
};

/// A source, bound (or opened) and ready to start.
class running_source {
public:
    virtual ~running_source() = default;
    /// Starts reading (accepting).
    virtual void start() = 0;
    /// Ends the input of every run (they drain, then end); no run starts after.
    virtual void stop() = 0;
    /// For a reload: takes `next` (the same type and address) in place,
    /// keeping the socket and the connections; false if it cannot.
    virtual bool update(const source_config& next) = 0;
    /// Not working fully now (a listener out of descriptors), with why.
    virtual std::string trouble() const { return {}; }
    /// A followed file: where the whole lines the run has handed to the
    /// sinks end (accepted by them, not yet known to be written). Nothing
    /// for other sources, or before the first line.
    virtual std::optional<coropipe::file_position> accepted() const { return std::nullopt; }
};

/// Binds or opens `c` now: an error throws, naming the source and its
/// address or path. Nothing is read before `start()`.
std::unique_ptr<running_source> open_source(const source_config& c, source_env env);

/// Whether a running `current` can become `next` by `update` (same type,
/// same address or path).
bool same_place(const source_config& current, const source_config& next);

} // namespace coropiped
