#pragma once

#include <coropipe/detail/line_splitter.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
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
template <class S>
concept async_source = requires(S& s) {
    { s.read_chunk() } -> std::same_as<net::awaitable<std::string_view>>;
};

/// Where a pipeline's output lines go, as bytes ('\n' after each line).
/// `write` suspends until the bytes are taken (backpressure: the pipeline
/// reads no more input meanwhile); `finish` marks the end of the output.
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

inline bool is_cancellation(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& s) {
        return s.code() == net::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

template <async_source Source, async_sink Sink>
net::awaitable<run_stats> run_pipeline(Source source, text_stage filter, Sink sink_, run_options options) {
    run_stats stats;
    std::string out;
    sink<std::string_view> chain = filter.chain().empty()
                                       ? append_lines(&out, &stats)
                                       : std::move(filter) | append_lines(&out, &stats);
    coropipe::detail::line_splitter splitter(options.max_line);
    auto push = [&](std::string_view line) {
        ++stats.lines_in;
        return chain.send(line);
    };
    std::exception_ptr failure;
    bool taking = true; // false once the chain has finished (`head N`)
    try {
        while (taking) {
            const std::string_view chunk = co_await source.read_chunk();
            if (chunk.empty()) {
                break;
            }
            stats.bytes_in += chunk.size();
            taking = splitter.feed(chunk, push);
            if (!out.empty()) {
                // Backpressure: no more input until the sink took this.
                stats.bytes_out += out.size();
                co_await sink_.write(out);
                out.clear();
            }
        }
        if (taking) {
            splitter.finish(push);
        }
    } catch (...) {
        failure = std::current_exception();
    }
    stats.truncated = splitter.truncated();
    // Whatever ended the input — its end, an error, cancellation — every
    // stage finishes (totals are emitted) and what was accepted is written.
    try {
        chain.close();
    } catch (...) {
        if (!failure) {
            failure = std::current_exception();
        }
    }
    if (failure && is_cancellation(failure)) {
        // Cancelled: let the final flush run, then report the cancellation.
        co_await net::this_coro::reset_cancellation_state();
    }
    if (!out.empty()) {
        stats.bytes_out += out.size();
        co_await sink_.write(out);
    }
    co_await sink_.finish();
    if (failure) {
        std::rethrow_exception(failure);
    }
    co_return stats;
}

} // namespace detail

/// Runs `filter` over the lines of `source`, writing its output to `sink`,
/// as a coroutine on `executor` (an `io_context`'s, a `thread_pool`'s, a
/// strand). Completes through `token` with `void(std::exception_ptr,
/// run_stats)`: `use_awaitable` returns the stats or throws, `deferred`
/// defers, a callback gets both.
///
/// - **Starts** when `token` says (`co_spawn` rules): at once for a
///   callback or `detached`, when awaited for `use_awaitable`/`deferred`.
/// - **Flow**: a chunk is read, split into lines (views into the chunk, no
///   copies), pushed through the stages; their output is collected and
///   written to the sink before the next read, so a slow sink stops the
///   reading (backpressure) and memory stays bounded by a chunk, the
///   output of one chunk and the longest line (or `max_line`).
/// - **Ends** at the end of the input, or when the stages finish (`head N`):
///   every stage finishes (totals are emitted), the output is written, the
///   sink is finished.
/// - **Errors**: an exception from a stage, the source or the sink completes
///   the operation with it, after what was already accepted is written.
/// - **Cancellation** (a cancellation slot bound to `token`, terminal or
///   partial): the read or write in progress stops, the stages finish, what
///   they accepted is written, and the operation completes with
///   `operation_aborted`. Destroying the executor's context instead destroys
///   every frame, stages included, without resuming them.
template <class Executor, async_source Source, async_sink Sink,
          class Token = net::default_completion_token_t<Executor>>
auto async_run(Executor executor, Source source, text_stage filter, Sink sink, run_options options = {},
               Token&& token = {}) {
    return net::co_spawn(std::move(executor),
                         detail::run_pipeline(std::move(source), std::move(filter), std::move(sink), options),
                         std::forward<Token>(token));
}

/// As above, with default options.
template <class Executor, async_source Source, async_sink Sink, class Token>
    requires(!std::same_as<std::decay_t<Token>, run_options>)
auto async_run(Executor executor, Source source, text_stage filter, Sink sink, Token&& token) {
    return async_run(std::move(executor), std::move(source), std::move(filter), std::move(sink), run_options{},
                     std::forward<Token>(token));
}

} // namespace coropipe::asio
