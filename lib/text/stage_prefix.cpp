// prefix [-v] STR
#include "registry.hpp"

#include <coropipe/stages/prefix.hpp>

namespace coropipe::text {

namespace {

constexpr option_info options[] = {
    {"-v", "pass the lines that do not start with STR instead"},
};

text_stage build(const stage_spec& spec) {
    return spec.has('v') ? prefix(spec.operands.at(0), invert) : prefix(spec.operands.at(0));
}

std::optional<buffer_filter> as_filter(const stage_spec& spec) {
    return buffer_filter{{{detail::line_filter_spec::kind::prefix, spec.operands.at(0), spec.has('v'), false}}, {}};
}

} // namespace

extern const stage_definition prefix_stage{
    .name = "prefix",
    .usage = "prefix [-v] STR",
    .description = "pass the lines that start with STR",
    .options = options,
    .operand = operand_kind::text,
    .operand_name = "STR",
    .operand_required = true,
    .build = build,
    .as_filter = as_filter,
};

} // namespace coropipe::text
