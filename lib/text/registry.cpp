// The list of the pipeline text's stages: one line per stage, in the order
// `coropipe help` lists them. A stage is defined in its own file,
// lib/text/stage_NAME.cpp (see docs/architecture.md, "Adding a stage").
#include "registry.hpp"

#include <algorithm>
#include <charconv>

namespace coropipe::text {

extern const stage_definition grep_stage;
extern const stage_definition prefix_stage;
extern const stage_definition min_stage;
extern const stage_definition max_stage;
extern const stage_definition sum_stage;
extern const stage_definition count_stage;
extern const stage_definition avg_stage;
extern const stage_definition head_stage;
extern const stage_definition uniq_stage;
extern const stage_definition tee_stage;
extern const stage_definition print_stage;
extern const stage_definition severity_stage;
extern const stage_definition facility_stage;
extern const stage_definition host_stage;
extern const stage_definition app_stage;
extern const stage_definition where_stage;
extern const stage_definition p50_stage;
extern const stage_definition p90_stage;
extern const stage_definition p95_stage;
extern const stage_definition p99_stage;
extern const stage_definition distinct_stage;
extern const stage_definition redact_stage;
extern const stage_definition sample_stage;
extern const stage_definition throttle_stage;
extern const stage_definition dedup_stage;

namespace {
constexpr const stage_definition* registry[] = {
    &grep_stage,     &prefix_stage, &where_stage, &min_stage,  &max_stage,   &sum_stage,
    &count_stage,    &avg_stage,    &p50_stage,   &p90_stage,  &p95_stage,   &p99_stage,  &distinct_stage,    &head_stage,  &uniq_stage, &tee_stage,   &print_stage,
    &severity_stage, &facility_stage, &host_stage, &app_stage, &redact_stage, &sample_stage, &throttle_stage, &dedup_stage,
};
} // namespace

std::span<const stage_definition* const> stage_definitions() noexcept {
    return registry;
}

const stage_definition* find_stage(std::string_view name) noexcept {
    const auto it = std::find_if(std::begin(registry), std::end(registry),
                                 [name](const stage_definition* d) { return d->name == name; });
    return it == std::end(registry) ? nullptr : *it;
}

void fail_at(const stage_spec& spec, std::string_view what, std::size_t position, std::string_view hint) {
    std::string message = "coropipe: " + spec.name + ": ";
    message += what;
    message += " at column " + std::to_string(position + 1);
    if (!hint.empty()) {
        message += "; ";
        message += hint;
    }
    throw pipeline_text_error(message, position);
}

std::string reason_of(const std::exception& e) {
    std::string_view what = e.what();
    if (what.starts_with("coropipe: ")) {
        what.remove_prefix(10);
    } else if (what.starts_with("coropipe::")) {
        const std::size_t colon = what.find(": ");
        if (colon != std::string_view::npos && what.substr(0, colon).find(' ') == std::string_view::npos) {
            what.remove_prefix(colon + 2);
        }
    }
    return std::string(what);
}

std::size_t column_number(std::string_view field) noexcept {
    std::size_t n = 0;
    if (field.starts_with('$')) {
        std::from_chars(field.data() + 1, field.data() + field.size(), n); // checked by the parser
    }
    return n;
}

std::size_t number_operand(const stage_spec& spec) noexcept {
    std::size_t n = 0;
    const std::string& word = spec.operands.at(0);
    std::from_chars(word.data(), word.data() + word.size(), n); // checked by the parser
    return n;
}

} // namespace coropipe::text
