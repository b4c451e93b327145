// where EXPR
#include "registry.hpp"

#include <coropipe/stages/where.hpp>
#include <coropipe/syntax_error.hpp>
#include <coropipe/where_expr.hpp>

#include <memory>

namespace coropipe::text {

namespace {

constexpr std::string_view notes[] = {
    "EXPR compares FIELDs: FIELD OP VALUE with == != < <= > >=, FIELD ~ \"regex\", FIELD !~ \"regex\",",
    "  has FIELD, and, or, not, ( ); VALUE is a number, a \"string\" or a FIELD; numbers compare as numbers",
    "  FIELD is key, $N, .json.path or @host @app @pid @severity @facility @time @msg; a missing FIELD is false",
    "  e.g. where latency_ms > 500    where .level == \"error\" and .status >= 500    where @host ~ \"^web-\"",
};

// EXPR is the stage's text as written (quotes kept): a caret points into it.
where_expr parse(const stage_spec& spec) {
    try {
        return where_expr::parse(spec.operands.at(0));
    } catch (const syntax_error& e) {
        fail_at(spec, e.reason(), spec.operand_positions.at(0) + e.position(), e.hint());
    }
}

void check(const stage_spec& spec) {
    (void)parse(spec);
}

text_stage build(const stage_spec& spec) {
    return where(parse(spec));
}

// Searched for what every matching line holds (a literal of `==`, a key),
// then each line found is tested.
std::optional<buffer_filter> as_filter(const stage_spec& spec) {
    const where_expr expr = parse(spec);
    buffer_filter f;
    const where_expr::required_text& required = expr.prefilter();
    if (!required.literals.empty()) {
        using kind = detail::line_filter_spec::kind;
        if (!required.json_escapes) {
            f.search.push_back({kind::substring, required.literals.front(), false, false});
        } else {
            // A JSON line may spell the literal with \u escapes instead.
            std::string pattern;
            for (char c : required.literals.front()) {
                if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) {
                    pattern += '\\';
                }
                pattern += c;
            }
            f.search.push_back({kind::regex, pattern + "|\\\\u", false, false});
        }
    }
    f.make_test = [expr] {
        auto scratch = std::make_shared<where_expr::scratch>();
        return std::function<bool(std::string_view)>(
            [expr, scratch](std::string_view line) { return expr.matches(line, *scratch); });
    };
    return f;
}

} // namespace

extern const stage_definition where_stage{
    .name = "where",
    .usage = "where EXPR",
    .description = "pass the lines whose FIELDs make EXPR true",
    .operand = operand_kind::expression,
    .operand_name = "EXPR",
    .operand_required = true,
    .notes = notes,
    .check = check,
    .build = build,
    .as_filter = as_filter,
};

} // namespace coropipe::text
