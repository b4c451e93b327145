#pragma once
// The daemon's state, shared by daemon.cpp (configuration: prepare, commit,
// reload) and lifecycle.cpp (start, signals, shutdown).

#include "config.hpp"
#include "daemon.hpp"
#include "http.hpp"
#include "metrics.hpp"
#include "offsets.hpp"
#include "sources.hpp"

#include <coropipe/asio/queued_sink.hpp>
#include <coropipe/text_pipeline.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace coropiped {

namespace net = boost::asio;

class tls_context_slot; // tls.hpp

inline unsigned thread_count(const daemon_config& c) {
    return c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
}

/// The running daemon: its sources, sinks and routes, and its life.
class daemon : public std::enable_shared_from_this<daemon> {
public:
    daemon(daemon_config c, config_loader load)
        : io_(static_cast<int>(thread_count(c))),
          work_(net::make_work_guard(io_)),
          config_(std::move(c)),
          load_(std::move(load)),
          positions_(config_.state_file) {}

    int run();

    // (the members below are shared by daemon.cpp and lifecycle.cpp)
    struct sink_entry {
        sink_config config;
        sink_handle users; // routes hold copies; the last one gone finishes the sink
        std::shared_ptr<tls_context_slot> tls; // a TLS sink's client context, replaced by a reload
    };
    struct source_entry {
        source_config config;
        std::unique_ptr<running_source> source;
        std::shared_ptr<route_table> table;
    };
    /// A configuration made ready: its sinks opened, its new sources bound.
    struct prepared {
        std::map<std::string, sink_entry> sinks;
        std::map<std::string, source_entry> sources; // new ones: not started
        std::map<std::string, coropipe::text_pipeline> pipelines;
        // Kept TLS sinks: their context, and the one read again from their files.
        std::vector<std::pair<std::shared_ptr<tls_context_slot>, std::shared_ptr<tls_context_slot>>> sink_tls;
        std::shared_ptr<tls_context_slot> metrics_tls; // [daemon.metrics_tls] read again

    };

    prepared prepare(const daemon_config& next);
    void commit(prepared p, daemon_config next);
    std::vector<coropipe::asio::route<sink_handle>> routes_for(const std::string& source, const daemon_config& c,
                                                               const prepared& p);
    sink_handle open_sink_entry(const sink_config& c, std::shared_ptr<tls_context_slot> tls);
    void reload();
    void reopen();
    health_report health();

    // checkpoints.cpp
    void schedule_checkpoint();
    void checkpoint();
    /// Offsets accepted by the sinks, waiting for the sinks to settle them.
    struct checkpoint_candidate {
        std::map<std::string, coropipe::file_position> positions;
        std::vector<std::pair<std::weak_ptr<coropipe::asio::queued_sink>, std::uint64_t>> sinks;
    };

    net::awaitable<void> handle_signals();
    void shutdown();
    void release_sinks();
    void save_offsets(); // at the end: the final offsets, unless lines were lost

    void sink_done(const std::string& name, const coropipe::asio::sink_report& r);

    net::io_context io_;
    net::executor_work_guard<net::io_context::executor_type> work_;
    daemon_config config_;
    config_loader load_;
    metrics_registry metrics_;
    offsets positions_;
    run_tracker runs_;

    std::mutex mutex_;
    std::map<std::string, sink_entry> sinks_;
    std::map<std::string, source_entry> sources_;
    std::vector<std::unique_ptr<running_source>> retired_; // stopped; kept until the end (their runs may linger)
    std::map<std::string, std::shared_ptr<coropipe::asio::queued_sink>> live_sinks_; // by name + address: every sink not yet done
    std::uint64_t lines_lost_ = 0;
    std::uint64_t lines_spooled_ = 0;

    std::atomic<bool> stopping_{false};
    bool released_ = false;
    std::unique_ptr<net::steady_timer> deadline_;
    std::unique_ptr<net::steady_timer> checkpoint_timer_;
    std::optional<checkpoint_candidate> candidate_; // (on the timer's handler only)
    std::unique_ptr<metrics_server> http_;
    std::unique_ptr<net::signal_set> signals_;
};

} // namespace coropiped
