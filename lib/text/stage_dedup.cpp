// dedup [DURATION]
#include "registry.hpp"

#include <coropipe/duration.hpp>
#include <coropipe/stages/dedup.hpp>

namespace coropipe::text {

namespace {

constexpr std::string_view notes[] = {
    "drops a line equal to the line just passed (within DURATION of it, when given), then writes",
    "  'last message repeated N times' before the next line passed, or at the end (as rsyslog does)",
    "  DURATION is an integer and ms, s, m, h or d: 500ms 10s 1m 1h",
};

dedup_options options_of(const stage_spec& spec) {
    dedup_options o;
    if (!spec.operands.empty()) {
        o.within = parse_duration(spec.operands.front());
        if (!o.within || o.within->count() == 0) {
            fail_at(spec, "'" + spec.operands.front() + "' is not a duration", spec.operand_positions.at(0),
                    "write 500ms, 10s, 1m, 1h or 1d");
        }
    }
    return o;
}

void check(const stage_spec& spec) {
    (void)options_of(spec);
}

text_stage build(const stage_spec& spec) {
    return dedup(options_of(spec));
}

} // namespace

extern const stage_definition dedup_stage{
    .name = "dedup",
    .usage = "dedup [DURATION]",
    .description = "drop repeats of the line just passed, then say 'last message repeated N times'",
    .operand = operand_kind::text,
    .operand_name = "DURATION",
    .notes = notes,
    .check = check,
    .build = build,
};

} // namespace coropipe::text
