// redact REGEX [with TEXT]
#include "registry.hpp"

#include <coropipe/regex_error.hpp>
#include <coropipe/stages/redact.hpp>

namespace coropipe::text {

namespace {

constexpr std::string_view keywords[] = {"with"};

constexpr std::string_view notes[] = {
    "REGEX is a POSIX extended regular expression, as GNU grep -E reads it (see docs/regex.md);",
    "  every match is replaced with TEXT, as it is (no back-references); every line is passed on",
    "  e.g. redact 'password=[^ ]*' with 'password=***'    redact '[0-9]{4}( ?[0-9]{4}){3}'",
};

text_stage build(const stage_spec& spec) {
    const stage_spec::clause* with = spec.find_clause("with");
    try {
        return redact(spec.operands.at(0), with ? with->value : std::string("***"));
    } catch (const regex_error& e) {
        fail_at(spec, "invalid regex: " + e.reason(), spec.source_of(0, e.position()), e.hint());
    }
}

void check(const stage_spec& spec) {
    (void)build(spec); // compiles the regex: its error, with its column
}

} // namespace

extern const stage_definition redact_stage{
    .name = "redact",
    .usage = "redact REGEX [with TEXT]",
    .description = "replace each match of REGEX in a line with TEXT (default ***)",
    .operand = operand_kind::text,
    .operand_name = "REGEX",
    .operand_required = true,
    .keywords = keywords,
    .notes = notes,
    .check = check,
    .build = build,
};

} // namespace coropipe::text
