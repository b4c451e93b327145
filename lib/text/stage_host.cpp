// host NAME
#include "registry.hpp"

#include <coropipe/stages/host.hpp>

namespace coropipe::text {

namespace {
text_stage build(const stage_spec& spec) {
    return host(spec.operands.at(0));
}
} // namespace

extern const stage_definition host_stage{
    .name = "host",
    .usage = "host NAME",
    .description = "pass the syslog lines sent by host NAME",
    .operand = operand_kind::text,
    .operand_name = "NAME",
    .operand_required = true,
    .build = build,
};

} // namespace coropipe::text
