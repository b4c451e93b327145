#pragma once
// The values of the configuration file that are more than a TOML type:
// sizes, durations, addresses (public in config.hpp), file modes and user or
// group names, and how sizes and durations are written back (the docs).

#include "config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coropiped::loader {

/// A decimal integer that is the whole of `digits`; nullopt when it is not
/// one or does not fit.
std::optional<std::uint64_t> parse_decimal(std::string_view digits);

/// A file mode: a string of octal digits, at most 0777 ("0660", "640").
/// Throws coropipe::error saying what is wrong.
unsigned parse_mode(std::string_view text);

/// A user or group: a name, or a number (0 to 4294967294). Throws
/// coropipe::error for an empty one, a blank, ':', '/' or a control byte,
/// or a '-' first.
std::string parse_account(std::string_view text);

/// `bytes` as written in the file: "64KiB", "1GiB", "100B".
std::string format_size(std::uint64_t bytes);

/// `d` as written in the file: "10s", "100ms", "24h", "0s".
std::string format_duration(std::chrono::milliseconds d);

/// A mode as written in the file: "0640".
std::string format_mode(unsigned mode);

} // namespace coropiped::loader
