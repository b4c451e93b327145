#pragma once
// What the aggregate stages of the pipeline text share when they group
// (`count by $2`, `sum ms by host`, `p99 ms by @app`, `distinct ip`): the
// help of the `by` clause and the per-line stage, a `group_by`.

#include "registry.hpp"

#include <coropipe/duration.hpp>
#include <coropipe/stages/group_by.hpp>

#include <chrono>
#include <optional>

#include <cstdio>
#include <string>
#include <string_view>

namespace coropipe::text {

inline constexpr std::string_view by_note =
    "by KEY[, KEY...]: one result per group of lines with the same KEYs (FIELDs; a line without one has it empty),";
inline constexpr std::string_view every_note =
    "every DURATION (10s, 1m, 1h): per tumbling window of the lines' time (--time FIELD, RFC 3339 at the line start, @time)";

/// `every DURATION` of an aggregate (a tumbling window), if given.
inline std::optional<std::chrono::milliseconds> every_of(const stage_spec& spec) {
    const stage_spec::clause* every = spec.find_clause("every");
    if (every == nullptr) {
        return std::nullopt;
    }
    std::optional<std::chrono::milliseconds> d = parse_duration(every->value);
    if (!d || d->count() == 0) {
        fail_at(spec, "'" + every->value + "' is not a duration", every->position, "write 10s, 1m, 1h or 1d");
    }
    return d;
}

/// The aggregates' parser check: the window's DURATION.
inline void check_aggregate(const stage_spec& spec) {
    (void)every_of(spec);
}

/// Whether the aggregate `spec` groups (by keys, or in windows) rather
/// than being the running min/max/sum/count/avg.
inline bool groups(const stage_spec& spec) noexcept {
    return !spec.group_by.empty() || spec.find_clause("every") != nullptr;
}

/// `every` of the aggregates.
inline constexpr std::string_view aggregate_keywords[] = {"every"};

/// What the stage `spec` computes, grouped by its `by` keys (none: one
/// group), with the plan's group options: for its per-line stage and its
/// whole-buffer form.
inline group_fold grouped_parts(const stage_spec& spec, group_aggregate what, double q, const plan_options& options) {
    group_fold g;
    g.spec.what = what;
    g.spec.q = q;
    g.spec.name = spec.name;
    if (what != group_aggregate::count && !spec.operands.empty()) {
        g.spec.field = spec.operands.front();
    }
    g.spec.keys = spec.group_by;
    g.options = options.groups;
    if (options.on_warning) {
        g.options.on_warning = options.on_warning;
    }
    g.options.every = every_of(spec);
    return g;
}

/// The per-line stage: `group_by`.
inline text_stage grouped_stage(const stage_spec& spec, group_aggregate what, double q, const plan_options& options) {
    group_fold g = grouped_parts(spec, what, q, options);
    return group_by(std::move(g.spec), std::move(g.options));
}

/// The whole-buffer form (windows too: `text_run::tick` closes them by the clock).
inline std::optional<group_fold> grouped_fold(const stage_spec& spec, group_aggregate what, double q,
                                              const plan_options& options) {
    return grouped_parts(spec, what, q, options);
}

/// The usage notes of p50, p90, p95 and p99.
inline constexpr std::string_view quantile_notes[] = {
    by_note,
    every_note,
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
std::optional<group_fold> quantile_group_fold(const stage_spec& spec, const plan_options& options) {
    return grouped_fold(spec, group_aggregate::quantile, Percent / 100.0, options);
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
        .keywords = aggregate_keywords,
        .notes = quantile_notes,
        .check = check_aggregate,
        .build = quantile_build<Percent>,
        .build_with = quantile_build_with<Percent>,
        .as_group_fold = quantile_group_fold<Percent>,
    };
}

} // namespace coropipe::text
