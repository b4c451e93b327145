// The daemon's configuration: a new one is prepared (sinks opened, new
// listeners bound: anything may fail, and nothing running changes), then
// committed (routes replaced, sources updated, started or stopped).
#include "daemon_state.hpp"

#include "log.hpp"
#include "notify.hpp"
#include "sinks.hpp"
#include "tls.hpp" // make_tls_settings, tls_context_slot: a reload reads the certificates again

#include <algorithm>

namespace coropiped {

namespace {

using coropipe::asio::queued_sink;
using coropipe::asio::sink_report;

bool uses(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

// ---- configuration: prepare (may fail, changes nothing), then commit ------------

sink_handle daemon::open_sink_entry(const sink_config& c, std::shared_ptr<tls_context_slot> tls) {
    std::shared_ptr<queued_sink> real = open_sink(io_, c, metrics_, std::move(tls));
    const std::string key = c.name + "@" + std::to_string(reinterpret_cast<std::uintptr_t>(real.get()));
    {
        std::lock_guard lock(mutex_);
        live_sinks_[key] = real;
    }
    // The users' handle: when the last route holding it is gone, the sink
    // writes what it holds and reports.
    std::weak_ptr<daemon> self = weak_from_this();
    return sink_handle(std::shared_ptr<queued_sink>(real.get(), [real, self, key, name = c.name](queued_sink*) {
        real->finish([self, key, name](sink_report r) {
            if (auto d = self.lock()) {
                {
                    std::lock_guard lock(d->mutex_);
                    d->live_sinks_.erase(key);
                }
                d->sink_done(name, r);
            }
        });
    }));
}

coropipe::plan_options plan_of(const pipeline_config& pipeline) {
    coropipe::plan_options o;
    o.groups.json = pipeline.format == pipeline_config::output_format::json;
    o.groups.grace = pipeline.grace;
    return o;
}

daemon::prepared daemon::prepare(const daemon_config& next) {
    // A sink reached through a link from a followed file (checked now: the
    // links may have changed since --check).
    if (const std::vector<config_diagnostic> loops = feedback_loops(next); !loops.empty()) {
        throw std::runtime_error(loops.front().to_string());
    }
    prepared p;
    for (const pipeline_config& pc : next.pipelines) {
        try {
            coropipe::plan_options o = plan_of(pc);
            // Not owned: the registry's counters live as long as the daemon.
            o.throttled = std::shared_ptr<std::atomic<std::uint64_t>>(std::shared_ptr<void>(),
                                                                      &metrics_.get("pipeline", pc.name).throttled);
            if (!pc.metric_name.empty()) {
                o.groups.on_window = [registry = &metrics_, pipeline = pc.name, name = pc.metric_name,
                                      labels = pc.metric_labels](std::string_view,
                                                                 const std::vector<coropipe::group_result>& groups) {
                    registry->set_gauges(pipeline, name, labels, groups);
                };
            }
            p.pipelines.emplace(pc.name, coropipe::text_pipeline(pc.run, std::move(o)));
        } catch (const std::exception& e) {
            throw std::runtime_error("pipeline " + pc.name + ": " + e.what());
        }
    }
    // (On the signal handler's thread: nothing else changes the maps; the
    // lock is for readers such as /health.)
    std::map<std::string, sink_entry> old_sinks;
    std::map<std::string, source_config> old_sources;
    {
        std::lock_guard lock(mutex_);
        old_sinks = sinks_;
        for (const auto& [name, entry] : sources_) {
            old_sources.emplace(name, entry.config);
        }
    }
    for (const sink_config& c : next.sinks) {
        const auto old = old_sinks.find(c.name);
        if (old != old_sinks.end() && old->second.config == c) {
            if (old->second.tls) {
                // Its certificates read again: a bad file refuses the reload, the old context stays.
                p.sink_tls.emplace_back(old->second.tls, make_sink_tls(c));
            }
            p.sinks.emplace(c.name, old->second);
        } else {
            std::shared_ptr<tls_context_slot> tls = make_sink_tls(c); // throws: the new ones finish unused
            p.sinks.emplace(c.name, sink_entry{c, open_sink_entry(c, tls), tls});
        }
    }
    if (http_ && http_->tls() && !next.metrics_tls_cert.empty()) {
        p.metrics_tls = std::make_shared<tls_context_slot>(make_metrics_context(next)); // a bad file refuses the reload
    }
    for (const source_config& c : next.sources) {
        const auto old = old_sources.find(c.name);
        if (old != old_sources.end() && same_place(old->second, c)) {
            if (c.tls()) { // its certificates read again: a bad file refuses the reload; the old ones stay
                if (c.type == source_config::kind::redis_stream) {
                    (void)make_client_context("source " + c.name, c.tls_ca, c.tls_cert, c.tls_key);
                } else {
                    (void)make_tls_settings(c);
                }
            }
            continue; // taken over at commit
        }
        auto table = std::make_shared<route_table>();
        source_env env{&io_, table, &metrics_.get("source", c.name), &runs_, &positions_,
                       c.type == source_config::kind::redis_stream ? &metrics_.broker(c.name) : nullptr};
        p.sources.emplace(c.name, source_entry{c, open_source(c, std::move(env)), table}); // binds: may throw
    }
    return p;
}

std::vector<coropipe::asio::route<sink_handle>> daemon::routes_for(const std::string& source, const daemon_config& c,
                                                                   const prepared& p) {
    std::vector<coropipe::asio::route<sink_handle>> routes;
    for (const pipeline_config& pc : c.pipelines) {
        if (!uses(pc.from, source)) {
            continue;
        }
        coropipe::asio::route<sink_handle> r{pc.name, p.pipelines.at(pc.name), {}, &metrics_.get("pipeline", pc.name)};
        for (const std::string& to : pc.to) {
            r.sinks.push_back(p.sinks.at(to).users);
        }
        routes.push_back(std::move(r));
    }
    return routes;
}

void daemon::commit(prepared p, daemon_config next) {
    std::vector<running_source*> to_stop;
    {
        std::lock_guard lock(mutex_);
        // Sources: kept ones (same place) take the new settings in place and
        // keep their sockets and connections; others stop, new ones start.
        for (auto it = sources_.begin(); it != sources_.end();) {
            const source_config* now = nullptr;
            for (const source_config& c : next.sources) {
                if (c.name == it->first) {
                    now = &c;
                }
            }
            if (now != nullptr && !p.sources.contains(it->first) && ((it->second.config == *now && !now->tls()) ||
                                                                     it->second.source->update(*now))) {
                it->second.config = *now;
                p.sources.emplace(it->first, std::move(it->second));
            } else {
                to_stop.push_back(it->second.source.get());
                retired_.push_back(std::move(it->second.source));
            }
            it = sources_.erase(it);
        }
        for (auto& [name, entry] : p.sources) {
            entry.table->replace(routes_for(name, next, p));
        }
        sources_ = std::move(p.sources);
        sinks_ = std::move(p.sinks);
        for (const auto& [running, reread] : p.sink_tls) {
            running->replace(reread->current()); // the sink's next connection uses it
        }
        if (p.metrics_tls) {
            http_->tls()->replace(p.metrics_tls->current());
        }
        config_ = std::move(next);
    }
    for (running_source* s : to_stop) {
        s->stop();
    }
}

void daemon::reopen() {
    std::lock_guard lock(mutex_);
    for (auto& [key, sink] : live_sinks_) {
        sink->reopen();
    }
}

void daemon::reload() {
    log(log_level::info, "reloading " + config_.file.string());
    notify("RELOADING=1");
    try {
        daemon_config next = load_();
        prepared p = prepare(next); // binds new listeners first: a failure changes nothing
        std::vector<running_source*> fresh;
        for (auto& [name, entry] : p.sources) {
            fresh.push_back(entry.source.get());
        }
        commit(std::move(p), std::move(next));
        for (running_source* s : fresh) {
            s->start();
        }
        reopen();
        ++metrics_.reloads;
        log(log_level::info, "reloaded");
    } catch (const std::exception& e) {
        ++metrics_.reload_failures;
        log(log_level::error, std::string("reload refused, the running configuration stays: ") + e.what());
    }
    notify("READY=1");
}

health_report daemon::health() {
    health_report h;
    std::lock_guard lock(mutex_);
    for (const auto& [key, sink] : live_sinks_) {
        const coropipe::asio::sink_health s = sink->health();
        if (!s.ok) {
            const auto secs =
                std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - s.since).count();
            h.problems.push_back("sink " + sink->options().name + ": cannot write: " + s.reason + " (for " +
                                 std::to_string(secs) + " s; " + std::to_string(s.held_lines) + " lines held" +
                                 (s.spooled_lines != 0 ? ", " + std::to_string(s.spooled_lines) + " spooled" : "") +
                                 ")");
        }
        if (!sink->options().spool.empty()) {
            h.spooled.emplace_back(sink->options().name, s.spooled_lines);
        }
    }
    for (const auto& [name, entry] : sources_) {
        if (std::string t = entry.source->trouble(); !t.empty()) {
            h.problems.push_back(std::move(t));
        }
    }
    h.ok = h.problems.empty();
    return h;
}

} // namespace coropiped
