// head N
#include "registry.hpp"

#include <coropipe/stages/take.hpp>

namespace coropipe::text {

namespace {
text_stage build(const stage_spec& spec) {
    return take(number_operand(spec)).build<std::string_view>();
}
} // namespace

extern const stage_definition head_stage{
    .name = "head",
    .usage = "head N",
    .description = "pass the first N lines, then stop reading",
    .operand = operand_kind::number,
    .operand_name = "N",
    .operand_required = true,
    .build = build,
};

} // namespace coropipe::text
