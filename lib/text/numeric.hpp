#pragma once
// What the numeric stages of the pipeline text (min, max, sum, avg, count)
// share: their options and help, the adapter that writes their numbers as
// text, and their whole-buffer fold form.

#include "registry.hpp"

#include <coropipe/detail/output_buffer.hpp> // to_chars_shortest, as print writes numbers
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/running_min.hpp> // final_only

#include <array>
#include <optional>
#include <string_view>

namespace coropipe::text {

inline constexpr option_info final_options[] = {
    {"--final", "print only the final value, once the input has ended"},
};

inline constexpr std::string_view field_notes[] = {
    "FIELD is a key (the number after key= in the line) or $N (column N, from 1)",
};

/// Adapter, not a stage of its own: the numbers of a numeric stage as text,
/// in `std::to_chars`' shortest form (187, not 187.000000), as print writes
/// them. Each line is valid until the next input, like any line.
template <class Number>
stage<Number, std::string_view> as_text() {
    std::array<char, 32> buffer{};
    while (Number* value = co_await input) {
        const auto result = detail::to_chars_shortest(buffer.data(), buffer.data() + buffer.size(), *value);
        co_yield std::string_view(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
    }
}

/// min/max/sum/avg FIELD [--final]: `make(projection[, final_only])` over
/// `field(name)`, or `column(N)` for `$N`, then `as_text`.
template <class Make>
text_stage numeric_stage(const stage_spec& spec, Make make) {
    auto project = [&](auto projection) {
        auto closure = spec.final_only ? make(projection, final_only) : make(projection);
        return closure.template build<std::string_view>() | as_text<double>();
    };
    const std::string& word = spec.operands.at(0);
    if (const std::size_t n = column_number(word); n != 0) {
        return project(column(n));
    }
    return project(field(word));
}

/// The whole-buffer fold of a numeric stage over a key (not a `$N` column).
inline std::optional<detail::field_fold_spec> numeric_fold(const stage_spec& spec,
                                                           detail::field_fold_spec::kind what) {
    if (what != detail::field_fold_spec::kind::count && column_number(spec.operands.at(0)) != 0) {
        return std::nullopt; // a column: the stages do it
    }
    detail::field_fold_spec fold;
    fold.what = what;
    fold.final_only = spec.final_only;
    if (what != detail::field_fold_spec::kind::count) {
        fold.key = spec.operands.at(0);
    }
    return fold;
}

} // namespace coropipe::text
