// severity [-u] LEVEL
#include "syslog_notes.hpp"

#include <coropipe/stages/severity.hpp>

namespace coropipe::text {

namespace {
text_stage build(const stage_spec& spec) {
    const std::string& level = spec.operands.at(0); // checked by the parser
    return spec.has('u') ? severity(level, pass_unknown) : severity(level);
}
} // namespace

extern const stage_definition severity_stage{
    .name = "severity",
    .usage = "severity [-u] LEVEL",
    .description = "pass the syslog lines of severity LEVEL or more important",
    .options = unknown_options,
    .operand = operand_kind::severity,
    .operand_name = "LEVEL",
    .operand_required = true,
    .notes = severity_notes,
    .build = build,
};

} // namespace coropipe::text
