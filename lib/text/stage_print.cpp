// print [FORMAT]
#include "registry.hpp"

#include <coropipe/field_ref.hpp>
#include <coropipe/stages/format.hpp>
#include <coropipe/syntax_error.hpp>

namespace coropipe::text {

namespace {

constexpr std::string_view notes[] = {
    "FORMAT is text with placeholders: {} the input, {key} the value after key=,",
    "{$N} column N (from 1), {.a.b} a JSON path, {@host} a syslog field, {{ and }} a brace;",
    "a missing field is empty; a FORMAT that is one $N, .path or @field alone prints that field",
};

text_stage pass_through() {
    while (std::string_view* line = co_await input) {
        co_yield *line;
    }
}

// `print $2`, `print .a.b`, `print @host`: a FORMAT that is one FIELD and
// nothing else is that FIELD (`{$2}`), as awk's `print $2` is; a key alone
// (`print user`) stays text.
std::string effective_format(const std::string& fmt) {
    if (fmt.empty() || fmt.find_first_of("{} \t") != std::string::npos ||
        std::string_view("$.@").find(fmt.front()) == std::string_view::npos) {
        return fmt;
    }
    try {
        (void)field_ref::parse(fmt);
        return "{" + fmt + "}";
    } catch (const syntax_error&) {
        return fmt;
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
        return format(effective_format(spec.operands.at(0)));
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
