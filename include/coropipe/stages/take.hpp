#pragma once

#include <coropipe/fused.hpp>

#include <cstddef>
#include <memory>
#include <utility>

namespace coropipe {

namespace detail {

/// The step of `take(n)`: passes on `n` inputs, then is done, so upstream
/// is not pulled again.
template <class T>
struct take_step {
    using input_type = T;
    using output_type = T;

    std::size_t n;

    T* operator()(T& x) noexcept {
        --n;
        return std::addressof(x);
    }
    bool done() const noexcept { return n == 0; }
    T* finish() noexcept { return nullptr; }
};

/// The coroutine form of `take_step` (after a coroutine stage, in push
/// mode, under type erasure): one frame, counting down before each pull.
template <class T>
stage<T> take_stage(std::size_t n) {
    // After the n-th output the loop ends without awaiting input, so
    // upstream is never resumed again.
    for (; n > 0; --n) {
        T* value = co_await input;
        if (value == nullptr) {
            co_return;
        }
        co_yield *value;
    }
}

/// Makes `take(n)`'s step (fused) or stage.
struct take_maker {
    std::size_t n;
    template <class T>
    take_step<T> operator()() const noexcept {
        return {n};
    }
    template <class T>
    auto stage() const {
        return take_stage<T>(n);
    }
};

struct take_fn {
    /// `take(n)`: a pipeable closure; its element type comes from the left of `|`.
    auto operator()(std::size_t n) const {
        return step_closure{take_maker{n}};
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
/// `n` elements have gone through. A fused element stage (see
/// `coropipe/fused.hpp`): after a source or other fused stages it runs inline,
/// with no coroutine frame of its own.
inline constexpr detail::take_fn take{};

} // namespace coropipe
