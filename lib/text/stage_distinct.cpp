// distinct FIELD [by KEY[, KEY...]]
#include "grouped.hpp"

namespace coropipe::text {

namespace {

constexpr std::string_view notes[] = {
    by_note,
    every_note,
    "  written at the end as KEY1<TAB>KEY2...<TAB>VALUE, by VALUE descending, then KEYs ascending",
    "exact up to 100,000 distinct values a group, then a HyperLogLog estimate within 2% (16 KiB a group)",
    "a line without FIELD is not counted (a warning says how many)",
    "FIELD and KEY are key (key=value), $N (column N), .json.path or @host @app @pid @severity @facility @time @msg",
};

text_stage build_with(const stage_spec& spec, const plan_options& options) {
    return grouped_stage(spec, group_aggregate::distinct, 0, options);
}

text_stage build(const stage_spec& spec) {
    return build_with(spec, {});
}

std::optional<group_fold> as_group_fold(const stage_spec& spec, const plan_options& options) {
    return grouped_fold(spec, group_aggregate::distinct, 0, options);
}

} // namespace

extern const stage_definition distinct_stage{
    .name = "distinct",
    .usage = "distinct FIELD [by KEY[, KEY...]] [every DURATION]",
    .description = "the number of distinct values of FIELD, per group, at the end",
    .operand = operand_kind::field,
    .operand_name = "FIELD",
    .operand_required = true,
    .takes_by = true,
    .keywords = aggregate_keywords,
    .notes = notes,
    .check = check_aggregate,
    .build = build,
    .build_with = build_with,
    .as_group_fold = as_group_fold,
};

} // namespace coropipe::text
