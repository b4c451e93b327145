#pragma once

#include <coropipe/asio/counters.hpp>
#include <coropipe/detail/block_splitter.hpp>
#include <coropipe/detail/line_splitter.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/text_pipeline.hpp>

#include <boost/asio/associator.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <concepts>
#include <functional>
#include <mutex>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

/// Pipelines on a Boost.Asio executor (docs/asio.md).
namespace coropipe::asio {

namespace net = boost::asio;

/// The stages of a text pipeline, as in the `coropipe` utility: lines in,
/// lines out. Any `stage<std::string_view>` (built-in or user-written) is
/// one; the same object runs in a synchronous pipeline or here.
using text_stage = coropipe::text_stage;

/// Where a pipeline's bytes come from. `read_chunk()` suspends until bytes
/// are there and returns them — any number of lines, the last one possibly
/// partial — valid until the next call; empty at the end of the input.
/// Errors throw (`boost::system::system_error`); cancellation throws
/// `operation_aborted`.
///
/// A source may also offer the callback level (`waiting_source`), which
/// `async_run` then uses instead, so that a waiting run holds no coroutine
/// frame.
template <class S>
concept async_source = requires(S& s) {
    { s.read_chunk() } -> std::same_as<net::awaitable<std::string_view>>;
};

/// The callback level of a source: `try_read_chunk()` returns a chunk that
/// is there now (empty at the end of the input; errors throw), or nothing
/// when there is none yet; then `async_wait_chunk(token)` completes with
/// `void(error_code)` once `try_read_chunk` is worth calling again
/// (`operation_aborted` when cancelled).
template <class S>
concept waiting_source = requires(S& s) {
    { s.try_read_chunk() } -> std::same_as<std::optional<std::string_view>>;
    s.async_wait_chunk(net::detached);
};

/// Where a pipeline's output lines go, as bytes ('\n' after each line).
/// `write` suspends until the bytes are taken (backpressure: the pipeline
/// reads no more input meanwhile); `finish` marks the end of the output.
///
/// `async_run` prefers, where a sink has them, `try_write(bytes) -> bool`
/// (takes the bytes at once if it has room: a `queued_sink`; when it has
/// none, a lossy run drops them and others go on to the next form),
/// `write_now(bytes)` (writes at once: files) or `async_write(bytes,
/// token)` (completes with `void(error_code[, std::size_t])`; `bytes` stay
/// valid until then), and `finish_now()` or `async_finish(token)`
/// (`void(error_code)`).
template <class S>
concept async_sink = requires(S& s, std::string_view bytes) {
    { s.write(bytes) } -> std::same_as<net::awaitable<void>>;
    { s.finish() } -> std::same_as<net::awaitable<void>>;
};

/// What a finished pipeline did.
struct run_stats {
    std::uint64_t lines_in = 0;
    std::uint64_t bytes_in = 0;   ///< bytes read from the source
    std::uint64_t lines_out = 0;  ///< lines handed to the sinks (per route, summed)
    std::uint64_t bytes_out = 0;  ///< bytes handed to the sinks, newlines included
    std::uint64_t truncated = 0;  ///< lines cut to `run_options::max_line`
    std::uint64_t dropped = 0;    ///< output lines a lossy run dropped at a full sink
    std::uint64_t held_bytes = 0; ///< `hold_partial`: bytes of a last partial line not passed on
};

/// How a stream separates its lines.
enum class framing : std::uint8_t {
    newline,        ///< each line ends with '\n'
    octet_counting, ///< RFC 6587 `LEN SP MSG` frames, one line each (syslog over TCP)
    automatic,      ///< decided by the first bytes: `LEN SP <` is octet counting, anything else newline
};

struct run_options {
    /// Longer lines are cut to this many bytes and counted (0: no limit;
    /// memory then grows with the longest line).
    std::size_t max_line = 0;
    /// How the source's bytes are split into lines (see `framing`).
    asio::framing framing = framing::newline;
    /// A sink that has no room (`try_write` false) drops the output, counted
    /// in `run_stats::dropped` and the route's counters, instead of holding
    /// the reading back: for datagram sources, which would lose data in the
    /// kernel instead.
    bool lossy = false;
    /// At the end of the input, a last line without its '\n' is not passed
    /// on but counted in `run_stats::held_bytes`: a followed file stopped
    /// mid-line goes on from that line's start next time.
    bool hold_partial = false;
    /// Counters of the source this run reads (lines_in, bytes_in, truncated,
    /// errors for bad frames), added to after each chunk; may be null.
    counters* source = nullptr;
    /// With several routes: a stage that throws stops only its own route,
    /// and is reported here (route name, exception); the others go on. Without
    /// it, a stage that throws ends the run with its exception.
    std::function<void(const std::string& route, std::exception_ptr)> on_route_error;
    /// While the source has nothing, a route whose pipeline has an aggregate
    /// with `every` gets a `text_run::tick()` this often, so that a window
    /// is written once the clock passes its end plus the grace, without a
    /// later line (the wait for the source is cancelled for it, and taken up
    /// again: a source whose wait ignores per-operation cancellation ticks
    /// only when it wakes). A window is so written at most this long after
    /// its due time. Zero: never (windows close by lines and at the end).
    std::chrono::milliseconds tick_every{1000};
};

/// One pipeline fed by a source, and the sinks its output goes to (each
/// gets all of it): what a daemon's `[pipeline]` is, for one source.
template <class Sink>
struct route {
    std::string name; ///< for errors
    text_pipeline pipeline;
    std::vector<Sink> sinks;
    /// The pipeline's counters (lines_in, lines_out, bytes_out, dropped, errors); may be null.
    counters* metrics = nullptr;
};

/// The routes of a source, replaceable while runs use them: a run takes the
/// newest routes at its next chunk, after its stages on the old ones have
/// finished (their totals go to the old sinks). Thread-safe.
template <class Sink>
class route_table {
public:
    using routes = std::vector<route<Sink>>;

    explicit route_table(routes r = {}) : routes_(std::make_shared<const routes>(std::move(r))) {}

    void replace(routes r) {
        auto next = std::make_shared<const routes>(std::move(r));
        std::lock_guard lock(mutex_);
        routes_ = std::move(next);
        version_.fetch_add(1, std::memory_order_release);
    }

    std::shared_ptr<const routes> current() const {
        std::lock_guard lock(mutex_);
        return routes_;
    }

    std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const routes> routes_;
    std::atomic<std::uint64_t> version_{0};
};

namespace detail {

/// A completion handler that passes its results through `adapt` first:
/// `handler(adapt(results...))`. It keeps the handler's executor,
/// allocator and cancellation slot (see the `associator` below).
template <class Handler, class Adapt>
struct adapted_handler {
    Handler handler;
    Adapt adapt;

    template <class... Results>
    void operator()(Results&&... results) {
        std::move(handler)(adapt(std::forward<Results>(results)...));
    }
};

/// `read_chunk()` for a `waiting_source`.
template <class Source>
net::awaitable<std::string_view> read_chunk_of(Source* source) {
    for (;;) {
        if (const std::optional<std::string_view> chunk = source->try_read_chunk()) {
            co_return *chunk;
        }
        co_await source->async_wait_chunk(net::use_awaitable);
    }
}

/// The detail form of `framing`.
coropipe::detail::syslog_framing to_syslog_framing(framing f) noexcept;

/// The clock of a run whose pipelines tick (`text_run::ticks()`): a timer
/// that, when it expires while the run waits for its source, cancels that
/// wait through `signal` and marks the tick `due`. Shared with the timer's
/// handler, which may run after the run is gone.
struct ticker {
    explicit ticker(net::steady_timer t) : timer(std::move(t)) {}
    net::steady_timer timer;
    net::cancellation_signal signal;
    bool armed = false; // the timer is running
    bool due = false;   // it has expired: the runs tick at the next wait
};

/// One route inside a run: its pipeline's run and its sinks.
template <class Sink>
struct route_slot {
    std::string name;
    text_run run;
    std::vector<Sink> sinks;
    counters* metrics = nullptr;
    std::uint64_t lines_taken = 0; // run.lines_out() when its output was last taken
    bool alive = true;
};

/// Everything a run holds, at a stable address.
template <class Source, class Sink>
struct run_state {
    using table_type = route_table<Sink>;

    run_state(Source source_, run_options options_)
        : source(std::move(source_)),
          options(std::move(options_)),
          splitter(to_syslog_framing(options.framing), options.max_line) {}

    struct nothing {};

    /// One route of one sink, the sink finished at the end (a run of its own).
    void add_own(text_run run, Sink sink) {
        route_slot<Sink>& slot = slots.emplace_back(route_slot<Sink>{{}, std::move(run), {}, nullptr, 0, true});
        slot.sinks.push_back(std::move(sink));
        finish_sinks = true;
    }

    /// The table's current routes (on start, and after a replace).
    void take_routes() {
        if constexpr (std::copy_constructible<Sink>) { // (only the table form has routes)
            version = table->version();
            routes = table->current();
            slots.clear();
            for (const route<Sink>& r : *routes) {
                slots.push_back(route_slot<Sink>{r.name, r.pipeline.start(), r.sinks, r.metrics, 0, true});
            }
        }
    }

    Source source;
    run_options options;
    run_stats stats;
    coropipe::detail::block_splitter splitter;
    std::vector<route_slot<Sink>> slots;
    bool finish_sinks = false; // the sinks are this run's own
    std::shared_ptr<const table_type> table;
    std::shared_ptr<const typename table_type::routes> routes; // what `slots` were built from
    std::uint64_t version = 0;
    bool routes_changed = false; // the old slots have finished: take the new routes once written
    std::exception_ptr failure;  // the first error; the run still finishes its stages and its output
    std::shared_ptr<ticker> ticks; // once a route's pipeline ticks
    bool tick_wait = false;        // the source's wait in progress has the ticker's slot
    // What the coroutine `read_chunk()` of a source without the callback level returned.
    [[no_unique_address]] std::conditional_t<waiting_source<Source>, nothing, std::optional<std::string_view>> ready;
};

/// The one driver of `async_run`, an `async_compose` implementation: it
/// reads, splits the bytes into blocks of whole lines, feeds them to each
/// route's `text_run`, and writes each route's output to its sinks; between
/// those it waits in exactly one operation of the source or a sink, holding
/// `self` (this object and the completion handler) and no coroutine frame.
/// Sources and sinks without the callback level are run as coroutines
/// (`co_spawn`) only while they are waited for.
template <class Executor, class Source, class Sink>
class run_op {
public:
    run_op(Executor executor, std::unique_ptr<run_state<Source, Sink>> state) noexcept
        : executor_(std::move(executor)), s_(std::move(state)) {}

    /// The start, a turn given back to the executor, or the end.
    template <class Self>
    void operator()(Self& self) {
        switch (phase_) {
        case phase::start:
            self.reset_cancellation_state(net::enable_partial_cancellation());
            phase_ = phase::reading;
            net::post(on_executor(self)); // never run the stages inside async_run
            return;
        case phase::reading:
            run(self);
            return;
        default: // phase::done
            complete(self);
            return;
        }
    }

    /// A wait of the source, or a write or finish of a sink, has ended.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t = 0) {
        if (s_->tick_wait) {
            // The wait had the ticker's slot: a cancellation of ours is a tick.
            s_->tick_wait = false;
            s_->ticks->signal.slot().clear();
            if (ec == net::error::operation_aborted && s_->ticks->due &&
                self.cancelled() == net::cancellation_type::none) {
                ec = {};
            }
        }
        if (!ec) {
            resume(self, nullptr);
        } else if (ec == net::error::operation_aborted) {
            resume(self, std::make_exception_ptr(boost::system::system_error(ec)));
        } else {
            const char* what = phase_ == phase::reading ? "coropipe: read" : "coropipe: write";
            resume(self, std::make_exception_ptr(boost::system::system_error(ec, what)));
        }
    }

    /// A coroutine `write()` or `finish()` has ended.
    template <class Self>
    void operator()(Self& self, std::exception_ptr e) {
        resume(self, std::move(e));
    }

    /// A coroutine `read_chunk()` has ended.
    template <class Self>
    void operator()(Self& self, std::exception_ptr e, std::string_view chunk) {
        s_->ready = chunk;
        resume(self, std::move(e));
    }

private:
    enum class phase : unsigned char { start, reading, writing, flushing, finishing, done };
    enum class next : unsigned char { read, write, wait, end };

    // Chunks read in a row before the executor gets a turn (a fast source
    // into a file would otherwise keep the thread from other pipelines).
    static constexpr int chunks_per_turn = 16;

    /// `self` as the handler of the next operation, run on `executor_`.
    /// `self` holds this object: nothing of it may be used afterwards.
    template <class Self>
    auto on_executor(Self& self) {
        Executor executor = executor_;
        return net::bind_executor(std::move(executor), std::move(self));
    }

    void fail(std::exception_ptr e) noexcept {
        if (!s_->failure) {
            s_->failure = std::move(e);
        }
    }

    /// Goes on after the source or a sink has resumed us.
    template <class Self>
    void resume(Self& self, std::exception_ptr e) {
        const bool failed = e != nullptr;
        if (failed) {
            fail(std::move(e));
        }
        switch (phase_) {
        case phase::reading:
            failed ? end_input(self) : run(self);
            return;
        case phase::writing:
            // A failed write ends the input, but this batch goes on to the
            // other sinks first: end_input writes from the first route
            // again, and the sinks before this one would get it twice.
            ++sink_;
            if (write_outputs(self)) {
                s_->failure ? end_input(self) : run(self);
            }
            return;
        case phase::flushing:
            ++sink_;
            if (write_outputs(self)) {
                finish_sinks(self);
            }
            return;
        default: // phase::finishing
            ++sink_;
            finish_sinks(self);
            return;
        }
    }

    /// Reads and feeds chunks until the source has to be waited for, a sink
    /// takes its time, or the input ends.
    template <class Self>
    void run(Self& self) {
        for (int turn = 0; turn < chunks_per_turn; ++turn) {
            switch (step(self.cancelled() != net::cancellation_type::none)) {
            case next::read:
                break;
            case next::wait:
                if (!take_tick()) {
                    wait_for_source(self);
                    return;
                }
                if (s_->failure) {
                    end_input(self);
                    return;
                }
                if (!any_output()) {
                    break;
                }
                [[fallthrough]];
            case next::write:
                phase_ = phase::writing;
                slot_ = 0;
                sink_ = 0;
                if (!write_outputs(self)) {
                    return; // resumed when the sink took it
                }
                if (s_->failure) {
                    end_input(self);
                    return;
                }
                break;
            case next::end:
                end_input(self);
                return;
            }
        }
        phase_ = phase::reading;
        net::post(on_executor(self));
    }

    /// Waits for the source (resumed when it has more, or at a tick).
    template <class Self>
    void wait_for_source(Self& self) {
        phase_ = phase::reading;
        if constexpr (waiting_source<Source>) {
            Source& source = s_->source;
            if (ticker* t = arm_ticker()) {
                // Our signal cancels the wait at a tick; the caller's
                // cancellation is passed on to it.
                net::cancellation_slot outer = self.get_cancellation_state().slot();
                if (outer.is_connected()) {
                    outer.assign([ticks = s_->ticks](net::cancellation_type type) { ticks->signal.emit(type); });
                }
                s_->tick_wait = true;
                source.async_wait_chunk(net::bind_cancellation_slot(t->signal.slot(), on_executor(self)));
            } else {
                source.async_wait_chunk(on_executor(self));
            }
        } else {
            Executor executor = executor_;
            net::awaitable<std::string_view> read = s_->source.read_chunk();
            net::co_spawn(std::move(executor), std::move(read), on_executor(self));
        }
    }

    /// The ticker, its timer running, if a live route's pipeline ticks.
    ticker* arm_ticker() {
        run_state<Source, Sink>& s = *s_;
        if (s.options.tick_every.count() <= 0 ||
            std::none_of(s.slots.begin(), s.slots.end(),
                         [](route_slot<Sink>& slot) { return slot.alive && slot.run.ticks(); })) {
            return nullptr;
        }
        if (!s.ticks) {
            s.ticks = std::make_shared<ticker>(net::steady_timer(executor_));
        }
        if (!s.ticks->armed) {
            s.ticks->armed = true;
            s.ticks->timer.expires_after(s.options.tick_every);
            s.ticks->timer.async_wait(
                net::bind_executor(executor_, [ticks = s.ticks](boost::system::error_code ec) {
                    ticks->armed = false;
                    if (!ec) {
                        ticks->due = true;
                        ticks->signal.emit(net::cancellation_type::total);
                    }
                }));
        }
        return s.ticks.get();
    }

    /// If a tick is due: every live route ticks (windows the clock has
    /// closed are output). False when none was due.
    bool take_tick() {
        run_state<Source, Sink>& s = *s_;
        if (!s.ticks || !s.ticks->due) {
            return false;
        }
        s.ticks->due = false;
        for (route_slot<Sink>& slot : s.slots) {
            if (!slot.alive) {
                continue;
            }
            try {
                slot.alive = slot.run.tick();
            } catch (...) {
                slot.alive = false;
                route_failed(slot, std::current_exception());
            }
        }
        return true;
    }

    /// Feeds a block to every live route; false once no route wants more.
    bool feed(std::string_view block) {
        run_state<Source, Sink>& s = *s_;
        bool wanted = false;
        for (route_slot<Sink>& slot : s.slots) {
            if (!slot.alive) {
                continue;
            }
            try {
                slot.alive = slot.run.feed(block);
            } catch (...) {
                slot.alive = false;
                route_failed(slot, std::current_exception());
            }
            wanted = wanted || slot.alive;
        }
        return wanted;
    }

    /// A stage of `slot` threw: the route stops, and is reported (with
    /// `on_route_error`) or ends the run.
    void route_failed(route_slot<Sink>& slot, std::exception_ptr e) {
        if (slot.metrics != nullptr) {
            slot.metrics->errors.fetch_add(1, std::memory_order_relaxed);
        }
        if (s_->options.on_route_error) {
            s_->options.on_route_error(slot.name, std::move(e));
        } else {
            fail(std::move(e));
        }
    }

    bool any_output() noexcept {
        return std::any_of(s_->slots.begin(), s_->slots.end(),
                           [](route_slot<Sink>& slot) { return !slot.run.output().empty(); });
    }

    /// One chunk from the source, split and fed to the routes.
    next step(bool cancelled) {
        run_state<Source, Sink>& s = *s_;
        if (s.routes_changed) {
            s.routes_changed = false;
            s.take_routes();
        }
        bool wanted = true;
        try {
            if (cancelled) {
                throw boost::system::system_error(net::error::operation_aborted);
            }
            if (s.table && s.table->version() != s.version) {
                // A reload: the old stages finish (their totals go to the old
                // sinks); the new routes are taken once that is written.
                finish_runs();
                s.routes_changed = true;
                return any_output() ? next::write : next::read;
            }
            std::optional<std::string_view> chunk;
            if constexpr (waiting_source<Source>) {
                chunk = s.source.try_read_chunk();
            } else {
                chunk = std::exchange(s.ready, std::nullopt);
            }
            if (!chunk) {
                return next::wait;
            }
            if (chunk->empty()) {
                if (!s.options.hold_partial) {
                    s.splitter.finish([this](std::string_view block) { return feed(block); });
                }
                count_input(0);
                return next::end;
            }
            s.stats.bytes_in += chunk->size();
            wanted = s.splitter.feed(*chunk, [this](std::string_view block) { return feed(block); });
            count_input(chunk->size());
        } catch (...) {
            fail(std::current_exception());
            return next::end;
        }
        if (s.failure || !wanted) {
            return next::end; // a stage failed, or the stages have finished (`head N`)
        }
        return any_output() ? next::write : next::read;
    }

    /// The source's counters, after a chunk.
    void count_input(std::size_t bytes) noexcept {
        run_state<Source, Sink>& s = *s_;
        const std::uint64_t lines = s.splitter.lines() - s.stats.lines_in;
        const std::uint64_t truncated = s.splitter.truncated() - s.stats.truncated;
        const std::uint64_t bad_frames = s.splitter.framing_errors() - framing_errors_;
        s.stats.lines_in += lines;
        s.stats.truncated += truncated;
        framing_errors_ += bad_frames;
        for (route_slot<Sink>& slot : s.slots) {
            if (slot.metrics != nullptr) {
                slot.metrics->lines_in.fetch_add(lines, std::memory_order_relaxed);
            }
        }
        if (counters* c = s.options.source) {
            c->lines_in.fetch_add(lines, std::memory_order_relaxed);
            c->bytes_in.fetch_add(bytes, std::memory_order_relaxed);
            c->truncated.fetch_add(truncated, std::memory_order_relaxed);
            c->errors.fetch_add(bad_frames, std::memory_order_relaxed);
        }
    }

    /// Every route's stages finish (totals are output).
    void finish_runs() {
        for (route_slot<Sink>& slot : s_->slots) {
            try {
                slot.run.finish();
            } catch (...) {
                route_failed(slot, std::current_exception());
            }
            slot.alive = false;
        }
    }

    /// Whatever ended the input — its end, an error, cancellation, the
    /// stages — every stage finishes (totals are emitted), what was accepted
    /// is written, and the sinks of a run of its own are finished.
    template <class Self>
    void end_input(Self& self) {
        run_state<Source, Sink>& s = *s_;
        s.stats.truncated = s.splitter.truncated();
        if (s.options.hold_partial) {
            s.stats.held_bytes = s.splitter.carried();
        }
        if (s.ticks) {
            s.ticks->timer.cancel(); // its handler holds the ticker, not the run
        }
        finish_runs();
        phase_ = phase::flushing;
        slot_ = 0;
        sink_ = 0;
        if (write_outputs(self)) {
            finish_sinks(self);
        }
    }

    /// Hands each route's output to each of its sinks, from (slot_, sink_)
    /// on: true when all are done (`failure` says how), false when a sink
    /// resumes us.
    template <class Self>
    bool write_outputs(Self& self) {
        run_state<Source, Sink>& s = *s_;
        for (; slot_ < s.slots.size(); ++slot_, sink_ = 0) {
            route_slot<Sink>& slot = s.slots[slot_];
            std::string& out = slot.run.output();
            if (out.empty()) {
                continue;
            }
            const std::uint64_t lines = slot.run.lines_out() - slot.lines_taken;
            if (sink_ == 0) {
                s.stats.lines_out += lines;
                s.stats.bytes_out += out.size();
                if (slot.metrics != nullptr) {
                    slot.metrics->lines_out.fetch_add(lines, std::memory_order_relaxed);
                    slot.metrics->bytes_out.fetch_add(out.size(), std::memory_order_relaxed);
                }
            }
            for (; sink_ < slot.sinks.size(); ++sink_) {
                if (!write_one(self, slot.sinks[sink_], out, lines, slot.metrics)) {
                    return false;
                }
            }
            slot.lines_taken = slot.run.lines_out();
            out.clear();
        }
        return true;
    }

    /// Hands `out` to `sink`: true when done already (`failure` says how),
    /// false when the sink resumes us.
    template <class Self>
    bool write_one(Self& self, Sink& sink, std::string_view out, std::uint64_t lines, counters* metrics) {
        if constexpr (requires { { sink.try_write(out, lines) } -> std::same_as<bool>; }) {
            if (sink.try_write(out, lines)) {
                return true;
            }
            if (s_->options.lossy) {
                s_->stats.dropped += lines;
                if (metrics != nullptr) {
                    metrics->dropped.fetch_add(lines, std::memory_order_relaxed);
                }
                if constexpr (requires { sink.note_dropped(lines); }) {
                    sink.note_dropped(lines); // counted by the sink too: it was full
                }
                return true;
            }
        }
        if constexpr (requires { sink.write_now(out); }) {
            try {
                sink.write_now(out);
            } catch (...) {
                fail(std::current_exception());
            }
            return true;
        } else if constexpr (requires { sink.async_write(out, lines, net::detached); }) {
            sink.async_write(out, lines, on_executor(self)); // a queued sink: counts lines
            return false;
        } else if constexpr (requires { sink.async_write(out, net::detached); }) {
            sink.async_write(out, on_executor(self));
            return false;
        } else {
            Executor executor = executor_;
            net::awaitable<void> write = sink.write(out);
            net::co_spawn(std::move(executor), std::move(write), on_executor(self));
            return false;
        }
    }

    /// Finishes the sinks of a run of its own, from slot_/sink_ on; then done.
    template <class Self>
    void finish_sinks(Self& self) {
        run_state<Source, Sink>& s = *s_;
        if (phase_ != phase::finishing) {
            phase_ = phase::finishing;
            slot_ = 0;
            sink_ = 0;
        }
        if (s.finish_sinks) {
            for (; slot_ < s.slots.size(); ++slot_, sink_ = 0) {
                for (; sink_ < s.slots[slot_].sinks.size(); ++sink_) {
                    Sink& sink = s.slots[slot_].sinks[sink_];
                    if constexpr (requires { sink.finish_now(); }) {
                        try {
                            sink.finish_now();
                        } catch (...) {
                            fail(std::current_exception());
                        }
                    } else if constexpr (requires { sink.async_finish(net::detached); }) {
                        sink.async_finish(on_executor(self));
                        return;
                    } else if constexpr (requires { sink.finish(); }) {
                        Executor executor = executor_;
                        net::awaitable<void> finishing = sink.finish();
                        net::co_spawn(std::move(executor), std::move(finishing), on_executor(self));
                        return;
                    }
                }
            }
        }
        phase_ = phase::done;
        // The handler runs on its own executor (the awaiting coroutine's
        // for use_awaitable); at once when that is where we are.
        net::dispatch(self.get_executor(), std::move(self));
    }

    /// The source, the sinks and the stages are gone before the handler
    /// runs. A failed run completes with its exception and empty stats.
    template <class Self>
    void complete(Self& self) {
        std::exception_ptr failure = std::move(s_->failure);
        const run_stats stats = failure ? run_stats{} : s_->stats;
        s_.reset();
        self.complete(std::move(failure), stats);
    }

    Executor executor_;
    std::unique_ptr<run_state<Source, Sink>> s_;
    std::size_t slot_ = 0; // the route being written, in phase writing/flushing/finishing
    std::size_t sink_ = 0; // its sink
    std::uint64_t framing_errors_ = 0;
    phase phase_ = phase::start;
};

template <class Executor, class Source, class Sink, class Token>
auto start_run(Executor executor, std::unique_ptr<run_state<Source, Sink>> state, Token&& token) {
    return net::async_compose<Token, void(std::exception_ptr, run_stats)>(
        run_op<Executor, Source, Sink>(executor, std::move(state)), token, executor);
}

} // namespace detail

/// `read_chunk()` for a source that has the callback level
/// (`waiting_source`): a source of your own defines `read_chunk() { return
/// coropipe::asio::read_chunk_of(this); }` to be an `async_source` too.
template <waiting_source Source>
net::awaitable<std::string_view> read_chunk_of(Source* source) {
    return detail::read_chunk_of(source);
}

/// Runs `filter` over the lines of `source`, writing its output to `sink`,
/// on `executor` (an `io_context`'s, a `thread_pool`'s, a strand).
/// Completes through `token` with `void(std::exception_ptr, run_stats)`:
/// `use_awaitable` returns the stats or throws, `deferred` defers, a
/// callback gets both.
///
/// - **Starts** when `token` says: at once for a callback or `detached`
///   (the first read is queued on `executor`, never run inside this call),
///   when awaited for `use_awaitable`/`deferred`.
/// - **Flow**: a chunk is read, split into blocks of whole lines (views
///   into the chunk, no copies; `run_options::framing`), and fed to the
///   stages (a `text_run`); their output is collected and written to the
///   sink before the next read, so a slow sink stops the reading
///   (backpressure) and memory stays bounded by a chunk, the output of one
///   chunk and the longest line (or `max_line`).
/// - **Waits** without a coroutine frame: between chunks the run is one
///   pending operation (a readability wait, a channel receive, a write)
///   holding a small state object — sources and sinks with the callback
///   level (`waiting_source`, `write_now`/`async_write`) cost no frame at
///   all; others are run as a coroutine only while they are waited for.
/// - **Ends** at the end of the input, or when the stages finish (`head N`):
///   every stage finishes (totals are emitted), the output is written, the
///   sink is finished.
/// - **Errors**: an exception from a stage, the source or the sink completes
///   the operation with it (and empty stats), after what was already
///   accepted is written.
/// - **Cancellation** (a cancellation slot bound to `token`, terminal or
///   partial): the read or write in progress stops, the stages finish, what
///   they accepted is written, and the operation completes with
///   `operation_aborted`. Destroying the executor's context instead destroys
///   the pending operation and with it the run, stages included, without
///   resuming them.
/// - **Threads**: every step runs on `executor`, one at a time.
template <class Executor, async_source Source, async_sink Sink,
          class Token = net::default_completion_token_t<Executor>>
auto async_run(Executor executor, Source source, text_stage filter, Sink sink, run_options options = {},
               Token&& token = {}) {
    auto state = std::make_unique<detail::run_state<Source, Sink>>(std::move(source), std::move(options));
    state->add_own(text_run(std::move(filter)), std::move(sink));
    return detail::start_run(std::move(executor), std::move(state), std::forward<Token>(token));
}

/// As above, with default options.
template <class Executor, async_source Source, async_sink Sink, class Token>
    requires(!std::same_as<std::decay_t<Token>, run_options>)
auto async_run(Executor executor, Source source, text_stage filter, Sink sink, Token&& token) {
    return async_run(std::move(executor), std::move(source), std::move(filter), std::move(sink), run_options{},
                     std::forward<Token>(token));
}

/// As above, for a planned pipeline text: its whole-buffer paths (leading
/// `grep`/`prefix` searched over whole buffers, a final fold) run here too.
template <class Executor, async_source Source, async_sink Sink,
          class Token = net::default_completion_token_t<Executor>>
auto async_run(Executor executor, Source source, const text_pipeline& pipeline, Sink sink,
               run_options options = {}, Token&& token = {}) {
    auto state = std::make_unique<detail::run_state<Source, Sink>>(std::move(source), std::move(options));
    state->add_own(pipeline.start(), std::move(sink));
    return detail::start_run(std::move(executor), std::move(state), std::forward<Token>(token));
}

/// As above, with default options.
template <class Executor, async_source Source, async_sink Sink, class Token>
    requires(!std::same_as<std::decay_t<Token>, run_options>)
auto async_run(Executor executor, Source source, const text_pipeline& pipeline, Sink sink, Token&& token) {
    return async_run(std::move(executor), std::move(source), pipeline, std::move(sink), run_options{},
                     std::forward<Token>(token));
}

/// The daemon's form: the lines of `source` through every route of `table`
/// (each route's pipeline, its output to each of its sinks: fan-out). The
/// sinks are shared with other runs (a `queued_sink` taking many
/// connections' output) and are not finished at the end. A reload replaces
/// the table's routes; the run takes them at its next chunk.
///
/// As the forms above otherwise; in addition (see `run_options`): `framing`
/// for syslog streams, `lossy` for datagram sources, `hold_partial` for
/// followed files, live `counters`, and `on_route_error` to keep a failing
/// pipeline from stopping the others. To stop a run and drain it, end its
/// source's input (close the reading side, `stop()` a datagram source or a
/// followed file): what was read is processed and written, then the run
/// completes.
template <class Executor, async_source Source, std::copy_constructible Sink,
          class Token = net::default_completion_token_t<Executor>>
auto async_run(Executor executor, Source source, std::shared_ptr<const route_table<Sink>> table,
               run_options options = {}, Token&& token = {}) {
    auto state = std::make_unique<detail::run_state<Source, Sink>>(std::move(source), std::move(options));
    state->table = std::move(table);
    state->take_routes();
    return detail::start_run(std::move(executor), std::move(state), std::forward<Token>(token));
}

} // namespace coropipe::asio

/// The handler of an `adapted_handler` decides its executor, allocator and
/// cancellation slot.
template <template <class, class> class Associator, class Handler, class Adapt, class DefaultCandidate>
struct boost::asio::associator<Associator, coropipe::asio::detail::adapted_handler<Handler, Adapt>,
                               DefaultCandidate> {
    using adapted = coropipe::asio::detail::adapted_handler<Handler, Adapt>;
    using type = typename Associator<Handler, DefaultCandidate>::type;

    static type get(const adapted& h) noexcept { return Associator<Handler, DefaultCandidate>::get(h.handler); }
    static auto get(const adapted& h, const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c)) {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};
