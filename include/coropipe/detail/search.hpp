#pragma once

#include <coropipe/detail/line_filter.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/invert.hpp>

#include <concepts>
#include <cstddef>
#include <memory>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>

namespace coropipe {

namespace detail {

/// Finds one fixed needle in many haystacks: Python's `needle in haystack`.
///
/// Built once per pipeline: it picks the needle byte that is rarest in
/// typical text and log lines, scans for it with `memchr`, and checks the
/// whole needle only at those candidates. When candidates turn out to be
/// frequent (a needle made of common bytes, or repetitive input), it falls
/// back to glibc's `memmem` (two-way, linear) for the rest of that haystack,
/// so no input is quadratic. Any bytes, including NUL and invalid UTF-8; an
/// empty needle matches everything (at 0). Compiled in lib/search.cpp.
class substring_searcher {
public:
    static constexpr std::size_t npos = std::string_view::npos;

    explicit substring_searcher(std::string_view needle);

    /// The offset of the first occurrence of the needle, or `npos`.
    std::size_t find(std::string_view haystack) const noexcept;

    /// True if the needle occurs in `haystack`.
    bool matches(std::string_view haystack) const noexcept { return find(haystack) != npos; }

    std::string_view needle() const noexcept { return needle_; }

    /// The index in the needle of the byte the scan looks for first.
    std::size_t rare_index() const noexcept { return rare_; }

private:
    std::string needle_;
    std::size_t rare_ = 0;
};

/// The stage `grep` and `prefix` share: passes the lines for which
/// `matcher.matches(line) != inverted`. The matcher lives on the heap, not
/// in the frame, which keeps the frame within 128 bytes.
template <class Matcher>
stage<std::string_view> filter_lines(std::unique_ptr<const Matcher> matcher, bool inverted) {
    while (std::string_view* line = co_await input) {
        if (matcher->matches(*line) != inverted) {
            co_yield *line;
        }
    }
}

/// A source range whose elements are lines (anything viewable as a
/// `std::string_view`: `std::string`, `std::string_view`, `const char*`).
template <class R>
concept line_range = source_range<R> && std::convertible_to<std::ranges::range_reference_t<R>, std::string_view>;

/// What a push-form line filter can feed: a sink of lines or a two-way sink
/// coroutine (Beazley's `printer()`).
template <class T>
concept line_target = std::same_as<T, sink<std::string_view>> || std::same_as<T, coroutine<void, std::string_view>>;

/// What `grep(pattern)` and `prefix(pattern)` return: their stage, which
/// also remembers its test as a `line_filter_spec`, so that a line source
/// can run it on whole buffers instead (`lines(path) | grep("x")`, see
/// `coropipe::line_source`). Anywhere else it is the plain
/// `stage<std::string_view>` it derives from, and converts to one.
class line_filter_stage : public stage<std::string_view> {
public:
    line_filter_stage(stage<std::string_view> s, line_filter_spec spec) noexcept
        : stage<std::string_view>(std::move(s)), spec_(std::move(spec)) {}

    const line_filter_spec& spec() const noexcept { return spec_; }

private:
    line_filter_spec spec_;
};

/// The overload set of `grep` and `prefix`, over a matcher built from the
/// pattern. Every form is `filter_lines(matcher, inverted)`, piped.
template <class Matcher, line_filter_spec::kind Kind>
struct line_filter_fn {
    /// `grep(pattern)`: a stage of lines; pipeable as it is.
    line_filter_stage operator()(std::string_view pattern) const {
        return {filter_lines(std::make_unique<const Matcher>(pattern), false),
                line_filter_spec{Kind, std::string(pattern), false, false}};
    }
    /// `grep(pattern, coropipe::invert)`: the lines that do not match.
    line_filter_stage operator()(std::string_view pattern, invert_t) const {
        return {filter_lines(std::make_unique<const Matcher>(pattern), true),
                line_filter_spec{Kind, std::string(pattern), true, false}};
    }

    /// `grep(source, pattern)` is `source | grep(pattern)`.
    template <line_range Source>
    auto operator()(Source&& source, std::string_view pattern) const {
        return std::forward<Source>(source) | (*this)(pattern);
    }
    template <line_range Source>
    auto operator()(Source&& source, std::string_view pattern, invert_t) const {
        return std::forward<Source>(source) | (*this)(pattern, invert);
    }

    /// Push form (Beazley's `grep(pattern, target)`): a sink that forwards
    /// the matching lines to `target`. Same as `grep(pattern) | target`.
    template <line_target Target>
    sink<std::string_view> operator()(std::string_view pattern, Target target) const {
        return (*this)(pattern) | std::move(target);
    }
    template <line_target Target>
    sink<std::string_view> operator()(std::string_view pattern, invert_t, Target target) const {
        return (*this)(pattern, invert) | std::move(target);
    }
};

} // namespace detail
} // namespace coropipe
