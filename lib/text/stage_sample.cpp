// sample N [by KEY[, KEY...]]
#include "registry.hpp"

#include <coropipe/stages/sample.hpp>

namespace coropipe::text {

namespace {

constexpr std::string_view notes[] = {
    "without by: lines 1, N+1, 2N+1, ...; with by: all the lines of 1 KEY in N, the same KEYs on every run",
    "  (a hash of the KEYs' text); KEY is key (key=value), $N, .json.path or @host @app ...",
};

void check(const stage_spec& spec) {
    if (number_operand(spec) == 0) {
        fail_at(spec, "N must be 1 or more", spec.operand_positions.at(0));
    }
}

text_stage build(const stage_spec& spec) {
    return sample(number_operand(spec), spec.group_by);
}

} // namespace

extern const stage_definition sample_stage{
    .name = "sample",
    .usage = "sample N [by KEY[, KEY...]]",
    .description = "pass 1 line in N (with by: the lines of 1 KEY in N)",
    .operand = operand_kind::number,
    .operand_name = "N",
    .operand_required = true,
    .takes_by = true,
    .notes = notes,
    .check = check,
    .build = build,
};

} // namespace coropipe::text
