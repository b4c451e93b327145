#pragma once

#include <coropipe/field_scratch.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe {

/// A parsed `where` expression: a test of a log line by its FIELDs
/// (docs/where.md), what `coropipe::where(text)` filters with.
///
/// ```
/// latency_ms > 500
/// .level == "error" and .status >= 500
/// @host ~ "^web-" and not (path ~ "^/health" or has .internal)
/// ```
///
/// - `FIELD OP VALUE` with `==` `!=` `<` `<=` `>` `>=`; VALUE is a number, a
///   `"string"` (or `'string'`), `true`, `false`, `null` or another FIELD
///   (`field_ref`: `key`, `$N`, `.json.path`, `@host`). Both sides numeric
///   (a number literal; a JSON number; untyped text that reads as a number)
///   compare as numbers, exactly (`number`); otherwise as bytes.
/// - `FIELD ~ "regex"`, `FIELD !~ "regex"`: POSIX ERE as GNU `grep -E`
///   reads it (docs/regex.md), unanchored, over bytes.
/// - `has FIELD`: the line has the field (even empty, even JSON `null`).
/// - `not`, `and`, `or` (in that precedence, lowest last), parentheses.
/// - A FIELD the line lacks makes any comparison or match false, `!=` and
///   `!~` included; `not` of that is true. So `status != 200` passes only
///   lines that have a status, and `not status == 200` also the ones that
///   have none (jq's `select(.status != 200)` and Miller's
///   `is_present($status) && $status != 200` respectively).
/// - `@severity` and `@facility` compared with a literal compare syslog
///   codes: `@severity <= "warning"` is warning or worse (emerg is 0).
///
/// `parse` is eager: the expression is checked and its regexes compiled
/// once. `matches` never throws (but `std::bad_alloc`), never fails: a line
/// that is not what the expression expects (not JSON, cut short, binary)
/// just has no such fields. A `where_expr` is an immutable value that
/// shares its compiled form between copies: one may be used by many
/// threads at once, each with its own `scratch`. Compiled in lib/where.cpp.
class where_expr {
public:
    /// The working memory of `matches`: one per thread, reused line after
    /// line (it grows to the longest line, then allocates nothing).
    class scratch {
    private:
        friend class where_expr;
        field_scratch fields_;
        std::string held_; // a value kept while the other side of a comparison is looked up
    };

    /// Byte strings that every line `matches` passes contains, for
    /// prefiltering whole buffers (a grep -F search) before parsing lines.
    /// The contract, for every line: `matches(line)` implies that the line
    /// holds every one of `literals` or (if `json_escapes`) the two bytes
    /// `\u`; `admits(line)` tests exactly that.
    ///
    /// Taken from the conditions that every match must meet (the top-level
    /// `and` chain, and `and`s in parentheses within it): the literal of
    /// `FIELD == "literal"` when it is printable ASCII without `"`, `\` or
    /// `/`; a logfmt field's `key=`; a JSON path's `"key"`s (same bytes).
    /// None from under `or` or `not`, none from numbers (`500` is also
    /// `5e2`), none for columns or syslog codes.
    ///
    /// JSON may spell any character as a `\uXXXX` escape, so a JSON line
    /// can hold a key or literal without its bytes: when a literal comes
    /// from a JSON field, `json_escapes` is set. (The other JSON and logfmt
    /// escapes are for `"`, `\`, `/` and control bytes, which no literal
    /// holds.) A buffer without `\u` can then be searched for the literals
    /// alone.
    struct required_text {
        /// The `==` values first (the selective ones: search for
        /// `literals[0]`), then the keys; longest first in each; none that
        /// another one contains. Empty: no prefilter, every line may match.
        std::vector<std::string> literals;
        bool json_escapes = false;
    };

    /// Parses `text`. Throws `syntax_error` (context `coropipe::where`) at
    /// the first mistake, with its byte offset in `text` and a hint: `=`
    /// (write `==`), `&&` (`and`), `||` (`or`), `!` (`not`), an unknown
    /// operator, a missing operand or operator, an unbalanced parenthesis,
    /// an unterminated string, a bad FIELD, an invalid regex (at the
    /// pattern), an unknown severity or facility, nesting deeper than 200.
    static where_expr parse(std::string_view text);

    /// True if `line` (one line, without its '\n') passes.
    bool matches(std::string_view line, scratch& s) const;

    /// What every matching line contains (see `required_text`).
    const required_text& prefilter() const noexcept;

    /// True if `line` may match by `prefilter()`: it holds every literal
    /// (or, with `json_escapes`, a `\u`). Each literal is searched as
    /// `grep -F` searches (memchr for its rarest byte), a few ns per line.
    bool admits(std::string_view line) const noexcept;

    /// The text this was parsed from.
    std::string_view text() const noexcept;

private:
    struct program; // lib/where.cpp
    explicit where_expr(std::shared_ptr<const program> p) noexcept : program_(std::move(p)) {}

    std::shared_ptr<const program> program_;
};

} // namespace coropipe
