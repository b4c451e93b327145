#include "daemon.hpp"

#include "http.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "offsets.hpp"
#include "privileges.hpp"
#include "sinks.hpp"
#include "sources.hpp"

#include <coropipe/text_pipeline.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

namespace coropiped {

namespace {

namespace net = boost::asio;
using coropipe::asio::queued_sink;
using coropipe::asio::sink_report;

unsigned thread_count(const daemon_config& c) {
    return c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
}

bool uses(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

class daemon : public std::enable_shared_from_this<daemon> {
public:
    daemon(daemon_config c, config_loader load)
        : io_(static_cast<int>(thread_count(c))),
          work_(net::make_work_guard(io_)),
          config_(std::move(c)),
          load_(std::move(load)),
          positions_(config_.state_file) {}

    int run();

private:
    struct sink_entry {
        sink_config config;
        sink_handle users; // routes hold copies; the last one gone finishes the sink
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
    };

    prepared prepare(const daemon_config& next);
    void commit(prepared p, daemon_config next);
    std::vector<coropipe::asio::route<sink_handle>> routes_for(const std::string& source, const daemon_config& c,
                                                               const prepared& p);
    sink_handle open_sink_entry(const sink_config& c);
    void reload();
    void reopen();
    health_report health();

    net::awaitable<void> handle_signals();
    void shutdown();
    void release_sinks();
    void sink_done(const std::string& name, const sink_report& r);

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
    std::map<std::string, std::shared_ptr<queued_sink>> live_sinks_; // by name + address: every sink not yet done
    std::uint64_t lines_lost_ = 0;

    bool stopping_ = false;
    bool released_ = false;
    std::unique_ptr<net::steady_timer> deadline_;
    std::unique_ptr<metrics_server> http_;
    std::unique_ptr<net::signal_set> signals_;
};

// ---- configuration: prepare (may fail, changes nothing), then commit ------------

sink_handle daemon::open_sink_entry(const sink_config& c) {
    std::shared_ptr<queued_sink> real = open_sink(io_, c, metrics_.get("sink", c.name));
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

daemon::prepared daemon::prepare(const daemon_config& next) {
    prepared p;
    for (const pipeline_config& pc : next.pipelines) {
        try {
            p.pipelines.emplace(pc.name, coropipe::text_pipeline(pc.run));
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
            p.sinks.emplace(c.name, old->second);
        } else {
            p.sinks.emplace(c.name, sink_entry{c, open_sink_entry(c)}); // throws: the new ones finish unused
        }
    }
    for (const source_config& c : next.sources) {
        const auto old = old_sources.find(c.name);
        if (old != old_sources.end() && same_place(old->second, c)) {
            continue; // taken over at commit
        }
        auto table = std::make_shared<route_table>();
        source_env env{&io_, table, &metrics_.get("source", c.name), &runs_, &positions_};
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
            if (now != nullptr && !p.sources.contains(it->first) && (it->second.config == *now ||
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
                                 std::to_string(secs) + " s; " + std::to_string(s.held_lines) + " lines held)");
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

// ---- signals and shutdown ------------------------------------------------------------

net::awaitable<void> daemon::handle_signals() {
    for (;;) {
        const int sig = co_await signals_->async_wait(net::use_awaitable);
        // Nothing a signal does may end this loop: each is handled whole.
        try {
            if (sig == SIGHUP) {
                reload();
            } else if (sig == SIGUSR1) {
                reopen(); // before saying so: a writer after the message writes to the new file
                log(log_level::info, "reopening files");
            } else if (!stopping_) {
                log(log_level::info, std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
                shutdown();
            }
        } catch (const std::exception& e) {
            log(log_level::error, std::string("signal ") + std::to_string(sig) + ": " + e.what());
        }
    }
}

void daemon::shutdown() {
    notify("STOPPING=1");
    stopping_ = true;
    if (http_) {
        http_->stop();
    }
    deadline_ = std::make_unique<net::steady_timer>(io_, config_.shutdown_timeout);
    deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec) {
            return; // finished in time
        }
        std::vector<std::shared_ptr<queued_sink>> left;
        {
            std::lock_guard lock(self->mutex_);
            for (auto& [key, sink] : self->live_sinks_) {
                left.push_back(sink);
            }
        }
        log(log_level::error, "shutdown deadline passed with " + std::to_string(left.size()) +
                                  " sinks still writing; giving up on them");
        auto pending = std::make_shared<std::atomic<std::size_t>>(left.size());
        for (auto& sink : left) {
            sink->abandon([self, pending, name = sink->options().name](sink_report r) {
                log(log_level::error, "sink " + name + ": " + std::to_string(r.lines_lost) +
                                          " lines were not written" +
                                          (r.last_error.empty() ? "" : " (" + r.last_error + ")"));
                if (pending->fetch_sub(1) == 1) {
                    std::fflush(nullptr);
                    // Coroutines still wait in the loop (on a dead peer, say),
                    // holding the daemon's state: leave now, as promised.
                    log(log_level::info, "stopped after the deadline");
                    std::_Exit(1);
                }
            });
        }
        if (left.empty()) {
            log(log_level::info, "stopped after the deadline");
            std::_Exit(1);
        }
    });
    std::vector<running_source*> all;
    {
        std::lock_guard lock(mutex_);
        for (auto& [name, entry] : sources_) {
            all.push_back(entry.source.get());
        }
    }
    for (running_source* s : all) {
        s->stop(); // every listener and connection: their reads end, their runs drain
    }
    if (runs_.live() == 0) {
        release_sinks();
    }
}

void daemon::release_sinks() {
    // No run is left: the routes and the daemon's own handles go, so every
    // sink writes what it holds and reports.
    std::size_t live = 0;
    {
        std::lock_guard lock(mutex_);
        if (released_) {
            return;
        }
        released_ = true;
        for (auto& [name, entry] : sources_) {
            entry.table->replace({});
            retired_.push_back(std::move(entry.source));
        }
        sources_.clear();
        sinks_.clear();
        live = live_sinks_.size();
    }
    if (live == 0) {
        net::post(io_, [this] { work_.reset(); io_.stop(); });
    }
}

void daemon::sink_done(const std::string& name, const sink_report& r) {
    const counters& c = metrics_.get("sink", name);
    log(log_level::info, "sink " + name + ": " + std::to_string(c.lines_out.load()) + " lines written, " +
                             std::to_string(c.dropped.load()) + " dropped");
    bool last = false;
    {
        std::lock_guard lock(mutex_);
        lines_lost_ += r.lines_lost;
        last = released_ && live_sinks_.empty();
    }
    if (last) {
        net::post(io_, [this] {
            if (deadline_) {
                deadline_->cancel();
            }
            work_.reset();
            io_.stop();
        });
    }
}

int daemon::run() {
    std::signal(SIGXFSZ, SIG_IGN); // a file sink past RLIMIT_FSIZE gets EFBIG, reported, not a killed daemon
    try {
        prepared p = prepare(config_);
        std::vector<running_source*> fresh;
        for (auto& [name, entry] : p.sources) {
            fresh.push_back(entry.source.get());
        }
        daemon_config c = config_;
        commit(std::move(p), std::move(c));
        if (config_.metrics_enabled) {
            http_ = std::make_unique<metrics_server>(io_, config_.metrics_listen, metrics_);
            http_->start();
            log(log_level::info, "metrics on http://" + http_->local_address() + "/metrics");
        }
        // Bound and opened as root if need be; from here on, as the configured user.
        drop_privileges(config_.user, config_.group);
        runs_.on_idle([self = shared_from_this()] {
            if (self->stopping_) {
                net::post(self->io_, [self] { self->release_sinks(); });
            }
        });
        metrics_.set_health([self = weak_from_this()] {
            auto d = self.lock();
            return d ? d->health() : health_report{};
        });
        for (running_source* s : fresh) {
            s->start();
        }
    } catch (const std::exception& e) {
        log(log_level::error, e.what());
        return 1;
    }
    // Installed before "ready": a signal from then on is handled.
    signals_ = std::make_unique<net::signal_set>(io_, SIGTERM, SIGINT, SIGHUP);
    signals_->add(SIGUSR1);
    net::co_spawn(io_, handle_signals(), net::detached);
    log(log_level::info, "ready: " + std::to_string(config_.sources.size()) + " sources, " +
                             std::to_string(config_.pipelines.size()) + " pipelines, " +
                             std::to_string(config_.sinks.size()) + " sinks, " +
                             std::to_string(thread_count(config_)) + " threads");
    notify("READY=1");
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < thread_count(config_); ++i) {
        threads.emplace_back([this] { io_.run(); });
    }
    io_.run();
    for (auto& t : threads) {
        t.join();
    }
    std::string error;
    if (!positions_.save(&error)) {
        log(log_level::error, "state file: " + error);
    }
    for (const source_config& src : config_.sources) {
        const counters& c = metrics_.get("source", src.name);
        log(log_level::info, "source " + src.name + ": " + std::to_string(c.lines_in.load()) + " lines, " +
                                 std::to_string(c.bytes_in.load()) + " bytes in, " +
                                 std::to_string(c.truncated.load()) + " truncated");
    }
    if (lines_lost_ != 0) {
        log(log_level::error, "stopped; " + std::to_string(lines_lost_) + " lines were not written");
        return 1;
    }
    log(log_level::info, "stopped; every buffered line was written");
    return 0;
}

int run_daemon(daemon_config initial, config_loader reload) {
    auto d = std::make_shared<daemon>(std::move(initial), std::move(reload));
    return d->run();
}

} // namespace coropiped
