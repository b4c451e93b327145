#include "daemon.hpp"

#include "http.hpp"
#include "notify.hpp"

#include <coropipe/asio/datagram_source.hpp>
#include <coropipe/asio/descriptor.hpp>
#include <coropipe/asio/file_source.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/asio/stream_source.hpp>
#include <coropipe/detail/octet_framing.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/text_pipeline.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace coropiped {

namespace {

using coropipe::asio::run_stats;
using tcp = net::ip::tcp;
using udp = net::ip::udp;
using unix_stream = net::local::stream_protocol;

void log(const char* level, const std::string& message) {
    std::fprintf(stderr, "coropiped: %s: %s\n", level, message.c_str());
}

/// "host:port" or "[v6]:port".
std::pair<std::string, std::string> split_address(const std::string& address) {
    const auto colon = address.rfind(':');
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') {
        host = host.substr(1, host.size() - 2);
    }
    return {host, colon == std::string::npos ? "" : address.substr(colon + 1)};
}

template <class Endpoint>
Endpoint resolve_listen(net::io_context& io, const std::string& address) {
    auto [host, port] = split_address(address);
    typename Endpoint::protocol_type::resolver resolver(io);
    auto results = resolver.resolve(host, port, Endpoint::protocol_type::resolver::passive);
    return results.begin()->endpoint();
}

template <class Endpoint>
std::string to_text(const Endpoint& e) {
    const auto a = e.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

/// One pipeline as a source's connections see it: its text and sinks.
struct route {
    std::string name;
    std::string run;
    std::vector<std::shared_ptr<sink_runner>> to;
    counters* metrics = nullptr;
};

/// Every pipeline, by the source it reads. Immutable; replaced on reload.
struct routing {
    std::map<std::string, std::vector<route>> by_source;
};

/// One pipeline's stages inside one connection.
struct lane {
    const route* r = nullptr;
    std::optional<coropipe::text_run> run;
    std::uint64_t lines_in = 0;
    std::uint64_t delivered_lines = 0;
    bool alive = true;
};

} // namespace

class daemon_state : public std::enable_shared_from_this<daemon_state> {
public:
    daemon_state(settings s, std::string config_path, settings_loader load)
        : io_(static_cast<int>(thread_count(s))),
          settings_(std::move(s)),
          config_path_(std::move(config_path)),
          load_(std::move(load)),
          work_(net::make_work_guard(io_)) {}

    static unsigned thread_count(const settings& s) {
        return s.threads != 0 ? s.threads : std::max(1u, std::thread::hardware_concurrency());
    }

    int run();

private:
    // ---- configuration ------------------------------------------------------
    std::shared_ptr<const routing> current_routing() {
        std::lock_guard lock(mutex_);
        return routing_;
    }
    std::map<std::string, std::shared_ptr<sink_runner>> make_sinks(const settings& s);
    std::shared_ptr<const routing> make_routing(const settings& s,
                                                const std::map<std::string, std::shared_ptr<sink_runner>>& sinks);
    void reload();
    void reopen_files();

    // ---- sources --------------------------------------------------------------
    void start_source(const settings::source& src);
    void stop_source(const std::string& name);
    std::uint64_t register_stopper(const std::string& source, std::function<void()> stop);
    void unregister_stopper(std::uint64_t id);
    void source_ended();

    template <class Acceptor>
    net::awaitable<void> accept_loop(settings::source src, std::shared_ptr<Acceptor> acceptor);
    template <class Socket>
    net::awaitable<void> serve_stream(settings::source src, std::shared_ptr<Socket> socket);

    /// Returns the bytes of a partial last line not passed on (`hold_partial`:
    /// a followed file's, re-read after a restart).
    template <class Source>
    net::awaitable<std::size_t> pump(Source& source, settings::source src, bool lossy, bool hold_partial = false);
    /// `pump`, with a stopper that calls `source->stop()` or `close()` on the
    /// source's executor; `keep` is what the source references.
    template <class Source>
    net::awaitable<std::size_t> pump_until_stopped(std::shared_ptr<Source> source, std::shared_ptr<void> keep,
                                                   settings::source src, bool lossy, bool hold_partial = false);

    // ---- file sources' positions (the state file) ------------------------------
    void load_state();
    void save_state();
    std::map<std::string, coropipe::file_position> positions_; // guarded by mutex_

    std::vector<std::unique_ptr<lane>> make_lanes(const routing& r, const std::string& source);
    bool push(std::vector<std::unique_ptr<lane>>& lanes, std::string_view line);
    net::awaitable<void> deliver(std::vector<std::unique_ptr<lane>>& lanes, bool lossy);
    void close_lanes(std::vector<std::unique_ptr<lane>>& lanes);

    // ---- signals and shutdown -------------------------------------------------
    net::awaitable<void> handle_signals();
    void shutdown();
    void maybe_finish_sinks();
    void sink_done();

    net::io_context io_;
    settings settings_;
    std::string config_path_;
    settings_loader load_;
    net::executor_work_guard<net::io_context::executor_type> work_;
    metrics_registry metrics_;

    std::mutex mutex_;
    std::shared_ptr<const routing> routing_;
    std::map<std::string, std::shared_ptr<sink_runner>> sinks_; // users' references (see make_sinks)
    struct stopper {
        std::string source;
        std::function<void()> stop;
    };
    std::map<std::uint64_t, stopper> stoppers_;
    std::uint64_t next_stopper_ = 0;

    std::atomic<int> live_sources_{0};
    std::atomic<int> live_sinks_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> sinks_finished_{false};
    std::atomic<bool> clean_{true};
    std::unique_ptr<net::steady_timer> deadline_;
    std::unique_ptr<metrics_server> http_;
    std::unique_ptr<net::signal_set> signals_;
};

// ---- configuration ------------------------------------------------------------

// Producers hold "users' references": when the last one goes (every routing
// that names the sink is gone), the runner is told to finish, drains and
// reports done. A reload carries an unchanged sink's reference over.
std::map<std::string, std::shared_ptr<sink_runner>> daemon_state::make_sinks(const settings& s) {
    std::map<std::string, std::shared_ptr<sink_runner>> out;
    std::vector<std::shared_ptr<sink_runner>> started;
    for (const sink_options& o : s.sinks) {
        {
            std::lock_guard lock(mutex_);
            auto old = sinks_.find(o.name);
            if (old != sinks_.end() && old->second->options() == o) {
                out[o.name] = old->second;
                continue;
            }
        }
        auto runner = std::make_shared<sink_runner>(net::make_strand(io_), o, metrics_.get("sink", o.name));
        ++live_sinks_;
        try {
            runner->start([self = shared_from_this()] { self->sink_done(); });
        } catch (...) {
            --live_sinks_;
            for (auto& r : started) {
                r->finish(); // the reload fails: the sinks it opened go
            }
            throw;
        }
        started.push_back(runner);
        out[o.name] = std::shared_ptr<sink_runner>(runner.get(), [runner](sink_runner*) { runner->finish(); });
    }
    return out;
}

std::shared_ptr<const routing>
daemon_state::make_routing(const settings& s, const std::map<std::string, std::shared_ptr<sink_runner>>& sinks) {
    auto r = std::make_shared<routing>();
    for (const settings::pipeline& p : s.pipelines) {
        route rt;
        rt.name = p.name;
        rt.run = p.run;
        rt.metrics = &metrics_.get("pipeline", p.name);
        for (const std::string& to : p.to) {
            rt.to.push_back(sinks.at(to));
        }
        for (const std::string& from : p.from) {
            r->by_source[from].push_back(rt);
        }
    }
    return r;
}

void daemon_state::reload() {
    log("info", "reloading " + config_path_);
    notify("RELOADING=1");
    settings next;
    try {
        next = load_(config_path_);
    } catch (const std::exception& e) {
        ++metrics_.reload_failures;
        log("error", std::string("reload refused, the running configuration stays: ") + e.what());
        notify("READY=1");
        return;
    }
    std::map<std::string, std::shared_ptr<sink_runner>> sinks;
    try {
        sinks = make_sinks(next);
    } catch (const std::exception& e) {
        ++metrics_.reload_failures;
        log("error", std::string("reload refused, the running configuration stays: ") + e.what());
        notify("READY=1");
        return;
    }
    auto r = make_routing(next, sinks);
    {
        std::lock_guard lock(mutex_);
        routing_ = r;
        sinks_ = std::move(sinks);
    }
    // Sources: unchanged ones keep their sockets and connections (which
    // take the new pipelines at their next read); others are replaced.
    for (const settings::source& old : settings_.sources) {
        auto same = std::find(next.sources.begin(), next.sources.end(), old);
        if (same == next.sources.end()) {
            stop_source(old.name);
        }
    }
    for (const settings::source& src : next.sources) {
        if (std::find(settings_.sources.begin(), settings_.sources.end(), src) == settings_.sources.end()) {
            start_source(src);
        }
    }
    settings_ = std::move(next);
    reopen_files();
    ++metrics_.reloads;
    log("info", "reloaded");
    notify("READY=1");
}

void daemon_state::reopen_files() {
    std::lock_guard lock(mutex_);
    for (auto& [name, sink] : sinks_) {
        sink->reopen();
    }
}

// ---- sources ----------------------------------------------------------------------

std::uint64_t daemon_state::register_stopper(const std::string& source, std::function<void()> stop) {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_stopper_++;
    stoppers_[id] = {source, std::move(stop)};
    return id;
}

void daemon_state::unregister_stopper(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    stoppers_.erase(id);
}

void daemon_state::stop_source(const std::string& name) {
    std::vector<std::function<void()>> stops;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, s] : stoppers_) {
            if (name.empty() || s.source == name) {
                stops.push_back(s.stop);
            }
        }
    }
    for (auto& stop : stops) {
        stop();
    }
}

void daemon_state::source_ended() {
    if (--live_sources_ == 0 && stopping_) {
        maybe_finish_sinks();
    }
}

void daemon_state::start_source(const settings::source& src) {
    auto self = shared_from_this();
    auto done = [self](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log("error", x.what());
            }
        }
        self->source_ended();
    };
    using kind = settings::source::kind;
    switch (src.type) {
    case kind::tcp: {
        auto strand = net::make_strand(io_);
        auto acceptor = std::make_shared<tcp::acceptor>(strand, resolve_listen<tcp::endpoint>(io_, src.listen));
        log("info", "source " + src.name + ": listening on tcp " + to_text(acceptor->local_endpoint()));
        ++live_sources_;
        net::co_spawn(strand, accept_loop(src, acceptor), done);
        break;
    }
    case kind::unix_stream: {
        auto strand = net::make_strand(io_);
        ::unlink(src.listen.c_str()); // a stale socket file from an earlier run
        auto acceptor = std::make_shared<unix_stream::acceptor>(strand, unix_stream::endpoint(src.listen));
        log("info", "source " + src.name + ": listening on unix " + src.listen);
        ++live_sources_;
        net::co_spawn(strand, accept_loop(src, acceptor), done);
        break;
    }
    case kind::udp: {
        auto strand = net::make_strand(io_);
        auto socket = std::make_shared<udp::socket>(strand, resolve_listen<udp::endpoint>(io_, src.listen));
        log("info", "source " + src.name + ": listening on udp " + to_text(socket->local_endpoint()));
        ++live_sources_;
        net::co_spawn(
            strand,
            [](std::shared_ptr<daemon_state> d, settings::source s,
               std::shared_ptr<udp::socket> sock) -> net::awaitable<void> {
                auto source = std::make_shared<coropipe::asio::datagram_source<udp::socket>>(*sock);
                co_await d->pump_until_stopped(source, sock, s, /*lossy=*/true);
            }(self, src, socket),
            done);
        break;
    }
    case kind::stdin_: {
        auto strand = net::make_strand(io_);
        ++live_sources_;
        net::co_spawn(
            strand,
            [](std::shared_ptr<daemon_state> d, settings::source s,
               net::any_io_executor ex) -> net::awaitable<void> {
                auto source = std::make_shared<coropipe::asio::descriptor_source>(ex, 0);
                co_await d->pump_until_stopped(source, nullptr, s, /*lossy=*/false);
            }(self, src, strand),
            done);
        break;
    }
    case kind::file: {
        auto strand = net::make_strand(io_);
        ++live_sources_;
        net::co_spawn(
            strand,
            [](std::shared_ptr<daemon_state> d, settings::source s,
               net::any_io_executor ex) -> net::awaitable<void> {
                coropipe::follow_options options;
                options.start = s.start_at_end ? coropipe::follow_start::end : coropipe::follow_start::beginning;
                const std::string name = s.name;
                options.on_event = [name](coropipe::follow_event event, const std::filesystem::path& path) {
                    log("info", "source " + name + ": " + path.string() + ": " + coropipe::describe(event));
                };
                {
                    std::lock_guard lock(d->mutex_);
                    if (auto saved = d->positions_.find(name); saved != d->positions_.end()) {
                        options.resume = saved->second;
                    }
                }
                auto source = std::make_shared<coropipe::asio::followed_file>(ex, s.path, std::move(options));
                const std::size_t held =
                    co_await d->pump_until_stopped(source, nullptr, s, /*lossy=*/false, /*hold_partial=*/true);
                // Where the next run starts: after the last whole line.
                coropipe::file_position at = source->follower().position();
                at.offset -= static_cast<std::int64_t>(std::min<std::size_t>(held, static_cast<std::size_t>(at.offset)));
                std::lock_guard lock(d->mutex_);
                d->positions_[name] = at;
            }(self, src, strand),
            done);
        break;
    }
    }
}

// The state file: one line per followed file, "DEVICE INODE OFFSET NAME".
// Written (to a temporary, then renamed) only after a clean shutdown, when
// everything read was written to the sinks: a restart goes on from there.
// After a crash the older state stays: lines may come again, none is lost.
void daemon_state::load_state() {
    if (settings_.state_file.empty()) {
        return;
    }
    std::FILE* f = std::fopen(settings_.state_file.c_str(), "r");
    if (f == nullptr) {
        return; // first run
    }
    char line[4096];
    while (std::fgets(line, sizeof line, f) != nullptr) {
        unsigned long long dev = 0, ino = 0;
        long long offset = 0;
        int used = 0;
        if (std::sscanf(line, "%llu %llu %lld %n", &dev, &ino, &offset, &used) == 3 && used > 0) {
            std::string name(line + used);
            while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) {
                name.pop_back();
            }
            positions_[name] = {dev, ino, offset};
        }
    }
    std::fclose(f);
}

void daemon_state::save_state() {
    if (settings_.state_file.empty()) {
        return;
    }
    const std::string tmp = settings_.state_file + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) {
        log("error", "cannot write state file " + tmp + ": " + std::strerror(errno));
        return;
    }
    for (const auto& [name, at] : positions_) {
        std::fprintf(f, "%llu %llu %lld %s\n", static_cast<unsigned long long>(at.device),
                     static_cast<unsigned long long>(at.inode), static_cast<long long>(at.offset), name.c_str());
    }
    const bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    std::fclose(f);
    if (!ok || std::rename(tmp.c_str(), settings_.state_file.c_str()) != 0) {
        log("error", "cannot write state file " + settings_.state_file + ": " + std::strerror(errno));
    }
}

template <class Acceptor>
net::awaitable<void> daemon_state::accept_loop(settings::source src, std::shared_ptr<Acceptor> acceptor) {
    using socket_type = typename Acceptor::protocol_type::socket;
    const auto id = register_stopper(src.name, [acceptor] {
        net::post(acceptor->get_executor(), [acceptor] {
            boost::system::error_code ignored;
            acceptor->close(ignored);
        });
    });
    counters& m = metrics_.get("source", src.name);
    for (;;) {
        auto socket = std::make_shared<socket_type>(net::make_strand(io_));
        boost::system::error_code ec;
        co_await acceptor->async_accept(*socket, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            break; // closed: shutdown, or the source was removed
        }
        if (static_cast<std::size_t>(m.connections.load()) >= src.max_connections) {
            ++m.rejected;
            log("warning", "source " + src.name + ": over max_connections (" + std::to_string(src.max_connections) +
                               "), a connection refused");
            continue; // closed as it goes out of scope
        }
        ++m.connections; // here, not in the connection: the next accept sees it
        ++live_sources_;
        auto self = shared_from_this();
        net::co_spawn(socket->get_executor(), serve_stream(src, socket), [self](std::exception_ptr) {
            self->source_ended();
        });
    }
    unregister_stopper(id);
}

template <class Socket>
net::awaitable<void> daemon_state::serve_stream(settings::source src, std::shared_ptr<Socket> socket) {
    counters& m = metrics_.get("source", src.name);
    // (counted in by the acceptor) Stopping shuts the receiving side: the next read sees the end, after
    // everything read so far went through. Only reads are affected.
    const auto id = register_stopper(src.name, [socket] {
        net::post(socket->get_executor(), [socket] {
            boost::system::error_code ignored;
            socket->shutdown(Socket::shutdown_receive, ignored);
        });
    });
    coropipe::asio::stream_source<Socket> source(*socket);
    co_await pump(source, src, false);
    unregister_stopper(id);
    --m.connections;
    log("info", "source " + src.name + ": connection closed");
}

// ---- the pump: one connection's lines through every pipeline of its source ---

std::vector<std::unique_ptr<lane>> daemon_state::make_lanes(const routing& r, const std::string& source) {
    std::vector<std::unique_ptr<lane>> lanes;
    auto it = r.by_source.find(source);
    if (it == r.by_source.end()) {
        return lanes;
    }
    for (const route& rt : it->second) {
        auto l = std::make_unique<lane>();
        l->r = &rt;
        try {
            l->run.emplace(coropipe::text_pipeline(rt.run).start());
        } catch (const std::exception& e) {
            log("error", "pipeline " + rt.name + ": " + e.what());
            ++rt.metrics->errors;
            l->alive = false;
        }
        lanes.push_back(std::move(l));
    }
    return lanes;
}

bool daemon_state::push(std::vector<std::unique_ptr<lane>>& lanes, std::string_view line) {
    for (auto& l : lanes) {
        if (!l->alive) {
            continue;
        }
        ++l->lines_in;
        try {
            l->alive = l->run->feed(line);
        } catch (const std::exception& e) {
            // One pipeline failing does not stop the others.
            log("error", "pipeline " + l->r->name + ": " + e.what());
            ++l->r->metrics->errors;
            l->alive = false;
        }
    }
    return true;
}

void daemon_state::close_lanes(std::vector<std::unique_ptr<lane>>& lanes) {
    for (auto& l : lanes) {
        try {
            l->run->finish(); // totals (count --final) come out here
        } catch (const std::exception& e) {
            log("error", "pipeline " + l->r->name + ": " + e.what());
            ++l->r->metrics->errors;
        }
        l->alive = false;
    }
}

net::awaitable<void> daemon_state::deliver(std::vector<std::unique_ptr<lane>>& lanes, bool lossy) {
    for (auto& l : lanes) {
        counters& pm = *l->r->metrics;
        pm.lines_in += l->lines_in;
        l->lines_in = 0;
        if (!l->run || l->run->output().empty()) {
            continue;
        }
        std::string& out = l->run->output();
        const std::uint64_t lines = l->run->lines_out() - l->delivered_lines;
        l->delivered_lines = l->run->lines_out();
        pm.lines_out += lines;
        pm.bytes_out += out.size();
        for (const auto& sink : l->r->to) {
            if (lossy) {
                sink->try_send(out, lines);
            } else {
                co_await sink->send(out, lines);
            }
        }
        out.clear();
    }
}

template <class Source>
net::awaitable<std::size_t> daemon_state::pump(Source& source, settings::source src, bool lossy, bool hold_partial) {
    counters& m = metrics_.get("source", src.name);
    std::shared_ptr<const routing> r = current_routing();
    std::vector<std::unique_ptr<lane>> lanes = make_lanes(*r, src.name);
    // Stream sockets carry syslog framing (newline or RFC 6587 octet
    // counting, or detected from the first byte); other sources are lines.
    using framing = settings::source::framing;
    const bool stream = src.type == settings::source::kind::tcp || src.type == settings::source::kind::unix_stream;
    const coropipe::detail::syslog_framing mode =
        !stream || src.frames == framing::newline ? coropipe::detail::syslog_framing::newline
        : src.frames == framing::octet            ? coropipe::detail::syslog_framing::octet_counting
                                                  : coropipe::detail::syslog_framing::automatic;
    coropipe::detail::octet_framing splitter(mode, src.max_line);
    std::uint64_t lines = 0;
    std::size_t framing_errors = 0;
    auto on_line = [&](std::string_view line) {
        ++lines;
        return push(lanes, line);
    };
    for (;;) {
        std::string_view chunk;
        bool end = false;
        try {
            chunk = co_await source.read_chunk();
            end = chunk.empty();
        } catch (const std::exception& e) {
            // Stopping closes datagram sockets: an aborted read is the end.
            if (!stopping_) {
                log("warning", "source " + src.name + ": " + e.what());
                ++m.errors;
            }
            end = true;
        }
        const std::size_t truncated_before = splitter.truncated();
        if (end) {
            if (!hold_partial) {
                splitter.finish(on_line);
            }
        } else {
            m.bytes_in += chunk.size();
            splitter.feed(chunk, on_line);
        }
        m.lines_in += std::exchange(lines, 0);
        m.truncated += splitter.truncated() - truncated_before;
        if (const std::size_t bad = splitter.framing_errors(); bad != framing_errors) {
            m.errors += bad - framing_errors;
            framing_errors = bad;
            log("warning", "source " + src.name + ": a bad octet count; reading the rest of the connection as lines");
        }
        if (end) {
            close_lanes(lanes);
        }
        co_await deliver(lanes, lossy);
        if (end) {
            co_return splitter.carried();
        }
        // A reload: finish these pipelines (their totals go to the old
        // sinks) and go on with the new ones, at a chunk boundary.
        if (std::shared_ptr<const routing> now = current_routing(); now != r && now != nullptr) {
            close_lanes(lanes);
            co_await deliver(lanes, lossy);
            lanes.clear();
            r = std::move(now);
            lanes = make_lanes(*r, src.name);
        }
    }
}

template <class Source>
net::awaitable<std::size_t> daemon_state::pump_until_stopped(std::shared_ptr<Source> source, std::shared_ptr<void> keep,
                                                             settings::source src, bool lossy, bool hold_partial) {
    const net::any_io_executor ex = co_await net::this_coro::executor;
    const auto id = register_stopper(src.name, [source, keep, ex] {
        net::post(ex, [source, keep] {
            if constexpr (requires { source->stop(); }) {
                source->stop();
            } else {
                source->close();
            }
        });
    });
    const std::size_t held = co_await pump(*source, src, lossy, hold_partial);
    unregister_stopper(id);
    co_return held;
}

// ---- signals, shutdown ---------------------------------------------------------

net::awaitable<void> daemon_state::handle_signals() {
    for (;;) {
        const int sig = co_await signals_->async_wait(net::use_awaitable);
        if (sig == SIGHUP) {
            reload();
        } else if (sig == SIGUSR1) {
            reopen_files(); // before saying so: a writer after the message writes to the new file
            log("info", "reopening files");
        } else {
            log("info", std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
            shutdown();
            co_return;
        }
    }
}

void daemon_state::shutdown() {
    notify("STOPPING=1");
    stopping_ = true;
    if (http_) {
        http_->stop();
    }
    deadline_ = std::make_unique<net::steady_timer>(io_, settings_.shutdown_timeout);
    deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec) {
            return; // finished in time
        }
        self->clean_ = false;
        std::int64_t buffered = 0;
        for (const sink_options& o : self->settings_.sinks) {
            buffered += self->metrics_.get("sink", o.name).buffer_bytes.load();
        }
        log("error", "shutdown deadline passed with " + std::to_string(buffered) +
                         " bytes still buffered for the sinks; giving up on them");
        // Whatever still waits (a sink's dead peer, a source stuck behind
        // it) is abandoned: the loop stops and the frames are destroyed.
        self->work_.reset();
        self->io_.stop();
    });
    stop_source(""); // every listener and connection: their reads end
    if (live_sources_ == 0) {
        maybe_finish_sinks();
    }
}

void daemon_state::maybe_finish_sinks() {
    if (sinks_finished_.exchange(true)) {
        return;
    }
    // No source is left: drop the routing and the sinks' users' references,
    // so every sink drains and reports done.
    std::lock_guard lock(mutex_);
    routing_.reset();
    sinks_.clear();
    if (live_sinks_ == 0) {
        net::post(io_, [this] { work_.reset(); io_.stop(); });
    }
}

void daemon_state::sink_done() {
    if (--live_sinks_ == 0 && sinks_finished_) {
        net::post(io_, [this] {
            if (deadline_) {
                deadline_->cancel();
            }
            work_.reset();
            io_.stop();
        });
    }
}

int daemon_state::run() {
    load_state();
    try {
        auto sinks = make_sinks(settings_);
        routing_ = make_routing(settings_, sinks);
        sinks_ = std::move(sinks);
        for (const settings::source& src : settings_.sources) {
            start_source(src);
        }
        if (!settings_.metrics_listen.empty()) {
            http_ = std::make_unique<metrics_server>(io_, resolve_listen<tcp::endpoint>(io_, settings_.metrics_listen),
                                                     metrics_);
            http_->start();
            log("info", "metrics on http://" + to_text(http_->local_endpoint()) + "/metrics");
        }
    } catch (const std::exception& e) {
        log("error", e.what());
        return 1;
    }
    // Installed before "ready": a signal from then on is handled.
    signals_ = std::make_unique<net::signal_set>(io_, SIGTERM, SIGINT, SIGHUP);
    signals_->add(SIGUSR1);
    net::co_spawn(io_, handle_signals(), net::detached);
    log("info", "ready: " + std::to_string(settings_.sources.size()) + " sources, " +
                    std::to_string(settings_.pipelines.size()) + " pipelines, " +
                    std::to_string(settings_.sinks.size()) + " sinks, " +
                    std::to_string(thread_count(settings_)) + " threads");
    notify("READY=1");
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < thread_count(settings_); ++i) {
        threads.emplace_back([this] { io_.run(); });
    }
    io_.run();
    for (auto& t : threads) {
        t.join();
    }
    if (clean_) {
        save_state();
    }
    for (const settings::source& src : settings_.sources) {
        const counters& c = metrics_.get("source", src.name);
        log("info", "source " + src.name + ": " + std::to_string(c.lines_in.load()) + " lines, " +
                        std::to_string(c.bytes_in.load()) + " bytes in, " + std::to_string(c.truncated.load()) +
                        " truncated");
    }
    for (const sink_options& o : settings_.sinks) {
        const counters& c = metrics_.get("sink", o.name);
        log("info", "sink " + o.name + ": " + std::to_string(c.lines_out.load()) + " lines written, " +
                        std::to_string(c.dropped.load()) + " dropped");
    }
    if (!clean_) {
        // Given up at the deadline: coroutines still wait in the loop (on a
        // dead peer, say), holding the daemon's state. Leave now, as the
        // deadline promised, without unwinding them.
        log("info", "stopped after the deadline");
        std::fflush(nullptr);
        std::_Exit(1);
    }
    log("info", "stopped; every buffered line was written");
    return 0;
}

int run_daemon(settings initial, std::string config_path, settings_loader load) {
    auto d = std::make_shared<daemon_state>(std::move(initial), std::move(config_path), std::move(load));
    return d->run();
}

} // namespace coropiped
