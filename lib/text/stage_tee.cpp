// tee FILE
#include "registry.hpp"

#include <coropipe/stages/tee.hpp>

#include <system_error>

namespace coropipe::text {

namespace {
text_stage build(const stage_spec& spec) {
    // Opened here, before anything is read: an unwritable FILE is an error
    // up front, pointing at FILE.
    try {
        return coropipe::tee(spec.operands.at(0));
    } catch (const std::system_error& e) {
        fail_at(spec, "cannot open '" + spec.operands.at(0) + "': " + e.code().message(),
                spec.operand_positions.at(0));
    }
}
} // namespace

extern const stage_definition tee_stage{
    .name = "tee",
    .usage = "tee FILE",
    .description = "write each line to FILE and pass it on",
    .operand = operand_kind::file,
    .operand_name = "FILE",
    .operand_required = true,
    .build = build,
};

} // namespace coropipe::text
