#pragma once

#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe {

/// How `throttle` groups, times and counts.
struct throttle_options {
    /// FIELD references: a separate budget per key (`{"@app"}`); empty: one.
    std::vector<std::string> keys{};
    /// At most this many keys are tracked; further keys share one budget.
    std::size_t key_limit = 100'000;
    /// The clock (the arrival time of a line). Default: steady_clock::now.
    std::function<std::chrono::steady_clock::time_point()> clock{};
    /// Incremented for each line dropped (a daemon's metrics read it).
    /// Default: a counter of the stage's own.
    std::shared_ptr<std::atomic<std::uint64_t>> dropped{};
    /// Told once, at the end of the input, how many lines were dropped (if
    /// any): `throttle: 95 lines over 5 per 1h dropped`. Null: not told.
    std::function<void(std::string_view)> on_warning{};
};

/// Passes at most `n` lines per `per` (per key): the first `n` lines of a
/// window that starts with a key's first line and lasts `per`; the next
/// line after it starts a new window. Lines over the rate are dropped and
/// counted in `dropped`.
///
/// The FIELDs are parsed when `throttle` is called (`syntax_error`). Lazy,
/// passes the upstream's lines themselves. Exceptions from upstream
/// surface at the consumer's resume point; destroying it early destroys
/// upstream (without the report). lib/throttle.cpp.
stage<std::string_view> throttle(std::size_t n, std::chrono::milliseconds per, throttle_options options = {});

} // namespace coropipe
