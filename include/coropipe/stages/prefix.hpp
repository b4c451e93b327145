#pragma once

#include <coropipe/detail/search.hpp>

#include <string>
#include <string_view>

namespace coropipe {

namespace detail {
/// Anchored match: `line.starts_with(prefix)`.
struct prefix_matcher {
    explicit prefix_matcher(std::string_view p) : prefix(p) {}
    bool matches(std::string_view line) const noexcept { return line.starts_with(prefix); }
    std::string prefix;
};

/// `prefix`'s overload set (the same forms as `grep`).
struct prefix_fn : line_filter_fn<prefix_matcher, line_filter_spec::kind::prefix> {};
} // namespace detail

/// Passes through the lines that start with `pattern` (`line.starts_with(p)`,
/// `grep '^p'` without the regex). An empty pattern matches every line.
///
/// ```
/// lines(log) | prefix("2024-05-01") | print(std::cout);
/// prefix(lines, "#", coropipe::invert);          // drop comment lines
/// ```
///
/// The same forms as `grep`: `prefix(pattern[, invert])` is a
/// `stage<std::string_view>`; `prefix(source, pattern[, invert])` a lazy
/// pipeline; `prefix(pattern[, invert], target)` a sink feeding `target`.
/// `lines(...) | prefix(...)` takes `grep`'s whole-buffer fast path.
///
/// Lazy: pulls from upstream only when downstream asks; yields the
/// upstream's line itself. An exception from upstream or downstream surfaces
/// at the consumer's resume point with its own type. Destroying the result
/// destroys upstream (and, in the push form, the target).
inline constexpr detail::prefix_fn prefix{};

} // namespace coropipe
