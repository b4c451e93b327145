#pragma once

#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace coropipe {

/// How `dedup` times repeats.
struct dedup_options {
    /// A repeat is dropped only within this long of the line it repeats (as
    /// first passed); later, the line is passed again. Empty: always.
    std::optional<std::chrono::milliseconds> within{};
    /// The clock (a line's arrival time). Default: steady_clock::now.
    std::function<std::chrono::steady_clock::time_point()> clock{};
};

/// Drops a line equal (byte for byte) to the line just passed, as rsyslog's
/// `$RepeatedMsgReduction` does, and says how many it dropped: before the
/// next line passed (or at the end of the input), the line
/// `last message repeated N times`.
///
/// ```
/// a, a, a, b, b, a   ->   a, last message repeated 2 times, b,
///                         last message repeated 1 times, a
/// ```
///
/// Lazy; one copy of the last line passed is kept. Exceptions from
/// upstream surface at the consumer's resume point; destroying it early
/// destroys upstream (a pending count is not written). lib/dedup.cpp.
stage<std::string_view> dedup(dedup_options options = {});

} // namespace coropipe
