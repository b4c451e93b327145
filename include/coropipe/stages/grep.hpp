#pragma once

#include <coropipe/detail/search.hpp>

namespace coropipe {

namespace detail {
/// `grep`'s overload set; the matching is `substring_searcher` (lib/search.cpp).
struct grep_fn : line_filter_fn<substring_searcher> {};
} // namespace detail

/// Passes through the lines that contain `pattern` (Python's
/// `pattern in line`): a plain substring, any bytes, no regex. An empty
/// pattern matches every line.
///
/// ```
/// lines(log) | grep("ERROR") | print(std::cout);
/// grep(lines, "ERROR", coropipe::invert);               // grep -v
/// follow(f) | grep("python", printer());                // push form (Beazley)
/// ```
///
/// - `grep(pattern)` / `grep(pattern, coropipe::invert)`: a
///   `stage<std::string_view>`, pipeable as it is.
/// - `grep(source, pattern[, invert])`: `source | grep(pattern[, invert])`,
///   a lazy `pipeline<std::string_view>` over any range of lines.
/// - `grep(pattern[, invert], target)`: a `sink<std::string_view>` that sends
///   the matching lines to `target`, a sink or a `coroutine<void,
///   std::string_view>`.
///
/// Lazy: pulls from upstream only when downstream asks, and yields the
/// upstream's line itself (no copy). The pattern is copied into the stage.
/// An exception from upstream or downstream surfaces at the consumer's
/// resume point (`begin`, `++`, `send`) with its own type. Destroying the
/// result destroys upstream (and, in the push form, the target).
inline constexpr detail::grep_fn grep{};

} // namespace coropipe
