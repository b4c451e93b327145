// A broker source (broker.hpp): one run reads the entries a broker_consumer
// fetches, as chunks of whole lines; each entry is acknowledged once every
// sink of the source's routes has settled what it had accepted when the
// entry's chunk was through the pipelines (the way checkpoints.cpp saves a
// followed file's offset).
//
// All of it runs on one strand: the run, the fetch loop, the ack loop.
#include "broker.hpp"

#include "log.hpp"
#include "source_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <unordered_set>

namespace coropiped {

namespace net = boost::asio;
using namespace coropipe::asio;

namespace {

using strand_type = net::strand<net::io_context::executor_type>;
using wait_handler = net::any_completion_handler<void(boost::system::error_code)>;

constexpr std::size_t chunk_bytes = 256 << 10;     // a chunk handed to the run: whole entries, about this much
constexpr std::size_t chunk_slack = 64 << 10;      // room for the entry that takes a chunk past chunk_bytes
// Bytes fetched and not yet handed to the run: room for two batches of
// 1,000 entries of 64 lines (~7 MB each), so that the next XREADGROUP is
// out while the run works through the last one (at 4 MiB Redis waited for
// the daemon, and two daemons ran at 0.66-0.85x a bare reader; 0.71-1.09x).
constexpr std::size_t ready_limit = 16 << 20;
constexpr auto settle_poll = std::chrono::milliseconds(5); // how often the sinks' progress is looked at
constexpr auto backoff_min = std::chrono::milliseconds(100);
constexpr auto backoff_max = std::chrono::milliseconds(5000);

/// Entries whose lines the sinks have accepted, and how far each sink must
/// have settled for them to be done.
struct awaiting_ack {
    std::vector<std::string> ids;
    std::vector<std::pair<std::weak_ptr<queued_sink>, std::uint64_t>> needs;
};

struct chunk {
    std::string bytes;
    std::vector<std::string> ids;
};

std::string what_of(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown error";
    }
}

/// The state shared by the run (its reader), the fetch loop and the ack loop.
class broker_feed {
public:
    broker_feed(const source_config& c, source_env env, strand_type strand, std::unique_ptr<broker_consumer> consumer)
        : name_(c.name), batch_(c.batch), max_in_flight_(c.max_in_flight), env_(std::move(env)), strand_(strand),
          consumer_(std::move(consumer)), metrics_(env_.broker), room_(strand), settle_(strand) {}

    // ---- the run's side (waiting_source) ----

    std::optional<std::string_view> try_read_chunk() {
        if (!handed_.empty()) {
            settle_later(std::exchange(handed_, {})); // its lines are through the pipelines, accepted by the sinks
        }
        if (stopped_) {
            return std::string_view(); // the end (what was fetched and not handed on stays pending: read again)
        }
        if (ready_.empty()) {
            return std::nullopt;
        }
        if (spare_.size() < ready_limit / chunk_bytes && current_.capacity() >= chunk_bytes &&
            current_.capacity() <= 2 * (chunk_bytes + chunk_slack)) {
            current_.clear();
            spare_.push_back(std::move(current_)); // its memory serves a later chunk
        }
        current_ = std::move(ready_.front().bytes);
        handed_ = std::move(ready_.front().ids);
        ready_.pop_front();
        ready_bytes_ -= current_.size();
        room_.cancel(); // the fetch loop may go on
        return std::string_view(current_);
    }

    void wait_chunk(wait_handler handler) {
        if (stopped_ || !ready_.empty()) {
            net::post(strand_, [h = std::move(handler)]() mutable { std::move(h)(boost::system::error_code()); });
            return;
        }
        waiter_.swap(handler); // (not operator=: Boost 1.81's move assignment recurses without end)
    }

    /// The run has ended: `done` runs once what its sinks accepted is
    /// acknowledged (or an acknowledgement failed: those entries stay
    /// pending, to come again).
    void run_ended(std::function<void()> done) {
        handed_.clear(); // (only a failed run leaves some: its lines may not all be out)
        on_drained_ = std::move(done);
        settle_.cancel();
    }

    broker_consumer& consumer() noexcept { return *consumer_; }

    void stop() {
        stopped_ = true;
        consumer_->stop_fetching();
        room_.cancel();
        wake_run();
    }

    // ---- the loops ----

    static net::awaitable<void> fetch_loop(std::shared_ptr<broker_feed> self) {
        std::chrono::milliseconds backoff = backoff_min;
        bool failing = false;
        while (!self->stopped_) {
            if (self->in_flight_.size() >= self->max_in_flight_ || self->ready_bytes_ >= ready_limit) {
                self->room_.expires_at(net::steady_timer::time_point::max());
                co_await self->room_.async_wait(net::as_tuple(net::use_awaitable)); // woken by acks or the run
                continue;
            }
            const std::size_t want = std::min(self->batch_, self->max_in_flight_ - self->in_flight_.size());
            std::vector<broker_entry> got;
            std::exception_ptr error;
            try {
                got = co_await self->consumer_->fetch(want);
            } catch (...) {
                error = std::current_exception();
            }
            self->metrics_->connected.store(self->consumer_->connected() ? 1 : 0, std::memory_order_relaxed);
            if (self->stopped_) {
                break;
            }
            if (error) {
                self->env_.metrics->errors.fetch_add(1, std::memory_order_relaxed);
                if (!failing) {
                    log(log_level::warning, "source " + self->name_ + ": " + self->consumer_->describe() + ": " +
                                                what_of(error) + "; trying again");
                }
                failing = true;
                self->metrics_->connected.store(0, std::memory_order_relaxed);
                self->room_.expires_after(backoff);
                co_await self->room_.async_wait(net::as_tuple(net::use_awaitable));
                backoff = std::min(backoff * 2, backoff_max);
                continue;
            }
            if (failing) {
                log(log_level::info, "source " + self->name_ + ": " + self->consumer_->describe() + ": reading again");
                failing = false;
            }
            backoff = backoff_min;
            self->take(std::move(got));
        }
        self->wake_run();
    }

    static net::awaitable<void> ack_loop(std::shared_ptr<broker_feed> self) {
        std::chrono::milliseconds backoff = backoff_min;
        bool failing = false;
        for (;;) {
            std::vector<std::string> ids = self->settled_ids();
            if (ids.empty() && self->awaiting_.empty() && self->on_drained_) {
                std::exchange(self->on_drained_, nullptr)(); // the daemon may stop now
            }
            if (ids.empty()) {
                self->settle_.expires_after(self->awaiting_.empty() ? std::chrono::hours(1) : settle_poll);
                co_await self->settle_.async_wait(net::as_tuple(net::use_awaitable));
                continue;
            }
            std::exception_ptr error;
            try {
                co_await self->consumer_->acknowledge(ids);
            } catch (...) {
                error = std::current_exception();
            }
            if (error) {
                self->env_.metrics->errors.fetch_add(1, std::memory_order_relaxed);
                if (self->on_drained_) {
                    log(log_level::warning, "source " + self->name_ + ": acknowledging at the end: " +
                                                what_of(error) + "; " + std::to_string(self->in_flight_.size()) +
                                                " entries stay pending and will be read again");
                    self->awaiting_.clear();
                    std::exchange(self->on_drained_, nullptr)();
                    continue;
                }
                if (!failing) {
                    log(log_level::warning, "source " + self->name_ + ": acknowledging: " + what_of(error) +
                                                "; trying again");
                }
                failing = true;
                self->awaiting_.push_front(awaiting_ack{std::move(ids), {}}); // done: only the XACK is left
                self->settle_.expires_after(backoff);
                co_await self->settle_.async_wait(net::as_tuple(net::use_awaitable));
                backoff = std::min(backoff * 2, backoff_max);
                continue;
            }
            failing = false;
            backoff = backoff_min;
            for (const std::string& id : ids) {
                self->in_flight_.erase(id);
            }
            self->metrics_->entries_acked.fetch_add(ids.size(), std::memory_order_relaxed);
            self->metrics_->entries_pending.store(static_cast<std::int64_t>(self->in_flight_.size()),
                                                  std::memory_order_relaxed);
            self->room_.cancel();
        }
    }

private:
    /// Entries fetched: new ones go into chunks; bad and empty ones are done at once.
    void take(std::vector<broker_entry> got) {
        std::vector<std::string> done_now;
        for (broker_entry& e : got) {
            if (!in_flight_.insert(e.id).second) {
                continue; // here already (read again after a lost reply, or claimed back): it is on its way
            }
            metrics_->entries_read.fetch_add(1, std::memory_order_relaxed);
            metrics_->entries_claimed.fetch_add(e.claimed ? 1 : 0, std::memory_order_relaxed);
            metrics_->entries_redelivered.fetch_add(e.redelivered ? 1 : 0, std::memory_order_relaxed);
            if (!e.problem.empty()) {
                metrics_->entries_bad.fetch_add(1, std::memory_order_relaxed);
                env_.metrics->errors.fetch_add(1, std::memory_order_relaxed);
                if (bad_logged_ < 10) {
                    ++bad_logged_;
                    log(log_level::warning, "source " + name_ + ": " + e.problem + "; skipped" +
                                                (bad_logged_ == 10 ? " (no more of these are logged; see /metrics)"
                                                                   : ""));
                }
                done_now.push_back(std::move(e.id));
                continue;
            }
            if (e.lines.empty()) {
                done_now.push_back(std::move(e.id));
                continue;
            }
            if (ready_.empty() || ready_.back().bytes.size() >= chunk_bytes) {
                ready_.emplace_back();
                // A chunk's bytes are one buffer, filled entry by entry: a
                // spare one (a chunk the run is done with), or one made once
                // at its full size, so that appending never moves it (growing
                // it by doubling was a third of the source's time).
                if (!spare_.empty()) {
                    ready_.back().bytes = std::move(spare_.back());
                    spare_.pop_back();
                }
                ready_.back().bytes.reserve(chunk_bytes + chunk_slack);
            }
            ready_bytes_ += e.lines.size();
            chunk& c = ready_.back();
            c.bytes += e.lines;
            c.ids.push_back(std::move(e.id));
        }
        metrics_->entries_pending.store(static_cast<std::int64_t>(in_flight_.size()), std::memory_order_relaxed);
        if (!done_now.empty()) {
            awaiting_.push_back(awaiting_ack{std::move(done_now), {}});
            settle_.cancel();
        }
        if (!ready_.empty()) {
            wake_run();
        }
    }

    /// `ids` went through the pipelines: they are done once every sink has
    /// settled what it has accepted now.
    void settle_later(std::vector<std::string> ids) {
        awaiting_ack a{std::move(ids), {}};
        std::vector<queued_sink*> seen;
        const std::shared_ptr<const route_table::routes> routes = env_.table->current();
        for (const auto& r : *routes) {
            for (const sink_handle& s : r.sinks) {
                if (std::find(seen.begin(), seen.end(), s.get().get()) == seen.end()) {
                    seen.push_back(s.get().get());
                    a.needs.emplace_back(s.get(), s->progress().accepted);
                }
            }
        }
        awaiting_.push_back(std::move(a));
        settle_.cancel();
    }

    /// The ids whose sinks have all settled (a sink gone has finished: it
    /// wrote what it held, or reported it lost).
    std::vector<std::string> settled_ids() {
        std::vector<std::string> ids;
        for (auto it = awaiting_.begin(); it != awaiting_.end();) {
            const bool done = std::all_of(it->needs.begin(), it->needs.end(), [](const auto& need) {
                const std::shared_ptr<queued_sink> sink = need.first.lock();
                return !sink || sink->progress().settled >= need.second;
            });
            if (!done) {
                ++it;
                continue;
            }
            if (ids.empty()) {
                ids = std::move(it->ids);
            } else {
                ids.insert(ids.end(), std::make_move_iterator(it->ids.begin()),
                           std::make_move_iterator(it->ids.end()));
            }
            it = awaiting_.erase(it);
            if (ids.size() >= 10'000) {
                break;
            }
        }
        return ids;
    }

    void wake_run() {
        if (waiter_) {
            net::post(strand_, [h = std::move(waiter_)]() mutable { std::move(h)(boost::system::error_code()); });
        }
    }

    std::string name_;
    std::size_t batch_;
    std::size_t max_in_flight_;
    source_env env_;
    strand_type strand_;
    std::unique_ptr<broker_consumer> consumer_;
    broker_counters* metrics_;

    std::deque<chunk> ready_;
    std::size_t ready_bytes_ = 0;
    std::string current_;              // the chunk the run has now
    // Emptied chunks' buffers, for the next ones: as many as ready_limit
    // holds, so that the memory a source keeps is what it may use anyway
    // (fresh buffers cost a page fault per 4 KiB on their first fill).
    std::vector<std::string> spare_;
    std::vector<std::string> handed_;  // its ids
    std::deque<awaiting_ack> awaiting_;
    std::unordered_set<std::string> in_flight_; // read and not yet acknowledged
    wait_handler waiter_;
    std::function<void()> on_drained_; // set when the run has ended
    net::steady_timer room_;   // the fetch loop waits on it for room (acks) or a retry
    net::steady_timer settle_; // the ack loop waits on it for work
    bool stopped_ = false;
    int bad_logged_ = 0;
};

/// What async_run reads: a copyable handle on the feed.
struct broker_reader {
    std::shared_ptr<broker_feed> s;
    std::optional<std::string_view> try_read_chunk() { return s->try_read_chunk(); }
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return net::async_initiate<Token, void(boost::system::error_code)>(
            [feed = s](auto handler) { feed->wait_chunk(wait_handler(std::move(handler))); }, token);
    }
    net::awaitable<std::string_view> read_chunk() { return coropipe::asio::read_chunk_of(this); }
};

class broker_source final : public running_source {
public:
    broker_source(const source_config& c, source_env env, strand_type strand, std::unique_ptr<broker_consumer> consumer)
        : config_(c), env_(env), strand_(strand), description_(consumer->describe()),
          feed_(std::make_shared<broker_feed>(c, env, strand, std::move(consumer))) {}

    void start() override {
        log(log_level::info, "source " + config_.name + ": reading " + description_);
        env_.runs->started();
        net::co_spawn(strand_, broker_feed::fetch_loop(feed_), net::detached);
        net::co_spawn(strand_, broker_feed::ack_loop(feed_), net::detached);
        async_run(strand_, broker_reader{feed_}, std::shared_ptr<const route_table>(env_.table),
                  options_for(config_, env_.metrics),
                  [name = config_.name, metrics = env_.metrics, runs = env_.runs, feed = feed_,
                   strand = strand_](std::exception_ptr e, run_stats) {
                      report_end(name, e, metrics);
                      // The daemon stops once every run has finished: not before the
                      // entries whose lines the sinks have settled are acknowledged.
                      net::post(strand, [feed, runs] { feed->run_ended([runs] { runs->finished(); }); });
                  });
    }

    void stop() override {
        net::post(strand_, [feed = feed_] { feed->stop(); });
    }

    /// The same source again: its TLS files read again (checked by the
    /// reload's prepare; a file that went bad since keeps the old context).
    bool update(const source_config& next) override {
        if (!(next == config_)) {
            return false;
        }
        try {
            feed_->consumer().reload(next);
        } catch (const std::exception& e) {
            log(log_level::warning, std::string(e.what()) + "; the certificates in use stay");
        }
        return true;
    }

private:
    source_config config_;
    source_env env_;
    strand_type strand_;
    std::string description_;
    std::shared_ptr<broker_feed> feed_;
};

} // namespace

std::unique_ptr<running_source> open_redis_stream(const source_config& c, source_env env) {
    strand_type strand = net::make_strand(*env.io);
    std::unique_ptr<broker_consumer> consumer;
    try {
        consumer = make_redis_consumer(strand, c);
    } catch (const std::exception& e) {
        cannot(c, "read the Redis stream at " + c.broker_address, e.what());
    }
    return std::make_unique<broker_source>(c, std::move(env), strand, std::move(consumer));
}

} // namespace coropiped
