#pragma once
// What the aggregate stages of the pipeline text share when they group
// (`count by $2`, `sum ms by host`, `p99 ms by @app`, `distinct ip`): the
// help of the `by` clause and the per-line stage, a `group_by`.

#include "registry.hpp"

#include <coropipe/stages/group_by.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace coropipe::text {

inline constexpr std::string_view by_note =
    "by KEY[, KEY...]: one result per group of lines with the same KEYs (FIELDs; a line without one has it empty),";

/// The stage `spec` grouped by its `by` keys (none: one group), with the
/// plan's group options.
inline text_stage grouped_stage(const stage_spec& spec, group_aggregate what, double q, const plan_options& options) {
    group_by_spec g;
    g.what = what;
    g.q = q;
    g.name = spec.name;
    if (what != group_aggregate::count && !spec.operands.empty()) {
        g.field = spec.operands.front();
    }
    g.keys = spec.group_by;
    group_by_options o = options.groups;
    if (options.on_warning) {
        o.on_warning = options.on_warning;
    }
    return group_by(std::move(g), std::move(o));
}

/// The usage notes of p50, p90, p95 and p99.
inline constexpr std::string_view quantile_notes[] = {
    by_note,
    "  written at the end as KEY1<TAB>KEY2...<TAB>VALUE, by VALUE descending, then KEYs ascending",
    "the value is within 1% of the exact percentile (a DDSketch), the min and max exact; at most 32 KiB a group",
    "a line without FIELD, or whose FIELD is not a number, is not counted (a warning says how many)",
    "FIELD and KEY are key (key=value), $N (column N), .json.path or @host @app @pid @severity @facility @time @msg",
};

/// The definition of `pPERCENT` (p50, p90, p95, p99): one line in each
/// stage's file.
template <int Percent>
text_stage quantile_build_with(const stage_spec& spec, const plan_options& options) {
    return grouped_stage(spec, group_aggregate::quantile, Percent / 100.0, options);
}

template <int Percent>
text_stage quantile_build(const stage_spec& spec) {
    return quantile_build_with<Percent>(spec, {});
}

template <int Percent>
constexpr stage_definition quantile_stage(std::string_view name, std::string_view usage,
                                          std::string_view description) {
    return {
        .name = name,
        .usage = usage,
        .description = description,
        .operand = operand_kind::field,
        .operand_name = "FIELD",
        .operand_required = true,
        .takes_by = true,
        .notes = quantile_notes,
        .build = quantile_build<Percent>,
        .build_with = quantile_build_with<Percent>,
    };
}

} // namespace coropipe::text
