#pragma once

#include <coropipe/detail/search.hpp> // line_range
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/field_ref.hpp>
#include <coropipe/field_scratch.hpp>
#include <coropipe/syntax_error.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace coropipe {

/// A malformed `format` string. what() is one line,
/// `coropipe::format: unterminated '{' at offset 4; write {{ for a literal {`:
/// a `syntax_error` whose `reason()`, `position()` (the byte offset in the
/// format string) and `hint()` (may be empty) are kept apart for callers
/// that point at the spot themselves (the pipeline-text parser does).
class format_string_error : public syntax_error {
public:
    format_string_error(const std::string& reason, std::size_t position, const std::string& hint = {})
        : syntax_error("coropipe::format", reason, position, hint) {}
};

namespace detail {

/// A format string parsed once into its parts, and the buffer it formats
/// lines into. Compiled in lib/format.cpp.
class line_format {
public:
    /// Parses `fmt`; throws `format_string_error` at its first mistake.
    explicit line_format(std::string_view fmt);

    /// `line` formatted: a view of this object's buffer, valid until the
    /// next call. Never throws but `std::bad_alloc`. (A reference to a
    /// member: see format_stage.)
    std::string_view& apply(std::string_view line);

private:
    struct whole_line {};
    // A literal is [begin, end) of literals_: the parts stay small.
    struct literal {
        std::size_t begin;
        std::size_t end;
    };
    using part = std::variant<literal, whole_line, field_ref>;

    std::string literals_; // the literal text, braces unescaped
    std::vector<part> parts_;
    std::string out_;
    std::string_view formatted_;
    field_scratch scratch_; // the lookups' working memory
};

/// One heap object per stage keeps the frame small.
inline stage<std::string_view> format_stage(std::unique_ptr<line_format> fmt) {
    while (std::string_view* line = co_await input) {
        // Through the same pointer: GCC 12 would keep a temporary for
        // `co_yield fmt->apply(*line)` in the frame, past 128 bytes.
        line = &fmt->apply(*line);
        co_yield *line;
    }
}

struct format_fn {
    /// `format(fmt)`: a `stage<std::string_view>`, pipeable as it is.
    /// Parses `fmt` here: a malformed one throws `format_string_error` now.
    stage<std::string_view> operator()(std::string_view fmt) const {
        return format_stage(std::make_unique<line_format>(fmt));
    }

    /// `format(source, fmt)` is `source | format(fmt)`.
    template <line_range Source>
    auto operator()(Source&& source, std::string_view fmt) const {
        return std::forward<Source>(source) | (*this)(fmt);
    }
};

} // namespace detail

/// Rewrites each line by a template, Python's `fmt.format(...)` over log
/// lines: the text of `fmt` with its placeholders filled in from the line.
///
/// ```
/// lines(log) | format("{host} took {latency_ms} ms") | print();
/// // "web-14 took 58 ms" for "... host=web-14 latency_ms=58 ..."
/// ```
///
/// - `{}` is the whole line (as read: a CRLF line keeps its '\r').
/// - `{FIELD}` is the value of a FIELD (`field_ref`, docs/fields.md):
///   `{key}` the value of `key=value` (a quoted value unquoted), `{$N}`
///   whitespace column N counted from 1, `{.a.b}` a JSON path, `{@host}` a
///   syslog header field. Written as it is in the line (any text, not only
///   numbers: `{user}` gives `u42`). A placeholder ends at the first `}`.
/// - `{{` and `}}` are a literal `{` and `}`. Every other byte is copied as
///   it is (no backslash escapes: write a tab as a tab).
/// - A field or column that the line lacks is written as nothing: lines
///   are never dropped, so `format` yields exactly one line per input.
///
/// A key has no blank, `=`, `{` or `}`; N is at least 1; `{2}` is refused
/// (a column is `{$2}`).
///
/// Eager parsing, lazy formatting: `format(fmt)` parses `fmt` once, and a
/// malformed one (an unterminated `{`, a single `}`, `{$0}`, `{a b}`)
/// throws `coropipe::format_string_error` (a `coropipe::error`) right there, with
/// the offset of the mistake. Then it pulls from upstream only when
/// downstream asks, and yields a view of its own buffer, valid until the
/// next line. An exception from upstream or downstream surfaces at the
/// consumer's resume point with its own type. Destroying the result early
/// destroys upstream.
inline constexpr detail::format_fn format{};

} // namespace coropipe
