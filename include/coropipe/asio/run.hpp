#pragma once

#include <coropipe/detail/line_splitter.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <boost/asio/associator.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

/// Pipelines on a Boost.Asio executor (docs/asio.md).
namespace coropipe::asio {

namespace net = boost::asio;

/// The stages of a text pipeline, as in the `coropipe` utility: lines in,
/// lines out. Any `stage<std::string_view>` (built-in or user-written) is
/// one; the same object runs in a synchronous pipeline or here.
using text_stage = stage<std::string_view, std::string_view>;

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
/// `async_run` prefers, where a sink has them, `write_now(bytes)` (writes
/// at once: files) or `async_write(bytes, token)` (completes with
/// `void(error_code[, std::size_t])`), and `finish_now()` or
/// `async_finish(token)` (`void(error_code)`).
template <class S>
concept async_sink = requires(S& s, std::string_view bytes) {
    { s.write(bytes) } -> std::same_as<net::awaitable<void>>;
    { s.finish() } -> std::same_as<net::awaitable<void>>;
};

/// What a finished pipeline did.
struct run_stats {
    std::uint64_t lines_in = 0;
    std::uint64_t bytes_in = 0;  ///< bytes read from the source
    std::uint64_t lines_out = 0;
    std::uint64_t bytes_out = 0; ///< bytes handed to the sink, newlines included
    std::uint64_t truncated = 0; ///< lines cut to `run_options::max_line`
};

struct run_options {
    /// Longer lines are cut to this many bytes and counted (0: no limit;
    /// memory then grows with the longest line).
    std::size_t max_line = 0;
};

namespace detail {

/// The tail of every async pipeline: appends each line and a '\n' to `*out`.
sink<std::string_view> append_lines(std::string* out, run_stats* stats);

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

/// Everything a run holds, at a stable address: the chain's tail appends to
/// `out` and counts in `stats`.
template <class Source, class Sink>
struct run_state {
    run_state(Source source_, text_stage filter, Sink sink_, run_options options)
        : source(std::move(source_)),
          sink(std::move(sink_)),
          splitter(options.max_line),
          chain(filter.empty() ? append_lines(&out, &stats) : std::move(filter) | append_lines(&out, &stats)) {}

    struct nothing {};

    Source source;
    Sink sink;
    run_stats stats;
    std::string out; // the output of one chunk, until the sink took it
    coropipe::detail::line_splitter splitter;
    coropipe::sink<std::string_view> chain;
    std::exception_ptr failure; // the first error; the run still finishes its stages and its output
    // What the coroutine `read_chunk()` of a source without the callback level returned.
    [[no_unique_address]] std::conditional_t<waiting_source<Source>, nothing, std::optional<std::string_view>> ready;
};

/// The one driver of `async_run`, an `async_compose` implementation: it
/// reads, pushes the lines through the stages and writes their output, and
/// between those it waits in exactly one operation of the source or the
/// sink, holding `self` (this object and the completion handler) and no
/// coroutine frame. Sources and sinks without the callback level are run as
/// coroutines (`co_spawn`) only while they are waited for.
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

    /// A wait of the source, or a write or finish of the sink, has ended.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t = 0) {
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

    /// Goes on after the source or the sink has resumed us.
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
            s_->out.clear();
            failed ? end_input(self) : run(self);
            return;
        case phase::flushing:
            finish(self);
            return;
        default: // phase::finishing
            phase_ = phase::done;
            // The handler runs on its own executor (the awaiting coroutine's
            // for use_awaitable); at once when that is where we are.
            net::dispatch(self.get_executor(), std::move(self));
            return;
        }
    }

    /// Reads and pushes chunks until the source has to be waited for, the
    /// sink takes its time, or the input ends.
    template <class Self>
    void run(Self& self) {
        for (int turn = 0; turn < chunks_per_turn; ++turn) {
            switch (step(self.cancelled() != net::cancellation_type::none)) {
            case next::read:
                break;
            case next::write:
                phase_ = phase::writing;
                if (!write(self)) {
                    return; // resumed when the sink took it
                }
                if (s_->failure) {
                    end_input(self);
                    return;
                }
                break;
            case next::wait:
                phase_ = phase::reading;
                if constexpr (waiting_source<Source>) {
                    Source& source = s_->source;
                    source.async_wait_chunk(on_executor(self));
                } else {
                    Executor executor = executor_;
                    net::awaitable<std::string_view> read = s_->source.read_chunk();
                    net::co_spawn(std::move(executor), std::move(read), on_executor(self));
                }
                return;
            case next::end:
                end_input(self);
                return;
            }
        }
        phase_ = phase::reading;
        net::post(on_executor(self));
    }

    /// One chunk from the source, split and pushed through the stages.
    next step(bool cancelled) {
        run_state<Source, Sink>& s = *s_;
        auto push = [&s](std::string_view line) {
            ++s.stats.lines_in;
            return s.chain.send(line);
        };
        try {
            if (cancelled) {
                throw boost::system::system_error(net::error::operation_aborted);
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
                s.splitter.finish(push);
                return next::end;
            }
            s.stats.bytes_in += chunk->size();
            if (!s.splitter.feed(*chunk, push)) {
                return next::end; // the stages have finished (`head N`)
            }
        } catch (...) {
            fail(std::current_exception());
            return next::end;
        }
        return s.out.empty() ? next::read : next::write;
    }

    /// Whatever ended the input — its end, an error, cancellation, the
    /// stages — every stage finishes (totals are emitted), what was accepted
    /// is written, and the sink is finished.
    template <class Self>
    void end_input(Self& self) {
        s_->stats.truncated = s_->splitter.truncated();
        try {
            s_->chain.close();
        } catch (...) {
            fail(std::current_exception());
        }
        phase_ = phase::flushing;
        if (s_->out.empty() || write(self)) {
            finish(self);
        }
    }

    /// Hands `out` to the sink: true when done already (`failure` says how),
    /// false when the sink resumes us.
    template <class Self>
    bool write(Self& self) {
        run_state<Source, Sink>& s = *s_;
        s.stats.bytes_out += s.out.size();
        if constexpr (requires { s.sink.write_now(std::string_view(s.out)); }) {
            try {
                s.sink.write_now(s.out);
            } catch (...) {
                fail(std::current_exception());
            }
            s.out.clear();
            return true;
        } else if constexpr (requires { s.sink.async_write(std::string_view(s.out), net::detached); }) {
            s.sink.async_write(std::string_view(s.out), on_executor(self));
            return false;
        } else {
            Executor executor = executor_;
            net::awaitable<void> write = s.sink.write(s.out);
            net::co_spawn(std::move(executor), std::move(write), on_executor(self));
            return false;
        }
    }

    template <class Self>
    void finish(Self& self) {
        phase_ = phase::finishing;
        Sink& sink = s_->sink;
        if constexpr (requires { sink.finish_now(); }) {
            try {
                sink.finish_now();
            } catch (...) {
                fail(std::current_exception());
            }
            resume(self, nullptr);
        } else if constexpr (requires { sink.async_finish(net::detached); }) {
            sink.async_finish(on_executor(self));
        } else {
            Executor executor = executor_;
            net::awaitable<void> finishing = sink.finish();
            net::co_spawn(std::move(executor), std::move(finishing), on_executor(self));
        }
    }

    /// The source, the sink and the stages are gone before the handler runs.
    /// A failed run completes with its exception and empty stats.
    template <class Self>
    void complete(Self& self) {
        std::exception_ptr failure = std::move(s_->failure);
        const run_stats stats = failure ? run_stats{} : s_->stats;
        s_.reset();
        self.complete(std::move(failure), stats);
    }

    Executor executor_;
    std::unique_ptr<run_state<Source, Sink>> s_;
    phase phase_ = phase::start;
};

} // namespace detail

/// Runs `filter` over the lines of `source`, writing its output to `sink`,
/// on `executor` (an `io_context`'s, a `thread_pool`'s, a strand).
/// Completes through `token` with `void(std::exception_ptr, run_stats)`:
/// `use_awaitable` returns the stats or throws, `deferred` defers, a
/// callback gets both.
///
/// - **Starts** when `token` says: at once for a callback or `detached`
///   (the first read is queued on `executor`, never run inside this call),
///   when awaited for `use_awaitable`/`deferred`.
/// - **Flow**: a chunk is read, split into lines (views into the chunk, no
///   copies), pushed through the stages; their output is collected and
///   written to the sink before the next read, so a slow sink stops the
///   reading (backpressure) and memory stays bounded by a chunk, the
///   output of one chunk and the longest line (or `max_line`).
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
    auto state = std::make_unique<detail::run_state<Source, Sink>>(std::move(source), std::move(filter),
                                                                   std::move(sink), options);
    return net::async_compose<Token, void(std::exception_ptr, run_stats)>(
        detail::run_op<Executor, Source, Sink>(executor, std::move(state)), token, executor);
}

/// As above, with default options.
template <class Executor, async_source Source, async_sink Sink, class Token>
    requires(!std::same_as<std::decay_t<Token>, run_options>)
auto async_run(Executor executor, Source source, text_stage filter, Sink sink, Token&& token) {
    return async_run(std::move(executor), std::move(source), std::move(filter), std::move(sink), run_options{},
                     std::forward<Token>(token));
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
