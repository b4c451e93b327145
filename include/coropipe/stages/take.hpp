#pragma once

#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <cstddef>
#include <utility>

namespace coropipe {

namespace detail {

/// Passes on `n` inputs, then finishes without asking for another.
template <class T>
stage<T> take_stage(std::size_t n) {
    // Count down before each pull: after the n-th output the loop ends
    // without awaiting input, so upstream is never resumed again.
    for (; n > 0; --n) {
        T* value = co_await input;
        if (value == nullptr) {
            co_return;
        }
        co_yield *value;
    }
}

struct take_fn {
    /// `take(n)`: a pipeable closure; its element type comes from the left of `|`.
    auto operator()(std::size_t n) const {
        return make_closure([n]<class In>() { return take_stage<In>(n); });
    }

    /// `take(source, n)` is `source | take(n)`.
    template <source_range Source>
    auto operator()(Source&& source, std::size_t n) const {
        return std::forward<Source>(source) | (*this)(n);
    }
};

} // namespace detail

/// Passes through the first `n` elements, then ends (Python's
/// `itertools.islice(it, n)`, `head -n`).
///
/// ```
/// lines(log) | grep("ERROR") | take(10) | print(std::cout);
/// ```
///
/// Lazy: pulls at most `n` elements from upstream, one each time downstream
/// asks, and none after the n-th (`take(0)` pulls nothing); the rest of
/// upstream is destroyed with the pipeline, never run. Elements are passed
/// on by address, not copied. An exception from upstream surfaces at the
/// consumer's resume point with its own type. Destroying the result early
/// destroys upstream. In push mode the sink reports `send(x) == false` once
/// `n` elements have gone through.
inline constexpr detail::take_fn take{};

} // namespace coropipe
