#pragma once
// Waiting on an io_context in a test: run its handlers one at a time until
// an event has happened (an operation completed, a state was reached), with
// a deadline that fails the test loudly. Never a sleep.

#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace coropipe::test {

/// Runs handlers of `io` until `done()` holds (checked after each one);
/// fails the test after `limit`.
inline void run_until(boost::asio::io_context& io, const std::function<bool()>& done, const std::string& what,
                      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    io.restart();
    while (!done()) {
        if (io.run_one_until(deadline) == 0) {
            FAIL("gave up waiting for " << what << " after " << limit.count() << " ms");
        }
    }
}

namespace detail {
template <class Op>
struct deferred_results;
template <class... Args, class Initiation, class... InitArgs>
struct deferred_results<boost::asio::deferred_async_operation<void(Args...), Initiation, InitArgs...>> {
    using type = std::tuple<std::decay_t<Args>...>;
};
} // namespace detail

/// Starts `op` (an operation made with `boost::asio::deferred`), runs `io`
/// until it completes and returns its completion arguments as a tuple.
template <class Op>
auto wait_for(boost::asio::io_context& io, Op&& op, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    using results = typename detail::deferred_results<std::decay_t<Op>>::type;
    std::optional<results> out;
    std::forward<Op>(op)([&out](auto&&... args) { out.emplace(std::forward<decltype(args)>(args)...); });
    run_until(io, [&] { return out.has_value(); }, "an operation to complete", limit);
    return std::move(*out);
}

} // namespace coropipe::test
