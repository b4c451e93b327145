// count [--final]
#include "numeric.hpp"

namespace coropipe::text {

namespace {

text_stage build(const stage_spec& spec) {
    return numeric_stage(spec, detail::numeric_fold::kind::count);
}

std::optional<detail::field_fold_spec> as_fold(const stage_spec& spec) {
    return numeric_fold_form(spec, detail::field_fold_spec::kind::count);
}

} // namespace

extern const stage_definition count_stage{
    .name = "count",
    .usage = "count [--final]",
    .description = "the number of lines so far, after each line",
    .options = final_options,
    .build = build,
    .as_fold = as_fold,
};

} // namespace coropipe::text
