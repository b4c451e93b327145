#pragma once

#include <coropipe/coroutine.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <concepts>
#include <exception>
#include <type_traits>
#include <utility>
#include <vector>

namespace coropipe {

namespace detail {

template <class T>
struct broadcast_element {};
template <class T>
struct broadcast_element<sink<T>> {
    using type = T;
};
template <class T>
struct broadcast_element<coroutine<void, T>> {
    using type = T;
};

/// A target `broadcast` can feed: a `sink<T>` or a `coroutine<void, T>`.
template <class Target>
concept broadcast_target = requires { typename broadcast_element<Target>::type; };

template <class T>
sink<T> as_sink(sink<T> s) noexcept {
    return s;
}
template <class T>
sink<T> as_sink(coroutine<void, T> c) {
    return send_to<T>(std::move(c));
}

/// Sends each input to every target that has not finished; ends when all
/// have, or closes them all at the end of the input.
template <class T>
sink<T> broadcast_stage(std::vector<sink<T>> targets) {
    while (T* value = co_await input) {
        bool any_open = false;
        for (sink<T>& target : targets) {
            // send() copies *value for each target: one target may not see
            // what another did to its copy.
            if (!target.done() && target.send(*value)) {
                any_open = true;
            }
        }
        if (!any_open) {
            co_return;
        }
    }
    // End of input: every target flushes, even if an earlier one throws;
    // the first exception goes on downstream.
    std::exception_ptr first_error;
    for (sink<T>& target : targets) {
        try {
            target.close();
        } catch (...) {
            if (!first_error) {
                first_error = std::current_exception();
            }
        }
    }
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

struct broadcast_fn {
    template <broadcast_target First, broadcast_target... Rest>
        requires(std::same_as<typename broadcast_element<First>::type, typename broadcast_element<Rest>::type> &&
                 ...)
    auto operator()(First first, Rest... rest) const {
        using T = typename broadcast_element<First>::type;
        std::vector<sink<T>> targets;
        targets.reserve(1 + sizeof...(Rest));
        targets.push_back(as_sink(std::move(first)));
        (targets.push_back(as_sink(std::move(rest))), ...);
        return broadcast_stage<T>(std::move(targets));
    }
};

} // namespace detail

/// Beazley's fan-out: a `sink<T>` that sends each input to every target, in
/// order. Targets are sinks (`grep("x") | print(out)`) or two-way sink
/// coroutines (`coroutine<void, T>`), all of the same element type, moved in.
///
/// ```
/// lines(log) | broadcast(grep("ERROR", printer()), count_lines(total));
/// ```
///
/// - Push: each input is copied into each target's `send`, which runs that
///   target's chain to completion for it before the next target gets it.
/// - A target that finishes (say a `take(n)` inside it) stops receiving; the
///   broadcast finishes once every target has (then `send` returns false and
///   a pull pipeline stops pulling).
/// - At the end of the input it closes every target, in order, so each can
///   flush or emit its totals.
/// - Exceptions: one thrown by a target's `send` ends the broadcast and
///   surfaces at the consumer (`|`, `send` or `close`) with its own type; the
///   other targets are then destroyed, not closed. If closing throws, the
///   remaining targets are still closed and the first exception surfaces.
///   An exception from upstream surfaces the same way; the targets are
///   destroyed, not closed.
/// - Destroying the broadcast (or its pipeline) early destroys every target.
inline constexpr detail::broadcast_fn broadcast{};

} // namespace coropipe
