#pragma once
// What the numeric stages of the pipeline text (min, max, sum, avg, count)
// share: their options and help, their per-line stage and their
// whole-buffer fold form — both over one `detail::numeric_fold`, so that
// the two forms write the same bytes.

#include "grouped.hpp"
#include "registry.hpp"

#include <coropipe/detail/numeric_fold.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace coropipe::text {

inline constexpr option_info final_options[] = {
    {"--final", "print only the final value, once the input has ended"},
};

inline constexpr std::string_view field_notes[] = {
    "FIELD is key (the value after key= in a key=value/logfmt line), $N (column N, from 1),",
    "  .a.b, .a[0], .\"odd key\" (a path in a JSON line) or @host @app @pid @severity @facility @time @msg",
    "  (the syslog header); a line without the FIELD, or whose FIELD is not a number, is skipped",
    "numbers are exact: min/max print the value as written, sum/avg exact decimals, never 2e+05",
    by_note,
    every_note,
    "  written once at the end as KEY1<TAB>KEY2...<TAB>VALUE, by VALUE descending, then KEYs ascending",
};

/// The per-line form: each line's FIELD offered to the fold; the value is
/// output after each line that counts, or once at the end with --final.
/// The fold lives on the heap: the frame stays small.
inline text_stage numeric_lines(std::unique_ptr<detail::field_numeric_fold> f) {
    std::string text;
    while (std::string_view* line = co_await input) {
        if (f->offer_line(*line) && !f->fold().final_only()) {
            text.clear();
            f->fold().write(text);
            text.pop_back(); // its '\n'
            co_yield std::string_view(text);
        }
    }
    if (f->fold().final_only() && f->fold().has_final()) {
        text.clear();
        f->fold().write(text);
        text.pop_back();
        co_yield std::string_view(text);
    }
}

inline text_stage numeric_stage(const stage_spec& spec, detail::numeric_fold::kind what) {
    const std::string field = spec.operands.empty() ? std::string() : spec.operands.at(0);
    return numeric_lines(std::make_unique<detail::field_numeric_fold>(what, field, spec.final_only));
}

/// The whole-buffer form: `detail::field_fold` over the same fold.
inline std::optional<detail::field_fold_spec> numeric_fold_form(const stage_spec& spec,
                                                                detail::field_fold_spec::kind what) {
    if (groups(spec)) {
        return std::nullopt; // grouped: line by line (group_by)
    }
    detail::field_fold_spec fold;
    fold.what = what;
    fold.final_only = spec.final_only;
    if (!spec.operands.empty()) {
        fold.key = spec.operands.at(0);
    }
    return fold;
}

/// The whole-buffer form of `count by KEY` (and sum, avg, min, max): the
/// grouped one; without `by` it is `numeric_fold_form`'s.
template <group_aggregate What>
std::optional<group_fold> numeric_group_fold(const stage_spec& spec, const plan_options& options) {
    if (spec.group_by.empty()) {
        return std::nullopt;
    }
    return grouped_fold(spec, What, 0, options);
}

} // namespace coropipe::text
