#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coropipe {

/// The time of an RFC 3339 timestamp at the start of `text`, in
/// milliseconds since the Unix epoch (UTC): `2026-11-23T10:00:00Z`,
/// `2026-11-23T10:00:00.123456+01:00`, `2026-11-23 10:00:00z` (a blank or
/// `t` for `T`). Fractions past milliseconds are cut; a leap second (`:60`)
/// counts as the next second. `*length` (if given) is set to the bytes
/// read. Empty if `text` does not start with one: a bad digit, month 13,
/// February 30, hour 24, minute 60, no zone, a zone past 23:59.
///
/// Pure, never throws (fuzzed: tests/fuzz/timestamp_fuzz.cpp).
/// lib/timestamp.cpp.
std::optional<std::int64_t> parse_rfc3339(std::string_view text, std::size_t* length = nullptr) noexcept;

/// `ms` (milliseconds since the epoch, years 0000 to 9999) as RFC 3339 in
/// UTC to the second, the milliseconds cut: `2026-11-23T10:00:00Z`.
std::string format_rfc3339(std::int64_t ms);

} // namespace coropipe
