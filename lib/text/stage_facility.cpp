// facility [-u] NAME
#include "syslog_notes.hpp"

#include <coropipe/stages/facility.hpp>

namespace coropipe::text {

namespace {
text_stage build(const stage_spec& spec) {
    const std::string& name = spec.operands.at(0); // checked by the parser
    return spec.has('u') ? facility(name, pass_unknown) : facility(name);
}
} // namespace

extern const stage_definition facility_stage{
    .name = "facility",
    .usage = "facility [-u] NAME",
    .description = "pass the syslog lines of facility NAME",
    .options = unknown_options,
    .operand = operand_kind::facility,
    .operand_name = "NAME",
    .operand_required = true,
    .notes = facility_notes,
    .build = build,
};

} // namespace coropipe::text
