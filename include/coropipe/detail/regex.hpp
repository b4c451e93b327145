#pragma once

#include <coropipe/regex_error.hpp>

#include <memory>
#include <string_view>

namespace coropipe::detail {

/// A compiled regular expression for `grep -E` (`grep_options::regex`) and
/// `where`'s `~`: a POSIX extended regular expression as GNU grep -E reads
/// it under `LC_ALL=C`, with its GNU extensions (`\w \s \b \< \>`, `a{,3}`);
/// docs/regex.md has the syntax and the few differences. Hyperscan runs it
/// (RE2 where Hyperscan does not take it), behind a pointer, so that their
/// headers stay out of coropipe's public ones. Compiled in lib/regex.cpp.
///
/// - Unanchored search, like `grep -E`: `a.c` matches "xxabcxx"; `^`/`$`
///   anchor at the ends of the line.
/// - Bytes, not characters: `.` and `[^a]` are one byte (any but '\n');
///   classes and `\w`, `\b` are ASCII; invalid UTF-8 and NUL bytes are
///   searched like any byte.
/// - `ignore_case`: ASCII letters only (`grep -iE` under `LC_ALL=C`);
///   bytes from 0x80 on are compared exactly.
/// - Linear time in the line, whatever the pattern: back-references are
///   not supported.
/// - A pattern it does not take throws `coropipe::regex_error` (a
///   `coropipe::error`, with the byte offset) from the constructor.
///   Matching never throws and is thread-safe (each thread scans with a
///   Hyperscan scratch space of its own, kept until it ends).
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
