#pragma once

#include <coropipe/detail/search.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace coropipe {

namespace detail {

/// Drops each line equal to the one before it. The previous line is copied
/// into one string whose capacity is reused: the upstream's view of it may
/// be gone by the time the next line arrives. The string lives on the heap,
/// not in the frame, which keeps the frame within 128 bytes (as `grep`'s).
inline stage<std::string_view> uniq_stage() {
    auto previous = std::make_unique<std::string>();
    bool first = true;
    while (std::string_view* line = co_await input) {
        if (first || *line != *previous) {
            first = false;
            previous->assign(*line);
            co_yield *line;
        }
    }
}

struct uniq_fn {
    /// `uniq()`: a `stage<std::string_view>`, pipeable as it is.
    stage<std::string_view> operator()() const { return uniq_stage(); }

    /// `uniq(source)` is `source | uniq()`.
    template <line_range Source>
    auto operator()(Source&& source) const {
        return std::forward<Source>(source) | uniq_stage();
    }
};

} // namespace detail

/// Drops adjacent duplicate lines, like Unix `uniq`: a line equal (byte for
/// byte) to the line just before it is not passed on; equal lines that are
/// not adjacent are (sort first for a set).
///
/// ```
/// lines(log) | field_of_interest | uniq() | print();
/// ```
///
/// Lazy: pulls from upstream only when downstream asks, and yields the
/// upstream's line itself (no copy downstream; one copy of each passed line
/// is kept to compare the next one with). An exception from upstream or
/// downstream surfaces at the consumer's resume point with its own type.
/// Destroying the result early destroys upstream.
inline constexpr detail::uniq_fn uniq{};

} // namespace coropipe
