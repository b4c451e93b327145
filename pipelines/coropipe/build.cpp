#include "build.hpp"

#include <coropipe/detail/output_buffer.hpp> // to_chars_shortest, as print writes numbers
#include <coropipe/stages/aggregate.hpp>
#include <coropipe/stages/app.hpp>
#include <coropipe/stages/facility.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/format.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/host.hpp>
#include <coropipe/stages/prefix.hpp>
#include <coropipe/stages/running_min.hpp>
#include <coropipe/stages/severity.hpp>
#include <coropipe/stages/take.hpp>
#include <coropipe/stages/tee.hpp>
#include <coropipe/stages/uniq.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <string>
#include <utility>

namespace coropipe::cli {

namespace {

[[noreturn]] void fail(const stage_spec& spec, const std::string& what, std::size_t position) {
    throw pipeline_text_error("coropipe: " + spec.name + ": " + what + " at column " + std::to_string(position + 1),
                              position);
}

/// Adapter, not a stage of its own: the numbers of a numeric stage as text,
/// in `std::to_chars`' shortest form (187, not 187.000000), as print writes them.
/// Each line is valid until the next input, like any line.
template <class Number>
stage<Number, std::string_view> as_text() {
    std::array<char, 32> buffer{};
    while (Number* value = co_await input) {
        const auto result = detail::to_chars_shortest(buffer.data(), buffer.data() + buffer.size(), *value);
        co_yield std::string_view(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
    }
}

/// min/max FIELD [--final]: `field(name)` or `column(N)` for `$N`.
template <class Best>
text_stage numeric(const stage_spec& spec, Best best) {
    const std::string& field_word = spec.operands.at(0);
    auto project = [&](auto projection) {
        auto closure = spec.final_only ? best(projection, final_only) : best(projection);
        return closure.template build<std::string_view>() | as_text<double>();
    };
    if (field_word.starts_with('$')) {
        std::size_t n = 0;
        std::from_chars(field_word.data() + 1, field_word.data() + field_word.size(), n); // checked by the parser
        return project(column(n));
    }
    return project(field(field_word));
}

struct min_fn {
    template <class... Args>
    auto operator()(Args&&... args) const {
        return running_min(std::forward<Args>(args)...);
    }
};
struct max_fn {
    template <class... Args>
    auto operator()(Args&&... args) const {
        return running_max(std::forward<Args>(args)...);
    }
};

/// count [--final]: the number of lines so far, as text.
text_stage count_lines(const stage_spec& spec) {
    auto closure = spec.final_only ? count(final_only) : count();
    return closure.template build<std::string_view>() | as_text<std::size_t>();
}

} // namespace

text_stage build_stage(const stage_spec& spec) {
    if (spec.name == "grep") {
        // -F (the default) is a plain substring; -E an RE2 regex.
        const grep_options options{.invert = spec.has('v'), .ignore_case = spec.has('i'), .regex = spec.has('E')};
        try {
            return grep(spec.operands.at(0), options);
        } catch (const coropipe::error& e) {
            // A regex RE2 rejects: point at the pattern.
            fail(spec, e.what(), spec.operand_positions.at(0));
        }
    }
    if (spec.name == "prefix") {
        return spec.has('v') ? prefix(spec.operands.at(0), invert) : prefix(spec.operands.at(0));
    }
    if (spec.name == "min") {
        return numeric(spec, min_fn{});
    }
    if (spec.name == "max") {
        return numeric(spec, max_fn{});
    }
    if (spec.name == "head") {
        std::size_t n = 0;
        const std::string& word = spec.operands.at(0);
        std::from_chars(word.data(), word.data() + word.size(), n); // checked by the parser
        return take(n).build<std::string_view>();
    }
    if (spec.name == "count") {
        return count_lines(spec);
    }
    if (spec.name == "sum") {
        return numeric(spec, sum);
    }
    if (spec.name == "avg") {
        return numeric(spec, avg);
    }
    if (spec.name == "uniq") {
        return uniq();
    }
    if (spec.name == "print") {
        // print FORMAT (build_pipeline). The parser has checked FORMAT with
        // the same parser, so this cannot throw; if it did, point at FORMAT.
        try {
            return format(spec.operands.at(0));
        } catch (const format_string_error& e) {
            fail(spec, e.what(), spec.operand_positions.at(0));
        }
    }
    if (spec.name == "tee") {
        // Opened here, before anything is read: an unwritable FILE is an error
        // up front (std::system_error, naming the file).
        return coropipe::tee(spec.operands.at(0));
    }
    // The syslog stages: LEVEL and NAME were checked by the parser.
    if (spec.name == "severity") {
        const std::string& level = spec.operands.at(0);
        return spec.has('u') ? severity(level, pass_unknown) : severity(level);
    }
    if (spec.name == "facility") {
        const std::string& name = spec.operands.at(0);
        return spec.has('u') ? facility(name, pass_unknown) : facility(name);
    }
    if (spec.name == "host") {
        return host(spec.operands.at(0));
    }
    if (spec.name == "app") {
        return app(spec.operands.at(0));
    }
    fail(spec, "not supported yet", spec.position);
}

std::vector<detail::line_filter_spec> leading_filters(const std::vector<stage_spec>& specs, std::size_t* count) {
    std::vector<detail::line_filter_spec> filters;
    for (const stage_spec& spec : specs) {
        using kind = detail::line_filter_spec::kind;
        if (spec.name == "grep") {
            (void)build_stage(spec); // compiles a regex: its error, with its column
            filters.push_back({spec.has('E') ? kind::regex : kind::substring, spec.operands.at(0), spec.has('v'),
                               spec.has('i')});
        } else if (spec.name == "prefix") {
            filters.push_back({kind::prefix, spec.operands.at(0), spec.has('v'), false});
        } else {
            break;
        }
    }
    *count = filters.size();
    return filters;
}

std::optional<detail::field_fold_spec> fused_fold(const std::vector<stage_spec>& specs, std::size_t first) {
    using kind = detail::field_fold_spec::kind;
    const std::size_t n = specs.size() - std::min(first, specs.size());
    if (n == 0 || n > 2 || (n == 2 && (specs.back().name != "print" || !specs.back().operands.empty()))) {
        return std::nullopt;
    }
    const stage_spec& spec = specs[first];
    detail::field_fold_spec fold;
    fold.final_only = spec.final_only;
    if (spec.name == "count") {
        fold.what = kind::count;
        return fold;
    }
    if (spec.name == "min") {
        fold.what = kind::min;
    } else if (spec.name == "max") {
        fold.what = kind::max;
    } else if (spec.name == "sum") {
        fold.what = kind::sum;
    } else if (spec.name == "avg") {
        fold.what = kind::avg;
    } else {
        return std::nullopt;
    }
    if (spec.operands.at(0).starts_with('$')) {
        return std::nullopt; // a column: the stages do it
    }
    fold.key = spec.operands.at(0);
    return fold;
}

std::optional<text_stage> build_pipeline(const std::vector<stage_spec>& specs) {
    std::optional<text_stage> chain;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const stage_spec& spec = specs[i];
        if (spec.name == "print") {
            if (i + 1 != specs.size()) {
                fail(spec, "print must be the last stage", spec.position);
            }
            if (spec.operands.empty()) {
                break; // the driver prints
            }
            // print FORMAT: format(FORMAT) here, then the driver prints.
        }
        text_stage next = build_stage(spec);
        if (chain) {
            chain = std::move(*chain) | std::move(next);
        } else {
            chain = std::move(next);
        }
    }
    return chain;
}

} // namespace coropipe::cli
