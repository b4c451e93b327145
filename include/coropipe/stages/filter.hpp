#pragma once

#include <coropipe/fused.hpp>

#include <concepts>
#include <functional>
#include <memory>

namespace coropipe {

namespace detail {

/// The step of `filter(pred)`: passes `x` on (by address) when `pred(x)`.
template <class In, class Pred>
struct filter_step {
    static_assert(std::predicate<Pred&, In&>, "coropipe::filter: pred(x) must be callable and testable");

    using input_type = In;
    using output_type = In;

    [[no_unique_address]] Pred pred;

    In* operator()(In& x) { return std::invoke(pred, x) ? std::addressof(x) : nullptr; }
    bool done() const noexcept { return false; }
    In* finish() noexcept { return nullptr; }
};

} // namespace detail

/// Passes through the elements `x` for which `pred(x)` is true (Python's
/// `(x for x in src if pred(x))`, `std::views::filter`).
///
/// ```
/// numbers | coropipe::filter([](int x) { return x % 2 == 0; }) | print(std::cout);
/// ```
///
/// `filter(pred)` is a pipeable closure, its element type taken from the left
/// of `|`; `filter(source, pred)` is `source | filter(pred)`.
///
/// A fused element stage (see `coropipe/fused.hpp`): right after a source,
/// or after other fused stages, it runs inline in the consumer's loop, with
/// no coroutine of its own; elsewhere it runs in one small coroutine frame.
/// Either way it is lazy (pulls from upstream only when downstream asks),
/// passes elements on by address (no copy; `pred` gets an lvalue), and an
/// exception from `pred` or upstream surfaces at the consumer's resume point
/// with its own type. Destroying the result early destroys upstream.
inline constexpr detail::step_fn<detail::filter_step> filter{};

} // namespace coropipe
