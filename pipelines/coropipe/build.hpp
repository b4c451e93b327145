#pragma once

#include <coropipe/detail/field_scan.hpp>
#include <coropipe/detail/line_filter.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/stage.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace coropipe::cli {

/// Every stage of the utility, type-erased to text: lines in, lines out.
/// Numeric stages (min, max) are followed by an adapter that writes their
/// numbers as text, so any stage may follow any other.
using text_stage = stage<std::string_view, std::string_view>;

/// The library stage for one parsed stage spec (not a plain `print`, which
/// the driver handles; `print FORMAT` is `format(FORMAT)`). The one place where stage names meet library stages:
/// new stages get wired in here. Throws `pipeline_text_error` (with the
/// position of the offending word) for what the library cannot do yet.
text_stage build_stage(const stage_spec& spec);

/// The filter/transform part of a parsed pipeline, composed left to right;
/// empty when the pipeline is only `print`. `print FORMAT` adds
/// `format(FORMAT)` (the driver does the printing). A `print` anywhere but
/// last throws `pipeline_text_error`. Lazy: nothing runs.
std::optional<text_stage> build_pipeline(const std::vector<stage_spec>& specs);

/// The grep and prefix stages at the start of `specs`, as line filters for
/// the whole-buffer fast path (`detail::line_filter`); `*count` is set to how
/// many specs they are. Checked as `build_stage` checks them: an invalid
/// regex throws `pipeline_text_error`.
std::vector<detail::line_filter_spec> leading_filters(const std::vector<stage_spec>& specs, std::size_t* count);

/// The whole-buffer fold for `specs[first..]` (the stages after the leading
/// filters), when they are one `min`, `max`, `sum` or `avg` over a `key`
/// (not a `$N` column) or one `count`, optionally followed by a plain
/// `print`: what `detail::field_fold` computes in place of those stages.
/// Empty for any other pipeline.
std::optional<detail::field_fold_spec> fused_fold(const std::vector<stage_spec>& specs, std::size_t first);

} // namespace coropipe::cli
