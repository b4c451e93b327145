#pragma once
// coropipe-genlog's output formats: one record as one line.

#include "record.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace coropipe::genlog {

enum class format : std::uint8_t { plain, logfmt, json, rfc3164, rfc5424 };

/// The format called `name` (`plain`, `logfmt`, `json`, `rfc3164`,
/// `rfc5424`), or none.
std::optional<format> format_named(std::string_view name);

/// Appends `r` written in format `f`, and a newline, to `out`.
void append_line(std::string& out, const record& r, format f);

} // namespace coropipe::genlog
