#pragma once
// Places in the configuration file's text: lines and columns as toml++
// counts them, the bytes of a string value mapped back to the file (for a
// `run` text's errors), and what is refused before toml++ reads the text.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace coropiped::loader {

/// A place in the file: 1-based line, 1-based column in code points.
struct position {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    friend bool operator<(position a, position b) { return a.line != b.line ? a.line < b.line : a.column < b.column; }
    bool operator==(const position&) const = default;
};

/// Byte offset of a toml++ position: lines counted by '\n', columns in code
/// points. nullopt if the text has no such place.
std::optional<std::size_t> offset_of(std::string_view text, position p);

/// The position of byte `offset` of `text`.
position position_of(std::string_view text, std::size_t offset);

/// Where each byte of a TOML string's value is written in the file: for the
/// string token at `start` (its opening quote) whose parsed value is `value`,
/// the offset in `text` of the source of value[i], and at [value.size()] the
/// offset just after the last one (the closing quote). An escape is the source
/// of all the bytes it makes. nullopt if the token does not decode to `value`
/// (then the caller points at the string as a whole).
std::optional<std::vector<std::size_t>> value_offsets(std::string_view text, std::size_t start, std::string_view value);

/// HACK(toml++ 3.3): toml++ classifies a code point from U+00A1 to U+0499 (é,
/// ü, Ж...) or from U+FBF6 to U+FEFE met outside a string value (in a quoted
/// key, or where whitespace may be) by reaching __builtin_unreachable():
/// undefined behaviour (https://github.com/marzer/tomlplusplus/issues/190 and
/// #295, fixed upstream by PR #305, after Debian 12's 3.3.0). No key or name
/// of this schema may hold such a character anyway, so such input is refused
/// before toml++ sees it: non-ASCII passes only in comments and string values.
/// Returns the offset of the first refused byte and why, or nullopt.
std::optional<std::pair<std::size_t, std::string_view>> refuse_non_ascii(std::string_view text);

} // namespace coropiped::loader
