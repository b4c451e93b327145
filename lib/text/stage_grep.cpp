// grep [-v] [-i] [-F|-E] PATTERN
#include "registry.hpp"

#include <coropipe/error.hpp>
#include <coropipe/regex_error.hpp>
#include <coropipe/stages/grep.hpp>

namespace coropipe::text {

namespace {

constexpr option_info options[] = {
    {"-v", "pass the lines that do not match instead"},
    {"-i", "ignore case"},
    {"-F", "PATTERN is a plain substring (the default)"},
    {"-E", "PATTERN is a POSIX extended regular expression, as GNU grep -E reads it (see docs/regex.md)"},
};

detail::line_filter_spec as_spec(const stage_spec& spec) {
    using kind = detail::line_filter_spec::kind;
    return {spec.has('E') ? kind::regex : kind::substring, spec.operands.at(0), spec.has('v'), spec.has('i')};
}

text_stage build(const stage_spec& spec) {
    const grep_options o{.invert = spec.has('v'), .ignore_case = spec.has('i'), .regex = spec.has('E')};
    try {
        return grep(spec.operands.at(0), o);
    } catch (const regex_error& e) {
        // At the offending byte of the pattern, wherever quotes put it.
        fail_at(spec, "invalid regex: " + e.reason(), spec.source_of(0, e.position()), e.hint());
    } catch (const coropipe::error& e) {
        fail_at(spec, reason_of(e), spec.operand_positions.at(0));
    }
}

std::optional<buffer_filter> as_filter(const stage_spec& spec) {
    (void)build(spec); // compiles a regex: its error, with its column
    return buffer_filter{{as_spec(spec)}, {}};
}

} // namespace

extern const stage_definition grep_stage{
    .name = "grep",
    .usage = "grep [-v] [-i] [-F|-E] PATTERN",
    .description = "pass the lines that contain PATTERN",
    .options = options,
    .exclusive = "FE",
    .operand = operand_kind::text,
    .operand_name = "PATTERN",
    .operand_required = true,
    .build = build,
    .as_filter = as_filter,
};

} // namespace coropipe::text
