#pragma once
// The daemon's counters, by component, and their Prometheus text form.

#include <coropipe/asio/counters.hpp>
#include <coropipe/asio/redis_stream_target.hpp>
#include <coropipe/stages/group_by.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace coropiped {

using counters = coropipe::asio::counters;

/// What /health says: ok, or the problems (a sink that cannot write, a
/// listener out of descriptors), one line each.
struct health_report {
    bool ok = true;
    std::vector<std::string> problems;
    /// Lines each sink with a spool keeps there (for /metrics).
    std::vector<std::pair<std::string, std::uint64_t>> spooled;
};

/// What a broker source (`redis-stream`) has done with its entries, for
/// /metrics. Thread-safe.
struct broker_counters {
    std::atomic<std::uint64_t> entries_read{0};   ///< delivered to this consumer (claimed and redelivered included)
    std::atomic<std::uint64_t> entries_acked{0};  ///< acknowledged: every sink settled their lines
    std::atomic<std::int64_t> entries_pending{0}; ///< read and not yet acknowledged
    std::atomic<std::uint64_t> entries_claimed{0};     ///< taken over from consumers that left them pending
    std::atomic<std::uint64_t> entries_redelivered{0}; ///< delivered before (own pending after a restart, claimed)
    std::atomic<std::uint64_t> entries_bad{0};         ///< skipped: no `line` or `lines` field
    std::atomic<std::int64_t> connected{0};            ///< 1 while the broker answers
};

/// Every component's counters, by kind ("source", "pipeline", "sink") and
/// name; entries live as long as the registry (a reloaded component with the
/// same name keeps counting).
class metrics_registry {
public:
    counters& get(const std::string& kind, const std::string& name);
    /// A broker source's entry counters, by source name.
    broker_counters& broker(const std::string& name);
    /// A `redis-stream` sink's counters, by sink name.
    std::shared_ptr<coropipe::asio::redis_stream_target_stats> redis_sink(const std::string& name);
    std::atomic<std::uint64_t> reloads{0};
    std::atomic<std::uint64_t> reload_failures{0};
    std::atomic<std::uint64_t> checkpoints{0};        ///< offsets saved while running
    std::atomic<std::uint64_t> checkpoint_failures{0};

    /// A window of a pipeline with `metric.name`: each group's value becomes
    /// the series `name{label="KEY",...}` (a later window's value replaces
    /// it; a series stays until the daemon stops). Thread-safe.
    void set_gauges(const std::string& pipeline, const std::string& name, const std::vector<std::string>& labels,
                    const std::vector<coropipe::group_result>& groups);

    /// The Prometheus text exposition format (version 0.0.4).
    std::string prometheus() const;

    /// What /health reports; set by the daemon (thread-safe).
    void set_health(std::function<health_report()> probe);
    health_report health() const;

private:
    struct entry {
        std::string kind, name;
        counters c;
    };
    mutable std::mutex mutex_;
    std::deque<entry> entries_; // a deque: references stay valid
    std::deque<std::pair<std::string, broker_counters>> brokers_;
    std::vector<std::pair<std::string, std::shared_ptr<coropipe::asio::redis_stream_target_stats>>> redis_sinks_;
    std::function<health_report()> probe_;
    struct gauge_family {
        std::string pipeline;
        std::map<std::string, std::string> series; // `{labels}` -> value
    };
    std::map<std::string, gauge_family> gauges_; // by metric name
};

} // namespace coropiped
