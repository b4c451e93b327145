#pragma once

// Private to lib/: the quoted strings of FIELDs (`."odd key"`) and `where`
// expressions (`"error"`), read one way.

#include <cstddef>
#include <string>
#include <string_view>

namespace coropipe::detail {

/// The string quoted by `text[open]` (`"` or `'`) up to the same quote
/// unescaped, with its escapes undone: `\"`, `\'`, `\\`, `\/`, `\n`, `\t`,
/// `\r`. `*end` is set past the closing quote. Throws `syntax_error` with
/// `context` for an unterminated string (at `open`) or another escape (at
/// its backslash). Compiled in lib/quoted_text.cpp.
std::string read_quoted(std::string_view text, std::size_t open, std::size_t* end, std::string_view context);

/// `text` for an error message, in single quotes: at most 40 bytes (then
/// `...`), control bytes and DEL as `\xNN`.
std::string shown(std::string_view text);

} // namespace coropipe::detail
