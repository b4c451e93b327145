#pragma once

#include <coropipe/detail/fold_case.hpp>
#include <coropipe/detail/regex.hpp>
#include <coropipe/detail/search.hpp>
#include <coropipe/stages/invert.hpp>

#include <memory>
#include <string_view>
#include <utility>

namespace coropipe {

/// Option for `grep`: ignore ASCII case (`grep -i`): `grep(pattern,
/// coropipe::ignore_case)`. See `grep_options`.
struct ignore_case_t {
    explicit constexpr ignore_case_t() = default;
};
inline constexpr ignore_case_t ignore_case{};

/// How `grep(pattern, options)` matches, `grep`'s command-line flags:
/// `grep(p, {.invert = true, .ignore_case = true, .regex = true})` is
/// `grep -v -i -E p`.
struct grep_options {
    bool invert = false;      ///< `-v`: pass the lines that do not match
    bool ignore_case = false; ///< `-i`: ASCII letters only (bytes from 0x80 on compare exactly)
    bool regex = false;       ///< `-E`: `pattern` is a POSIX ERE, as GNU grep -E reads it; otherwise a substring (`-F`)
};

namespace detail {

/// `grep`'s overload set; the matching is `substring_searcher` (lib/search.cpp),
/// `ascii_icase_searcher` (lib/fold_case.cpp) or `regex_matcher` (lib/regex.cpp).
struct grep_fn : line_filter_fn<substring_searcher, line_filter_spec::kind::substring> {
    using line_filter_fn<substring_searcher, line_filter_spec::kind::substring>::operator();

    /// `grep(pattern, coropipe::ignore_case)`: `grep -i`.
    line_filter_stage operator()(std::string_view pattern, ignore_case_t) const {
        return (*this)(pattern, grep_options{.ignore_case = true});
    }
    /// `grep(pattern, options)`: builds the matcher now, so an invalid regex
    /// throws here.
    line_filter_stage operator()(std::string_view pattern, grep_options options) const {
        line_filter_spec spec{options.regex ? line_filter_spec::kind::regex : line_filter_spec::kind::substring,
                              std::string(pattern), options.invert, options.ignore_case};
        if (options.regex) {
            return {filter_lines(std::make_unique<const regex_matcher>(pattern, options.ignore_case), options.invert),
                    std::move(spec)};
        }
        if (options.ignore_case) {
            return {filter_lines(std::make_unique<const ascii_icase_searcher>(pattern), options.invert),
                    std::move(spec)};
        }
        return {filter_lines(std::make_unique<const substring_searcher>(pattern), options.invert), std::move(spec)};
    }

    template <line_range Source>
    auto operator()(Source&& source, std::string_view pattern, ignore_case_t) const {
        return std::forward<Source>(source) | (*this)(pattern, ignore_case);
    }
    template <line_range Source>
    auto operator()(Source&& source, std::string_view pattern, grep_options options) const {
        return std::forward<Source>(source) | (*this)(pattern, options);
    }
    template <line_target Target>
    sink<std::string_view> operator()(std::string_view pattern, grep_options options, Target target) const {
        return (*this)(pattern, options) | std::move(target);
    }
};

} // namespace detail

/// Passes through the lines that contain `pattern` (Python's
/// `pattern in line`): by default a plain substring, any bytes, no regex.
/// An empty pattern matches every line.
///
/// ```
/// lines(log) | grep("ERROR") | print(std::cout);
/// grep(lines, "ERROR", coropipe::invert);               // grep -v
/// lines(log) | grep("error", coropipe::ignore_case);    // grep -i
/// lines(log) | grep("GET|POST", {.regex = true});       // grep -E
/// follow(f) | grep("python", printer());                // push form (Beazley)
/// ```
///
/// - `grep(pattern)`, `grep(pattern, coropipe::invert)`,
///   `grep(pattern, coropipe::ignore_case)`, `grep(pattern, grep_options)`:
///   a `stage<std::string_view>` (a `detail::line_filter_stage`, derived
///   from it, that also carries its pattern), pipeable as it is.
/// - `grep(source, pattern[, invert | ignore_case | options])`:
///   `source | grep(pattern, ...)`, a lazy `pipeline<std::string_view>` over
///   any range of lines.
/// - Fast path: `lines(...) | grep(...)` (and `| prefix(...)`, any number,
///   in any order) searches whole buffers of many lines instead of each
///   line, like GNU grep, and yields the same lines: see `line_source`.
///   The result is then a `line_source`, a generator of the lines.
/// - `grep(pattern[, invert | options], target)`: a `sink<std::string_view>`
///   that sends the matching lines to `target`, a sink or a `coroutine<void,
///   std::string_view>`.
///
/// Matching:
/// - substring (default): bytes compared exactly; with `ignore_case`, ASCII
///   letters only (A-Z = a-z); bytes >= 0x80 are still compared exactly, so
///   `É` and `é` differ.
/// - `regex`: a POSIX extended regular expression with GNU's extensions,
///   meaning what it means to GNU `grep -E` under `LC_ALL=C` (docs/regex.md
///   lists the few it refuses); unanchored search, in time linear in the
///   line (no backtracking, no back-references); over bytes, so invalid
///   UTF-8 is searched, not rejected. See `detail::regex_matcher`.
///
/// Eager construction, lazy matching: the `grep(...)` call copies the
/// pattern and compiles a regex, and an invalid regex throws
/// `coropipe::regex_error` (a `coropipe::error`, with the byte offset)
/// right there. Then it pulls from
/// upstream only when downstream asks, and yields the upstream's line itself
/// (no copy). An exception from upstream or downstream surfaces at the
/// consumer's resume point (`begin`, `++`, `send`) with its own type.
/// Destroying the result destroys upstream (and, in the push form, the
/// target).
inline constexpr detail::grep_fn grep{};

} // namespace coropipe
