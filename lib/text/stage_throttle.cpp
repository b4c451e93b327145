// throttle N per DURATION [by KEY[, KEY...]]
#include "registry.hpp"

#include <coropipe/duration.hpp>
#include <coropipe/stages/throttle.hpp>

namespace coropipe::text {

namespace {

constexpr std::string_view keywords[] = {"per"};

constexpr std::string_view notes[] = {
    "passes at most N lines per DURATION (per KEY with by), by the clock; the rest are dropped and counted",
    "  (a warning at the end says how many); DURATION is an integer and ms, s, m, h or d: 500ms 10s 1m 1h",
};

std::chrono::milliseconds per(const stage_spec& spec) {
    const stage_spec::clause* p = spec.find_clause("per");
    if (p == nullptr) {
        fail_at(spec, "missing 'per DURATION'", spec.operand_positions.at(0), "usage: throttle N per DURATION");
    }
    std::optional<std::chrono::milliseconds> d = parse_duration(p->value);
    if (!d || d->count() == 0) {
        fail_at(spec, "'" + p->value + "' is not a duration", p->position, "write 500ms, 10s, 1m, 1h or 1d");
    }
    return *d;
}

void check(const stage_spec& spec) {
    (void)per(spec);
}

text_stage build_with(const stage_spec& spec, const plan_options& options) {
    throttle_options o;
    o.keys = spec.group_by;
    o.on_warning = options.on_warning;
    o.dropped = options.throttled;
    return throttle(number_operand(spec), per(spec), std::move(o));
}

text_stage build(const stage_spec& spec) {
    return build_with(spec, {});
}

} // namespace

extern const stage_definition throttle_stage{
    .name = "throttle",
    .usage = "throttle N per DURATION [by KEY[, KEY...]]",
    .description = "pass at most N lines per DURATION (per KEY), drop and count the rest",
    .operand = operand_kind::number,
    .operand_name = "N",
    .operand_required = true,
    .takes_by = true,
    .keywords = keywords,
    .notes = notes,
    .check = check,
    .build = build,
    .build_with = build_with,
};

} // namespace coropipe::text
