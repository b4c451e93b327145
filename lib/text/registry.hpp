#pragma once
// The stage registry of the pipeline text: one `stage_definition` per stage,
// each in its own file (lib/text/stage_NAME.cpp), listed once in
// lib/text/registry.cpp. Everything about a stage is here: its grammar (read
// by the parser, lib/pipeline_text.cpp), its help text, its per-line
// builder, and its whole-buffer forms (read by the planner,
// lib/text/text_pipeline.cpp). See docs/architecture.md, "Adding a stage".
//
// Private to the library: the public API is coropipe/pipeline_text.hpp and
// coropipe/text_pipeline.hpp.

#include <coropipe/detail/field_scan.hpp>
#include <coropipe/detail/line_filter.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/stages/group_by.hpp>
#include <coropipe/text_pipeline.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::text {

/// What a stage's operand is, and so how the parser checks it.
enum class operand_kind {
    none,     ///< takes no operand
    text,     ///< any word, even empty: PATTERN, STR
    field,    ///< a FIELD reference: key, $N, .json.path, @syslog (coropipe::field_ref)
    number,   ///< a decimal integer >= 0 that fits std::size_t
    file,     ///< a non-empty word
    format,   ///< a coropipe::format string: {} {key} {$N}, {{ and }}
    severity, ///< a syslog severity: a name (warning) or 0-7
    facility, ///< a syslog facility: a name (local3) or 0-23
    expression, ///< the rest of the stage's text, raw (quotes kept): `where`'s EXPR
};

struct option_info {
    std::string_view spelling; ///< "-v" or "--final"
    std::string_view help;
};

/// The whole-buffer form of a filter stage: the lines it passes are found
/// by searching whole buffers (`detail::line_filter`) for what every one of
/// them contains, then, if the search is not exact, by testing each line
/// found. It must pass exactly the lines its per-line stage passes.
struct buffer_filter {
    /// Searched over whole buffers; every line the stage passes passes
    /// these. Empty: every line is a candidate.
    std::vector<detail::line_filter_spec> search;
    /// Makes the exact test of one run (with its own working memory); null
    /// when `search` is the whole test.
    std::function<std::function<bool(std::string_view)>()> make_test;
};
using filter_form = std::optional<buffer_filter> (*)(const stage_spec&);

/// The whole-buffer form of a folding stage (as the last stage, or before a
/// plain `print`): `detail::field_fold` computes it over whole buffers. It
/// must write exactly the bytes its per-line stage and `print` write.
using fold_form = std::optional<detail::field_fold_spec> (*)(const stage_spec&);

/// The whole-buffer form of a grouped aggregate (`count by $2`, `p99 ms by
/// @app`, `distinct ip`, `count by $2 every 1m`; as the last stage, or
/// before a plain `print`): a `detail::group_windows` fed whole blocks (no
/// coroutine resumed per line), ticked by `text_run::tick` — the same logic
/// and the same bytes as its per-line stage, `group_by`.
struct group_fold {
    group_by_spec spec;
    group_by_options options;
};
using group_fold_form = std::optional<group_fold> (*)(const stage_spec&, const plan_options&);

/// One stage of the pipeline text.
struct stage_definition {
    // ---- grammar and help (docs/pipeline_text.md) ----
    std::string_view name;
    std::string_view usage;       ///< "grep [-v] [-i] [-F|-E] PATTERN"
    std::string_view description; ///< one line
    std::span<const option_info> options{}; ///< short flags in usage order, then --final
    std::string_view exclusive{};           ///< at most one of these short flags
    operand_kind operand = operand_kind::none;
    std::string_view operand_name{}; ///< PATTERN, FIELD, N, ...
    bool operand_required = false;
    bool last_only = false; ///< may only be the last stage (print)
    /// Takes a `by KEY[, KEY...]` clause after its operand (the aggregates):
    /// the parser fills `stage_spec::group_by`.
    bool takes_by = false;
    /// Keywords that each take the word after them, anywhere after the
    /// options (`with` of redact, `per` of throttle): `stage_spec::clauses`.
    std::span<const std::string_view> keywords{};
    std::span<const std::string_view> notes{}; ///< more help lines (what FIELD is, ...)

    /// More checks of a spec the parser has read (an EXPR's syntax), run by
    /// the parser: throws `pipeline_text_error` (`fail_at`). May be null.
    void (*check)(const stage_spec&) = nullptr;

    // ---- builders ----
    /// The per-line stage, for a spec the parser has checked. Throws
    /// `pipeline_text_error` (`fail_at`) for what only building finds (a
    /// regex RE2 refuses, a file that cannot be opened).
    text_stage (*build)(const stage_spec&) = nullptr;
    /// The per-line stage with the plan's options (the aggregates: the group
    /// limit, JSON output, warnings). When set, the planner calls it
    /// instead of `build`.
    text_stage (*build_with)(const stage_spec&, const plan_options&) = nullptr;
    filter_form as_filter = nullptr; ///< null: no whole-buffer filter form
    fold_form as_fold = nullptr;     ///< null: no whole-buffer fold form
    group_fold_form as_group_fold = nullptr; ///< null: no whole-buffer grouped form
};

/// Every stage, in the order `coropipe help` lists them.
std::span<const stage_definition* const> stage_definitions() noexcept;

/// The stage called `name`, or null.
const stage_definition* find_stage(std::string_view name) noexcept;

/// The error every builder throws: `coropipe: NAME: WHAT at column N`,
/// pointing at `position` (a byte offset into the pipeline text).
[[noreturn]] void fail_at(const stage_spec& spec, std::string_view what, std::size_t position,
                          std::string_view hint = {});

/// The reason in an exception's message, without the `coropipe: ` or
/// `coropipe::NAME: ` prefix the library puts there (a builder's message
/// names the stage itself).
std::string reason_of(const std::exception& e);

/// A FIELD operand (checked by the parser) as `$N`'s N, or 0 for a key.
std::size_t column_number(std::string_view field) noexcept;

/// The decimal operand N (checked by the parser).
std::size_t number_operand(const stage_spec& spec) noexcept;

} // namespace coropipe::text
