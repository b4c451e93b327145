#pragma once

#include <string>
#include <string_view>

namespace coropipe::detail {

/// A POSIX extended regular expression in GNU grep -E's dialect, read as
/// GNU grep reads it under `LC_ALL=C` (bytes, ASCII classes and case), and
/// what it means for a line, in the forms the matchers use.
struct ere_translation {
    enum class shape : unsigned char {
        never,   ///< no line matches (e.g. `\<[ ]`: a word cannot start with a blank)
        always,  ///< every line matches (`''`, `x*`, `a|`)
        literal, ///< the lines that contain `text`; with `ignore_case`, `text` is in lower case and ASCII case is
                 ///< ignored
        prefix,  ///< the lines that start with `text` (`^abc`, not with `ignore_case`)
        regex,   ///< the lines in which `engine_pattern` finds a match
    };
    shape what = shape::regex;
    std::string text;

    /// The same expression in the syntax RE2 and Hyperscan share (set for
    /// every shape but never, and for always unless the pattern is empty): case already folded into it
    /// (`[eE]`), bytes outside [0-9A-Za-z] written `\xHH`, groups
    /// non-capturing, and no part of it can match a '\n', so a match in a
    /// buffer of lines lies inside one line. Searched unanchored; `^`/`$`
    /// are the ends of the text (or of each line, in multi-line mode).
    std::string engine_pattern;

    /// True if `engine_pattern` can match an empty string somewhere (`^$`,
    /// `\b`): Hyperscan then needs HS_FLAG_ALLOWEMPTY.
    bool can_match_empty = false;
};

/// Reads `pattern` as GNU grep -E (with `ignore_case`, grep -iE) does under
/// `LC_ALL=C`, newlines separating alternatives as in grep's PATTERNS.
/// What GNU grep accepts, coropipe accepts with the same meaning, or
/// rejects with `coropipe::regex_error` at the byte where the difference
/// is (a back-reference, a stray `\d`, a `\<` it cannot express, a repeat
/// count over 1000): docs/regex.md lists them. Pure; compiled in lib/ere.cpp.
ere_translation translate_ere(std::string_view pattern, bool ignore_case);

} // namespace coropipe::detail
