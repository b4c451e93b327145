#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace coropipe {

/// A duration of the pipeline text (`throttle 10 per 1s`, `dedup 30s`): a
/// decimal integer and a unit `ms`, `s`, `m`, `h` or `d`: `500ms`, `10s`,
/// `1m`, `1h`. Empty for anything else (no unit, `1.5s`, `-1s`, ` 1s`,
/// an overflow). Pure, never throws. lib/duration.cpp.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept;

} // namespace coropipe
