// app NAME
#include "registry.hpp"

#include <coropipe/stages/app.hpp>

namespace coropipe::text {

namespace {
text_stage build(const stage_spec& spec) {
    return app(spec.operands.at(0));
}
} // namespace

extern const stage_definition app_stage{
    .name = "app",
    .usage = "app NAME",
    .description = "pass the syslog lines sent by program NAME",
    .operand = operand_kind::text,
    .operand_name = "NAME",
    .operand_required = true,
    .build = build,
};

} // namespace coropipe::text
