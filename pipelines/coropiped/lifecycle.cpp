// The daemon's life: start, signals, shutdown and the exit status.
#include "daemon_state.hpp"

#include "log.hpp"
#include "notify.hpp"
#include "privileges.hpp"
#include "tls.hpp" // make_server_context: [daemon.metrics_tls]

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>

namespace coropiped {

using coropipe::asio::queued_sink;
using coropipe::asio::sink_report;

namespace {

/// Raises the soft limit of descriptors to the hard one (systemd's soft
/// default is 1024), and warns when the sources' max_connections cannot all
/// be served: past the limit, accepts fail and clients wait in the backlog.
void fit_descriptor_limit(const daemon_config& c) {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0) {
        return;
    }
    if (l.rlim_cur < l.rlim_max) {
        l.rlim_cur = l.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &l) != 0) {
            (void)::getrlimit(RLIMIT_NOFILE, &l);
        }
    }
    std::uint64_t wanted = 64; // sinks, files, the metrics server
    for (const source_config& s : c.sources) {
        if (s.type == source_config::kind::tcp || s.type == source_config::kind::unix_stream) {
            wanted += s.max_connections;
        }
    }
    if (l.rlim_cur != RLIM_INFINITY && wanted > l.rlim_cur) {
        log(log_level::warning, "the sources allow " + std::to_string(wanted - 64) + " connections but only " +
                                    std::to_string(l.rlim_cur) +
                                    " descriptors may be open (RLIMIT_NOFILE): past that, accepts wait (raise "
                                    "LimitNOFILE, or lower max_connections)");
    }
}

} // namespace

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
    {
        std::lock_guard lock(mutex_); // (checkpoints look at it)
        stopping_ = true;
    }
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
                                          (r.last_error.empty() ? "" : " (" + r.last_error + ")") +
                                          (r.lines_spooled != 0 ? "; " + std::to_string(r.lines_spooled) +
                                                                      " kept in its spool"
                                                                : ""));
                {
                    std::lock_guard lock(self->mutex_);
                    self->lines_lost_ += r.lines_lost;
                }
                if (pending->fetch_sub(1) == 1) {
                    self->save_offsets();
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

void daemon::save_offsets() {
    std::uint64_t lost = 0;
    {
        std::lock_guard lock(mutex_);
        lost = lines_lost_;
    }
    std::string error;
    if (lost != 0 && positions_.enabled()) {
        // The offsets read to the end would skip the lines not written: the
        // state file keeps its last checkpoint (settled lines only), and the
        // followed files' lines after it are read again at the next start.
        log(log_level::warning, "state file: the offsets stay at the last checkpoint (lines were not written)");
    } else if (!positions_.save(&error)) {
        log(log_level::error, "state file: " + error);
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
    std::string spooled;
    if (r.lines_spooled != 0) {
        std::lock_guard lock(mutex_);
        for (const sink_config& s : config_.sinks) {
            if (s.name == name) {
                spooled = ", " + std::to_string(r.lines_spooled) + " kept in the spool " + s.spool.string() +
                          " (written at the next start)";
            }
        }
    }
    log(r.lines_lost != 0 ? log_level::error : log_level::info,
        "sink " + name + ": " + std::to_string(c.lines_out.load()) + " lines written, " +
            std::to_string(c.dropped.load()) + " dropped" + spooled +
            (r.lines_lost != 0 ? ", " + std::to_string(r.lines_lost) + " not written (" + r.last_error + ")" : ""));
    bool last = false;
    {
        std::lock_guard lock(mutex_);
        lines_lost_ += r.lines_lost;
        lines_spooled_ += r.lines_spooled;
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
    fit_descriptor_limit(config_);
    try {
        prepared p = prepare(config_);
        std::vector<running_source*> fresh;
        for (auto& [name, entry] : p.sources) {
            fresh.push_back(entry.source.get());
        }
        daemon_config c = config_;
        commit(std::move(p), std::move(c));
        if (config_.metrics_enabled) {
            std::shared_ptr<tls_context_slot> tls;
            if (!config_.metrics_tls_cert.empty()) {
                tls = std::make_shared<tls_context_slot>(make_metrics_context(config_));
            }
            const std::string scheme = tls ? "https" : "http";
            http_ = std::make_unique<metrics_server>(io_, config_.metrics_listen, metrics_, config_.metrics_auth,
                                                     std::move(tls));
            http_->start();
            log(log_level::info, "metrics on " + scheme + "://" + http_->local_address() + "/metrics");
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
        schedule_checkpoint();
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
    save_offsets();
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
    if (lines_spooled_ != 0) {
        log(log_level::info, "stopped; every buffered line was written or spooled (" + std::to_string(lines_spooled_) +
                                 " lines in spools)");
        return 0;
    }
    log(log_level::info, "stopped; every buffered line was written");
    return 0;
}

int run_daemon(daemon_config initial, config_loader reload) {
    auto d = std::make_shared<daemon>(std::move(initial), std::move(reload));
    return d->run();
}

} // namespace coropiped
