#pragma once
// Small text helpers of the configuration loader: how bytes from the file
// are shown inside a one-line message, and how a dotted key is written.

#include <string>
#include <string_view>
#include <vector>

namespace coropiped::loader {

/// Bytes from the file shown inside a one-line message: control bytes
/// escaped (`\n`, `\x01`), cut after `max_shown` bytes with "...", so a
/// diagnostic always stays one line.
std::string printable(std::string_view text, std::size_t max_shown = 60);

/// `'text'`, printable.
std::string shown(std::string_view value);

/// A TOML bare key: letters, digits, '_' and '-', at least one.
bool is_bare_key(std::string_view name);

/// `prefix.name`, the name in TOML's double quotes when it is not a bare key.
std::string key_path(std::string_view prefix, std::string_view name);

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

/// `text` without leading and trailing blanks (spaces, tabs).
std::string_view trim(std::string_view text);

/// " (did you mean 'listen'?)" for the name of `known` nearest to `typed`
/// (at most two edits away); else empty.
std::string suggestion(std::string_view typed, const std::vector<std::string_view>& known);

/// `"a", "b", "c"`: each in double quotes, comma separated.
std::string quoted_list(const std::vector<std::string_view>& words);

} // namespace coropiped::loader
