// print [FORMAT]
#include "registry.hpp"

#include <coropipe/stages/format.hpp>

namespace coropipe::text {

namespace {

constexpr std::string_view notes[] = {
    "FORMAT is text with placeholders: {} the input, {key} the value after key=,",
    "{$N} column N (from 1), {{ and }} a brace; a missing key or column is empty",
};

text_stage pass_through() {
    while (std::string_view* line = co_await input) {
        co_yield *line;
    }
}

// A plain `print` is the output itself: the planner drops it. `print
// FORMAT` is `format(FORMAT)`; the parser has checked FORMAT with the same
// parser, so this cannot throw, but if it did it would point at FORMAT.
text_stage build(const stage_spec& spec) {
    if (spec.operands.empty()) {
        return pass_through();
    }
    try {
        return format(spec.operands.at(0));
    } catch (const format_string_error& e) {
        fail_at(spec, e.reason(), spec.operand_positions.at(0));
    }
}

} // namespace

extern const stage_definition print_stage{
    .name = "print",
    .usage = "print [FORMAT]",
    .description = "write each input to standard output, or FORMAT filled in from it",
    .operand = operand_kind::format,
    .operand_name = "FORMAT",
    .last_only = true,
    .notes = notes,
    .build = build,
};

} // namespace coropipe::text
