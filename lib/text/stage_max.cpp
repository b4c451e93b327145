// max [--final] FIELD
#include "numeric.hpp"

namespace coropipe::text {

namespace {

text_stage build(const stage_spec& spec) {
    return numeric_stage(spec, detail::numeric_fold::kind::max);
}

text_stage build_with(const stage_spec& spec, const plan_options& options) {
    return !groups(spec) ? build(spec) : grouped_stage(spec, group_aggregate::max, 0, options);
}

std::optional<detail::field_fold_spec> as_fold(const stage_spec& spec) {
    return numeric_fold_form(spec, detail::field_fold_spec::kind::max);
}

} // namespace

extern const stage_definition max_stage{
    .name = "max",
    .usage = "max [--final] FIELD [by KEY[, KEY...]] [every DURATION]",
    .description = "the largest FIELD so far, after each line that has one; with by/every: per group, at the end",
    .options = final_options,
    .operand = operand_kind::field,
    .operand_name = "FIELD",
    .operand_required = true,
    .takes_by = true,
    .keywords = aggregate_keywords,
    .notes = field_notes,
    .check = check_aggregate,
    .build = build,
    .build_with = build_with,
    .as_fold = as_fold,
    .as_group_fold = numeric_group_fold<group_aggregate::max>,
};

} // namespace coropipe::text
