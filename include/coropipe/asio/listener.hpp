#pragma once

#include <coropipe/asio/counters.hpp>
#include <coropipe/asio/queued_sink.hpp> // log_level
#include <coropipe/asio/stream_source.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>

namespace coropipe::asio {

/// Says a repeated message once per `interval`, with how many times it
/// happened meanwhile: `sink errors: ... (and 975 more in the last 10 s)`.
/// Thread-safe.
class log_limiter {
public:
    explicit log_limiter(std::chrono::milliseconds interval = std::chrono::seconds(10)) noexcept
        : interval_(interval) {}

    /// `log(level, message)` now if the last one was `interval` ago or more,
    /// else counts it for the next.
    void operator()(const std::function<void(log_level, const std::string&)>& log, log_level level,
                    const std::string& message);

private:
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

/// Settings of a `listener`.
struct listener_options {
    std::string name;                   ///< names it in messages
    std::size_t max_connections = 1024; ///< more are accepted and closed at once, counted in `rejected`
    /// A connection with no bytes for this long is closed (its run drains
    /// and ends); 0: never.
    std::chrono::milliseconds idle_timeout{0};
    /// After a failed accept (out of descriptors: EMFILE, ENFILE; ENOBUFS,
    /// ENOMEM), how long to wait before accepting again, doubled up to the max.
    std::chrono::milliseconds retry_min{10};
    std::chrono::milliseconds retry_max{1000};
    counters* metrics = nullptr; ///< connections, rejected, errors; may be null
    std::function<void(log_level, const std::string&)> log;
};

/// A connection's socket and what it gives the run serving it.
template <class Protocol>
struct connection {
    typename Protocol::socket socket;
    std::atomic<std::chrono::steady_clock::rep> last_read{0}; ///< for the idle timeout: `touch()` on each read
    void touch() noexcept {
        last_read.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    }
    explicit connection(typename Protocol::socket s) : socket(std::move(s)) { touch(); }
};

/// A source reading a `listener`'s connection: `stream_source` over its
/// socket, noting each read for the idle timeout. Holds the connection.
template <class Protocol>
class connection_source {
public:
    explicit connection_source(std::shared_ptr<connection<Protocol>> c) : c_(std::move(c)), inner_(c_->socket) {}

    net::awaitable<std::string_view> read_chunk() { return detail::read_chunk_of(this); }

    std::optional<std::string_view> try_read_chunk() {
        std::optional<std::string_view> chunk = inner_.try_read_chunk();
        if (chunk && !chunk->empty()) {
            c_->touch();
        }
        return chunk;
    }

    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return inner_.async_wait_chunk(std::forward<Token>(token));
    }

private:
    std::shared_ptr<connection<Protocol>> c_;
    stream_source<typename Protocol::socket> inner_;
};

/// Accepts stream connections (TCP, unix) for as long as it runs, each on a
/// strand of its own, and hands each to `serve(connection, done)`, which
/// must call `done()` once it no longer uses the connection.
///
/// - **Limits**: at most `max_connections` at once; others are accepted and
///   closed at once, counted, and logged at most once per 10 s with a count.
/// - **Out of descriptors**: a failed accept (EMFILE, ENFILE, ENOBUFS,
///   ENOMEM) does not end the listener: it is logged (rate-limited),
///   counted in `errors`, `degraded()` is true, and accepting resumes after
///   a backoff (the waiting clients stay in the kernel's backlog).
/// - **Idle**: with `idle_timeout`, a connection that has read nothing for
///   that long has its receiving side shut down: its run sees the end of
///   the input, drains and ends.
/// - **Stop**: `stop()` closes the acceptor and shuts down the receiving
///   side of every connection: their runs drain what they read and end.
/// - **Threads**: the accept loop runs on `executor` (a strand of it);
///   `stop()` and `degraded()` are thread-safe.
template <class Protocol>
class listener : public std::enable_shared_from_this<listener<Protocol>> {
public:
    using acceptor_type = typename Protocol::acceptor;
    using connection_type = connection<Protocol>;
    using serve_function = std::function<void(std::shared_ptr<connection_type>, std::function<void()> done)>;

    listener(const net::any_io_executor& executor, acceptor_type acceptor, listener_options options,
             serve_function serve)
        : executor_(executor),
          strand_(net::make_strand(executor)),
          acceptor_(std::move(acceptor)),
          options_(std::move(options)),
          serve_(std::move(serve)),
          retry_timer_(strand_),
          retry_(options_.retry_min) {}

    /// Starts accepting.
    void start() {
        net::post(strand_, [self = this->shared_from_this()] { self->accept(); });
    }

    /// Stops accepting and ends every connection's input (see above);
    /// `stopped` runs once no connection will be served any more.
    void stop(std::function<void()> stopped = {}) {
        net::post(strand_, [self = this->shared_from_this(), stopped = std::move(stopped)] {
            self->stopped_ = true;
            boost::system::error_code ignored;
            self->acceptor_.close(ignored);
            self->retry_timer_.cancel();
            {
                std::lock_guard lock(self->mutex_);
                for (const std::weak_ptr<connection_type>& w : self->live_) {
                    if (auto c = w.lock()) {
                        net::post(c->socket.get_executor(), [c] {
                            boost::system::error_code ignored_too;
                            c->socket.shutdown(Protocol::socket::shutdown_receive, ignored_too);
                        });
                    }
                }
            }
            if (stopped) {
                stopped();
            }
        });
    }

    /// New limits, for the connections accepted from now on (a reload).
    void update(std::size_t max_connections, std::chrono::milliseconds idle_timeout) {
        net::post(strand_, [self = this->shared_from_this(), max_connections, idle_timeout] {
            std::lock_guard lock(self->mutex_);
            self->options_.max_connections = max_connections;
            self->options_.idle_timeout = idle_timeout;
        });
    }

    /// Accepting fails now (out of descriptors): for `/health`.
    bool degraded() const noexcept { return degraded_.load(std::memory_order_relaxed); }

    /// Connections open now.
    std::size_t connections() const {
        std::lock_guard lock(mutex_);
        return live_.size();
    }

    typename Protocol::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    void accept() {
        if (stopped_) {
            return;
        }
        acceptor_.async_accept(net::make_strand(executor_),
                               net::bind_executor(strand_, [self = this->shared_from_this()](
                                                               boost::system::error_code ec,
                                                               typename Protocol::socket socket) {
                                   self->accepted(ec, std::move(socket));
                               }));
    }

    void accepted(boost::system::error_code ec, typename Protocol::socket socket) {
        if (stopped_ || ec == net::error::operation_aborted) {
            return; // closed: stop() or the end of the listener
        }
        if (ec) {
            failed_accept(ec);
            return;
        }
        if (degraded_.exchange(false)) {
            log(log_level::info, "listener " + options_.name + ": accepting again");
        }
        retry_ = options_.retry_min;
        std::shared_ptr<connection_type> c;
        std::function<void()> done;
        std::chrono::milliseconds idle{0};
        std::size_t limit = 0;
        {
            std::lock_guard lock(mutex_);
            idle = options_.idle_timeout;
            limit = options_.max_connections;
            if (live_.size() >= limit) {
                if (options_.metrics != nullptr) {
                    options_.metrics->rejected.fetch_add(1, std::memory_order_relaxed);
                }
                boost::system::error_code ignored;
                socket.close(ignored);
            } else {
                c = std::make_shared<connection_type>(std::move(socket));
                live_.push_front(c);
                done = [self = this->shared_from_this(), it = live_.begin()] { self->closed(it); };
                if (options_.metrics != nullptr) {
                    options_.metrics->connections.fetch_add(1, std::memory_order_relaxed);
                }
            }
        }
        accept(); // the next one, before serving this one
        if (!c) {
            refused_(options_.log, log_level::warning,
                     "listener " + options_.name + ": a connection refused: max_connections (" +
                         std::to_string(limit) + ") are open");
            return;
        }
        if (idle.count() > 0) {
            watch_idle(c, idle);
        }
        serve_(std::move(c), std::move(done));
    }

    using c_it_type = typename std::list<std::weak_ptr<connection_type>>::iterator;

    void closed(c_it_type it) {
        std::lock_guard lock(mutex_);
        live_.erase(it);
        if (options_.metrics != nullptr) {
            options_.metrics->connections.fetch_sub(1, std::memory_order_relaxed);
        }
    }

    void failed_accept(boost::system::error_code ec) {
        if (options_.metrics != nullptr) {
            options_.metrics->errors.fetch_add(1, std::memory_order_relaxed);
        }
        degraded_.store(true, std::memory_order_relaxed);
        failures_(options_.log, log_level::error,
                  "listener " + options_.name + ": accept failed: " + ec.message() + "; retrying in " +
                      std::to_string(retry_.count()) + " ms (clients wait in the backlog)");
        retry_timer_.expires_after(retry_);
        retry_ = std::min(retry_ * 2, options_.retry_max);
        retry_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code wait_ec) {
            if (!wait_ec) {
                self->accept();
            }
        });
    }

    /// Checks the connection every half idle_timeout while it lives.
    void watch_idle(const std::shared_ptr<connection_type>& c, std::chrono::milliseconds idle) {
        auto timer = std::make_shared<net::steady_timer>(c->socket.get_executor());
        arm_idle(std::weak_ptr<connection_type>(c), std::move(timer), idle);
    }

    static void arm_idle(std::weak_ptr<connection_type> weak, std::shared_ptr<net::steady_timer> timer,
                         std::chrono::milliseconds idle) {
        timer->expires_after(std::max(idle / 2, std::chrono::milliseconds(1)));
        timer->async_wait([weak, timer, idle](boost::system::error_code ec) mutable {
            auto c = weak.lock();
            if (ec || !c) {
                return;
            }
            const auto last = std::chrono::steady_clock::time_point(
                std::chrono::steady_clock::duration(c->last_read.load(std::memory_order_relaxed)));
            if (std::chrono::steady_clock::now() - last >= idle) {
                boost::system::error_code ignored;
                c->socket.shutdown(Protocol::socket::shutdown_receive, ignored);
                return;
            }
            arm_idle(std::move(weak), std::move(timer), idle);
        });
    }

    void log(log_level level, const std::string& message) const {
        if (options_.log) {
            options_.log(level, message);
        }
    }

    net::any_io_executor executor_;
    net::strand<net::any_io_executor> strand_;
    acceptor_type acceptor_;
    listener_options options_;
    serve_function serve_;
    net::steady_timer retry_timer_;
    std::chrono::milliseconds retry_;
    bool stopped_ = false; // (on strand_)
    std::atomic<bool> degraded_{false};
    mutable std::mutex mutex_;
    std::list<std::weak_ptr<connection_type>> live_;
    log_limiter refused_;
    log_limiter failures_;
};

} // namespace coropipe::asio
