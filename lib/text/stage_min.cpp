// min [--final] FIELD
#include "numeric.hpp"

namespace coropipe::text {

namespace {

text_stage build(const stage_spec& spec) {
    return numeric_stage(spec, detail::numeric_fold::kind::min);
}

std::optional<detail::field_fold_spec> as_fold(const stage_spec& spec) {
    return numeric_fold_form(spec, detail::field_fold_spec::kind::min);
}

} // namespace

extern const stage_definition min_stage{
    .name = "min",
    .usage = "min [--final] FIELD",
    .description = "the smallest FIELD so far, after each line that has one",
    .options = final_options,
    .operand = operand_kind::field,
    .operand_name = "FIELD",
    .operand_required = true,
    .notes = field_notes,
    .build = build,
    .as_fold = as_fold,
};

} // namespace coropipe::text
