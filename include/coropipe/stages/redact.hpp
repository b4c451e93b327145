#pragma once

#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <string>
#include <string_view>

namespace coropipe {

/// Replaces every match of `regex` in each line with `replacement`
/// (`***` by default): `redact("password=[^ ]*", "password=***")`.
///
/// `regex` is a POSIX extended regular expression as `grep -E` reads it
/// (docs/regex.md), run by RE2 over bytes; matches are leftmost, and an
/// empty match inserts `replacement` (as `sed 's/x*/-/g'`). `replacement`
/// is inserted as it is (no back-references). Every line is passed on,
/// changed or not.
///
/// The regex is compiled when `redact` is called: a pattern it cannot take
/// (`a(b`, or an empty one) throws `coropipe::regex_error` there, with the
/// byte offset. Lazy: the coroutine starts when first pulled; one line
/// is copied at a time. Exceptions from upstream surface at the consumer's
/// resume point; destroying it early destroys upstream. lib/redact.cpp.
stage<std::string_view> redact(std::string_view regex, std::string replacement = "***");

} // namespace coropipe
