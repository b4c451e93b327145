#pragma once

#include <coropipe/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coropipe {

/// A malformed pipeline text (`grep ERROR | min latency_ms`): what() is one
/// line that starts with `coropipe: `, names the stage and ends with the
/// 1-based column, e.g.
/// `coropipe: head: 'abc' is not a number at column 6`, and `position()` is
/// the byte offset of the offending spot (column - 1). `format_error` draws
/// a caret under it.
class pipeline_text_error : public error {
public:
    pipeline_text_error(const std::string& message, std::size_t position) : error(message), position_(position) {}

    /// Byte offset into the pipeline text; may equal its size (error at the end).
    std::size_t position() const noexcept { return position_; }

private:
    std::size_t position_;
};

/// One stage of a parsed pipeline text: `grep -vi "a b"` is
/// `{name "grep", flags "vi", operands {"a b"}}`.
///
/// Everything in it has been checked against the stage's grammar (see
/// docs/pipeline_text.md), so the builder of the stage need not check again:
/// - `flags` holds each short option given, once, in the order of the
///   stage's usage (`-iv -v` gives "vi"); `has('v')` tests one.
/// - `final_only` is `--final` (min, max, sum, count, avg).
/// - `operands` are the words after the options, quotes and escapes removed,
///   as many as the stage takes. `head`'s is a decimal integer that fits
///   `std::size_t`; a FIELD is a key name (non-empty, no blank, no `=`) or
///   `$N` with 1 <= N <= SIZE_MAX; `tee`'s FILE is non-empty.
/// - Positions are byte offsets into the text, for errors found later
///   (a bad regex, a file that cannot be opened): throw
///   `pipeline_text_error(msg, spec.operand_positions[0])`.
struct stage_spec {
    std::string name;
    std::string flags;
    bool final_only = false;
    std::vector<std::string> operands;
    std::size_t position = 0;                   ///< byte offset of the stage name
    std::vector<std::size_t> operand_positions; ///< byte offset of each operand's word
    /// Where the bytes of each operand come from in the text, run by run
    /// (`{offset in the operand, position in the text}`), for `source_of`.
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> operand_origins{};
    /// The keys of a `by KEY[, KEY...]` clause (the aggregate stages: `count
    /// by $2, host`), each a checked FIELD; empty without one.
    std::vector<std::string> group_by{};
    std::vector<std::size_t> group_by_positions{}; ///< byte offset of each key
    /// A keyword and the word after it (`with TEXT` of redact, `per
    /// DURATION` of throttle): the keyword in lower case.
    struct clause {
        std::string keyword;
        std::string value;
        std::size_t position = 0; ///< byte offset of the value's word
        bool operator==(const clause&) const = default;
    };
    std::vector<clause> clauses{};

    /// The clause `keyword`, or null.
    const clause* find_clause(std::string_view keyword) const noexcept {
        for (const clause& c : clauses) {
            if (c.keyword == keyword) {
                return &c;
            }
        }
        return nullptr;
    }

    bool has(char flag) const noexcept { return flags.find(flag) != std::string::npos; }

    /// The byte offset in the pipeline text of byte `offset` of operand
    /// `i` (quotes and escapes removed): where a caret for an error inside
    /// an operand goes (an invalid regex's bad byte).
    std::size_t source_of(std::size_t i, std::size_t offset) const noexcept;

    /// Equal names, flags, operands and positions (origins follow from those).
    bool operator==(const stage_spec& o) const noexcept {
        return name == o.name && flags == o.flags && final_only == o.final_only && operands == o.operands &&
               position == o.position && operand_positions == o.operand_positions && group_by == o.group_by &&
               group_by_positions == o.group_by_positions && clauses == o.clauses;
    }
};

/// Parses and validates a pipeline text: stages separated by `|`, each a
/// stage name and its arguments, words split on blanks with shell quoting
/// ('...', "...", backslash). The grammar is in docs/pipeline_text.md.
///
/// Eager, pure: no stage is built or run. Throws `pipeline_text_error` at the
/// first problem, left to right (unknown stage, with a suggestion; unknown
/// option; missing or extra argument; bad number or field; empty stage or
/// text; unterminated quote) and nothing else but `std::bad_alloc`.
std::vector<stage_spec> parse_pipeline(std::string_view text);

/// Every error of a pipeline text, left to right, for reports that show all
/// of them at once (`coropiped --check`): `parse_pipeline`'s checks, going
/// on after a bad stage with the stage after its `|`. Empty when the text
/// is good. An unterminated quote ends it (the rest cannot be read).
std::vector<pipeline_text_error> parse_pipeline_errors(std::string_view text);

/// The usage line, a one-line description and the options of stage `name`,
/// for `coropipe help NAME`; several lines, each ending in '\n'. An unknown
/// name throws `pipeline_text_error` (position 0) with a suggestion.
std::string stage_help(std::string_view name);

/// Usage and description of every stage, two lines each, for `coropipe help`.
std::string all_stages_help();

/// Two lines for a terminal, each ending in '\n': the line of `text` that
/// holds `err.position()` and a `^` under that spot. Tabs are kept so the
/// caret lines up; other control bytes show as `?`; UTF-8 sequences count as
/// one column. A very long line is cut to a window around the caret, with
/// `...` at the cut ends.
std::string format_error(std::string_view text, const pipeline_text_error& err);

} // namespace coropipe
