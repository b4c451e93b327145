#pragma once

#include <memory>
#include <string_view>

namespace coropipe::detail {

/// A compiled regular expression for `grep` with `grep_options::regex`
/// (`grep -E`): RE2 behind a pointer, so that RE2's headers stay out of
/// coropipe's public ones. Compiled in lib/regex.cpp.
///
/// - RE2 syntax (POSIX ERE plus Perl classes like `\d`, no backreferences);
///   matching takes time linear in the line, whatever the pattern.
/// - Unanchored search, like `grep -E`: `a.c` matches "xxabcxx"; use `^`/`$`
///   to anchor at the line's ends.
/// - Bytes, not UTF-8 (RE2's Latin-1 mode): any line, including invalid
///   UTF-8 and NUL bytes, can be searched; `.` is one byte.
/// - `ignore_case`: RE2's case-insensitive mode (ASCII letters, and in
///   Latin-1 mode the Latin-1 letters 0xC0-0xFE too).
/// - An invalid pattern throws `coropipe::error` with RE2's message from the
///   constructor. Matching never throws and is thread-safe.
class regex_matcher {
public:
    regex_matcher(std::string_view pattern, bool ignore_case);
    regex_matcher(regex_matcher&&) noexcept;
    regex_matcher& operator=(regex_matcher&&) noexcept;
    ~regex_matcher();

    /// True if the pattern matches somewhere in `line`.
    bool operator()(std::string_view line) const noexcept;
    bool matches(std::string_view line) const noexcept { return (*this)(line); }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace coropipe::detail
