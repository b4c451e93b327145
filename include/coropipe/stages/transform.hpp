#pragma once

#include <coropipe/fused.hpp>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace coropipe {

namespace detail {

/// The step of `transform(f)`: yields `f(x)`. A result returned by lvalue
/// reference is passed on by address; any other is kept until the next call.
template <class In, class F>
struct transform_step {
    static_assert(std::invocable<F&, In&>, "coropipe::transform: f(x) must be callable");
    static_assert(!std::is_void_v<std::invoke_result_t<F&, In&>>, "coropipe::transform: f(x) returns void");

    using result = std::invoke_result_t<F&, In&>;
    static constexpr bool by_reference = std::is_lvalue_reference_v<result>;

    using input_type = In;
    using output_type = std::conditional_t<by_reference, std::remove_reference_t<result>, std::remove_cvref_t<result>>;

    [[no_unique_address]] F f;
    [[no_unique_address]] std::conditional_t<by_reference, std::nullptr_t, std::optional<output_type>> value{};

    output_type* operator()(In& x) {
        if constexpr (by_reference) {
            return std::addressof(std::invoke(f, x));
        } else {
            value.reset();
            return std::addressof(value.emplace(std::invoke(f, x)));
        }
    }
    bool done() const noexcept { return false; }
    output_type* finish() noexcept { return nullptr; }
};

} // namespace detail

/// Yields `f(x)` for each element `x` (Python's `map(f, src)`,
/// `std::views::transform`).
///
/// ```
/// lines(log) | coropipe::transform([](std::string_view l) { return l.size(); }) | running_max(std::identity{});
/// ```
///
/// `transform(f)` is a pipeable closure, its element type taken from the left
/// of `|`; `transform(source, f)` is `source | transform(f)`.
///
/// A fused element stage (see `coropipe/fused.hpp`): right after a source,
/// or after other fused stages, it runs inline in the consumer's loop, with
/// no coroutine of its own; elsewhere it runs in one small coroutine frame.
/// `f` gets the element as an lvalue. If it returns an lvalue reference, that
/// object is passed on by address; otherwise its result is kept until the
/// next element is asked for. Lazy: one call of `f` per element downstream
/// asks for. An exception from `f` or upstream surfaces at the consumer's
/// resume point with its own type. Destroying the result early destroys
/// upstream.
inline constexpr detail::step_fn<detail::transform_step> transform{};

} // namespace coropipe
