// count [--final]
#include "numeric.hpp"

namespace coropipe::text {

namespace {

text_stage build(const stage_spec& spec) {
    return numeric_stage(spec, detail::numeric_fold::kind::count);
}

text_stage build_with(const stage_spec& spec, const plan_options& options) {
    return !groups(spec) ? build(spec) : grouped_stage(spec, group_aggregate::count, 0, options);
}

std::optional<detail::field_fold_spec> as_fold(const stage_spec& spec) {
    return numeric_fold_form(spec, detail::field_fold_spec::kind::count);
}

} // namespace

extern const stage_definition count_stage{
    .name = "count",
    .usage = "count [--final] [by KEY[, KEY...]] [every DURATION]",
    .description = "the number of lines so far, after each line; with by/every: per group, at the end",
    .options = final_options,
    .takes_by = true,
    .keywords = aggregate_keywords,
    .notes = field_notes,
    .check = check_aggregate,
    .build = build,
    .build_with = build_with,
    .as_fold = as_fold,
    .as_group_fold = numeric_group_fold<group_aggregate::count>,
};

} // namespace coropipe::text
