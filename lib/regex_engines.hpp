#pragma once
// Private to lib/: how regex_matcher and line_filter build their engines
// from an ere_translation, so that the per-line test and the whole-buffer
// search cannot drift.

#include <re2/re2.h>

#include <memory>
#include <string>

namespace coropipe::detail {

/// RE2 over bytes (Latin-1 mode) for `engine_pattern` (see
/// `ere_translation`); `multi_line`: `^`/`$` at each line's ends, for a
/// buffer of lines. Throws `regex_error` (offset 0, RE2's message) if RE2
/// cannot take it, which for a translated pattern means it is too large.
std::unique_ptr<RE2> compile_re2(const std::string& engine_pattern, bool multi_line);

} // namespace coropipe::detail
