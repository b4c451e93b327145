#include "metrics.hpp"
#include "tls.hpp" // tls_metrics_text

#include <tuple>

namespace coropiped {

counters& metrics_registry::get(const std::string& kind, const std::string& name) {
    std::lock_guard lock(mutex_);
    for (entry& e : entries_) {
        if (e.kind == kind && e.name == name) {
            return e.c;
        }
    }
    entries_.emplace_back();
    entries_.back().kind = kind;
    entries_.back().name = name;
    return entries_.back().c;
}

broker_counters& metrics_registry::broker(const std::string& name) {
    std::lock_guard lock(mutex_);
    for (auto& [n, c] : brokers_) {
        if (n == name) {
            return c;
        }
    }
    brokers_.emplace_back(std::piecewise_construct, std::forward_as_tuple(name), std::forward_as_tuple());
    return brokers_.back().second;
}

std::shared_ptr<coropipe::asio::redis_stream_target_stats> metrics_registry::redis_sink(const std::string& name) {
    std::lock_guard lock(mutex_);
    for (auto& [n, stats] : redis_sinks_) {
        if (n == name) {
            return stats;
        }
    }
    redis_sinks_.emplace_back(name, std::make_shared<coropipe::asio::redis_stream_target_stats>());
    return redis_sinks_.back().second;
}

namespace {

std::string escape_label(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

void metrics_registry::set_gauges(const std::string& pipeline, const std::string& name,
                                  const std::vector<std::string>& labels,
                                  const std::vector<coropipe::group_result>& groups) {
    std::vector<std::pair<std::string, std::string>> series;
    for (const coropipe::group_result& g : groups) {
        std::string key;
        for (std::size_t i = 0; i < labels.size() && i < g.keys.size(); ++i) {
            key += (i == 0 ? "{" : ",") + labels[i] + "=\"" + escape_label(g.keys[i]) + "\"";
        }
        key += labels.empty() ? "" : "}";
        series.emplace_back(std::move(key), g.value.to_string());
    }
    std::lock_guard lock(mutex_);
    gauge_family& family = gauges_[name];
    family.pipeline = pipeline;
    for (auto& [key, value] : series) {
        family.series[std::move(key)] = std::move(value);
    }
}

std::string metrics_registry::prometheus() const {
    struct metric {
        const char* name;
        const char* type;
        const char* help;
        std::int64_t (*read)(const counters&);
    };
    static const metric all[] = {
        {"coropiped_lines_in_total", "counter", "Lines taken in by a component.",
         [](const counters& c) { return static_cast<std::int64_t>(c.lines_in.load()); }},
        {"coropiped_bytes_in_total", "counter", "Bytes taken in by a component.",
         [](const counters& c) { return static_cast<std::int64_t>(c.bytes_in.load()); }},
        {"coropiped_lines_out_total", "counter", "Lines passed on (pipelines) or written (sinks).",
         [](const counters& c) { return static_cast<std::int64_t>(c.lines_out.load()); }},
        {"coropiped_bytes_out_total", "counter", "Bytes passed on (pipelines) or written (sinks).",
         [](const counters& c) { return static_cast<std::int64_t>(c.bytes_out.load()); }},
        {"coropiped_lines_dropped_total", "counter", "UDP only: lines dropped because a sink's buffer (and spool) was full (sinks, pipelines); datagrams the kernel dropped, its receive buffer full (sources).",
         [](const counters& c) { return static_cast<std::int64_t>(c.dropped.load()); }},
        {"coropiped_lines_throttled_total", "counter", "Pipelines: lines their throttle stages dropped, over the rate.",
         [](const counters& c) { return static_cast<std::int64_t>(c.throttled.load()); }},
        {"coropiped_lines_truncated_total", "counter", "Lines cut to max_line.",
         [](const counters& c) { return static_cast<std::int64_t>(c.truncated.load()); }},
        {"coropiped_buffer_bytes", "gauge", "Bytes waiting in a component's buffer.",
         [](const counters& c) { return static_cast<std::int64_t>(c.buffer_bytes.load()); }},
        {"coropiped_connections", "gauge", "Open connections of a source.",
         [](const counters& c) { return static_cast<std::int64_t>(c.connections.load()); }},
        {"coropiped_connections_rejected_total", "counter", "Connections closed at once, over max_connections.",
         [](const counters& c) { return static_cast<std::int64_t>(c.rejected.load()); }},
        {"coropiped_errors_total", "counter",
         "Errors: failed writes and reconnects (sinks), failed accepts and bad frames (sources), failed stages (pipelines).",
         [](const counters& c) { return static_cast<std::int64_t>(c.errors.load()); }},
    };
    const health_report h = health();
    std::string out;
    std::lock_guard lock(mutex_);
    for (const metric& m : all) {
        out += std::string("# HELP ") + m.name + " " + m.help + "\n";
        out += std::string("# TYPE ") + m.name + " " + m.type + "\n";
        for (const entry& e : entries_) {
            out += std::string(m.name) + "{kind=\"" + escape_label(e.kind) + "\",name=\"" + escape_label(e.name) +
                   "\"} " + std::to_string(m.read(e.c)) + "\n";
        }
    }
    struct broker_metric {
        const char* name;
        const char* type;
        const char* help;
        std::int64_t (*read)(const broker_counters&);
    };
    static const broker_metric broker_all[] = {
        {"coropiped_entries_read_total", "counter", "Broker sources: entries delivered to this consumer.",
         [](const broker_counters& c) { return static_cast<std::int64_t>(c.entries_read.load()); }},
        {"coropiped_entries_acked_total", "counter",
         "Broker sources: entries acknowledged once every sink had settled their lines.",
         [](const broker_counters& c) { return static_cast<std::int64_t>(c.entries_acked.load()); }},
        {"coropiped_entries_pending", "gauge", "Broker sources: entries read and not yet acknowledged.",
         [](const broker_counters& c) { return c.entries_pending.load(); }},
        {"coropiped_entries_claimed_total", "counter",
         "Broker sources: entries claimed from consumers that left them pending (XAUTOCLAIM).",
         [](const broker_counters& c) { return static_cast<std::int64_t>(c.entries_claimed.load()); }},
        {"coropiped_entries_redelivered_total", "counter",
         "Broker sources: entries delivered again (own pending entries after a restart, claimed ones).",
         [](const broker_counters& c) { return static_cast<std::int64_t>(c.entries_redelivered.load()); }},
        {"coropiped_entries_bad_total", "counter", "Broker sources: entries skipped (no line or lines field).",
         [](const broker_counters& c) { return static_cast<std::int64_t>(c.entries_bad.load()); }},
    };
    for (const broker_metric& m : broker_all) {
        out += std::string("# HELP ") + m.name + " " + m.help + "\n";
        out += std::string("# TYPE ") + m.name + " " + m.type + "\n";
        for (const auto& [name, c] : brokers_) {
            out += std::string(m.name) + "{kind=\"source\",name=\"" + escape_label(name) + "\"} " +
                   std::to_string(m.read(c)) + "\n";
        }
    }
    out += "# HELP coropiped_entries_written_total Redis stream sinks: entries added (XADD confirmed).\n"
           "# TYPE coropiped_entries_written_total counter\n";
    for (const auto& [name, stats] : redis_sinks_) {
        out += "coropiped_entries_written_total{kind=\"sink\",name=\"" + escape_label(name) + "\"} " +
               std::to_string(stats->entries_written.load()) + "\n";
    }
    out += "# HELP coropiped_entries_refused_total Redis stream sinks: XADDs the server refused (retried).\n"
           "# TYPE coropiped_entries_refused_total counter\n";
    for (const auto& [name, stats] : redis_sinks_) {
        out += "coropiped_entries_refused_total{kind=\"sink\",name=\"" + escape_label(name) + "\"} " +
               std::to_string(stats->entries_refused.load()) + "\n";
    }
    out += "# HELP coropiped_broker_connected Broker sources and sinks: 1 while the broker answers.\n"
           "# TYPE coropiped_broker_connected gauge\n";
    for (const auto& [name, c] : brokers_) {
        out += "coropiped_broker_connected{kind=\"source\",name=\"" + escape_label(name) + "\"} " +
               std::to_string(c.connected.load()) + "\n";
    }
    for (const auto& [name, stats] : redis_sinks_) {
        out += "coropiped_broker_connected{kind=\"sink\",name=\"" + escape_label(name) + "\"} " +
               std::string(stats->connected.load() ? "1" : "0") + "\n";
    }
    out += "# HELP coropiped_reloads_total Configuration reloads that took effect.\n"
           "# TYPE coropiped_reloads_total counter\n"
           "coropiped_reloads_total " + std::to_string(reloads.load()) + "\n";
    out += "# HELP coropiped_reload_failures_total Reloads refused (a bad file, a port in use); the running "
           "configuration stayed.\n"
           "# TYPE coropiped_reload_failures_total counter\n"
           "coropiped_reload_failures_total " + std::to_string(reload_failures.load()) + "\n";
    out += "# HELP coropiped_checkpoints_total Followed files' offsets saved while running.\n"
           "# TYPE coropiped_checkpoints_total counter\n"
           "coropiped_checkpoints_total " + std::to_string(checkpoints.load()) + "\n";
    out += "# HELP coropiped_checkpoint_failures_total Offsets that could not be saved.\n"
           "# TYPE coropiped_checkpoint_failures_total counter\n"
           "coropiped_checkpoint_failures_total " + std::to_string(checkpoint_failures.load()) + "\n";
    out += "# HELP coropiped_spooled_lines Lines a sink keeps in its spool file, to be written.\n"
           "# TYPE coropiped_spooled_lines gauge\n";
    for (const auto& [name, lines] : h.spooled) {
        out += "coropiped_spooled_lines{kind=\"sink\",name=\"" + escape_label(name) + "\"} " + std::to_string(lines) +
               "\n";
    }
    for (const auto& [name, family] : gauges_) {
        out += "# HELP " + name + " Pipeline " + family.pipeline + ": each group's value in its last window.\n";
        out += "# TYPE " + name + " gauge\n";
        for (const auto& [labels, value] : family.series) {
            out += name + labels + " " + value + "\n";
        }
    }
    out += tls_metrics_text();
    out += "# HELP coropiped_healthy 1 when every sink writes and every listener accepts.\n"
           "# TYPE coropiped_healthy gauge\n"
           "coropiped_healthy " + std::string(h.ok ? "1" : "0") + "\n";
    return out;
}

void metrics_registry::set_health(std::function<health_report()> probe) {
    std::lock_guard lock(mutex_);
    probe_ = std::move(probe);
}

health_report metrics_registry::health() const {
    std::function<health_report()> probe;
    {
        std::lock_guard lock(mutex_);
        probe = probe_;
    }
    return probe ? probe() : health_report{};
}

} // namespace coropiped
