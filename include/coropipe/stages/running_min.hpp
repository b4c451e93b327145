#pragma once

#include <coropipe/coroutine.hpp>
#include <coropipe/fused.hpp>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace coropipe {

/// Option for `running_min` / `running_max`: emit only the final value, once
/// the input has ended, instead of one value per input.
struct final_only_t {
    explicit constexpr final_only_t() = default;
};
inline constexpr final_only_t final_only{};

namespace detail {

template <class T>
struct unwrap_optional {
    using type = T;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
    using type = T;
};

/// What `running_min(proj)` yields for inputs of type `In`: the projected
/// value, with a `std::optional` unwrapped.
template <class Proj, class In>
using projected_value_t = typename unwrap_optional<std::remove_cvref_t<std::invoke_result_t<Proj&, In&>>>::type;

/// The best value offered so far; `Better(a, b)` says `a` replaces `b`
/// (`std::less<>` keeps the minimum, `std::greater<>` the maximum).
template <class V, class Better>
struct best_so_far {
    std::optional<V> best;

    /// Takes `v` if it is better (or the first); returns true.
    bool offer(V v) {
        if (!best || Better{}(v, *best)) {
            best = std::move(v);
        }
        return true;
    }
    /// An empty optional is no candidate: returns false.
    bool offer(std::optional<V> v) { return v && offer(std::move(*v)); }

    V& current() noexcept { return *best; }
    bool has_final() const noexcept { return best.has_value(); }
};

/// Two-way form: receives values by `send`, yields the best so far.
template <class T, class Better>
coroutine<T, T> running_best() {
    best_so_far<T, Better> state;
    T value = co_yield {};
    for (;;) {
        state.offer(std::move(value));
        // HACK(gcc-12): `value = co_yield x;` is an internal compiler error
        // (in instantiate_type, cp/class.cc:8742); initialising is fine.
        T received = co_yield *state.best;
        value = std::move(received);
    }
}

/// The step of the stages over a projection (`running_min`, `sum`, ...): it
/// offers `proj(x)` to the accumulator `Acc` and yields the accumulator's
/// current value in place (no copy) when it counted, or, with `final_only`,
/// only once, at the end (if `has_final()`). `Acc` has `offer(projected) ->
/// bool`, `current()` and `has_final()`.
template <class In, class Proj, class Acc>
struct accumulate_step {
    using input_type = In;
    using output_type = std::remove_reference_t<decltype(std::declval<Acc&>().current())>;
    enum class mode : unsigned char { every, final_pending, final_given };

    [[no_unique_address]] Proj proj;
    Acc acc;
    mode when;

    output_type* operator()(In& x) {
        if (acc.offer(std::invoke(proj, x)) && when == mode::every) {
            return std::addressof(acc.current());
        }
        return nullptr;
    }
    bool done() const noexcept { return false; }
    output_type* finish() {
        if (when != mode::final_pending || !acc.has_final()) {
            return nullptr;
        }
        when = mode::final_given;
        return std::addressof(acc.current());
    }
};

/// The coroutine form of `accumulate_step` (after a coroutine stage, in push
/// mode, under type erasure). FinalOnly is a template parameter rather than
/// the step's runtime mode, and the accumulator lives in the frame rather
/// than in a step: that keeps the frame within 128 bytes.
template <class In, class Proj, class Acc, bool FinalOnly>
stage<In, typename accumulate_step<In, Proj, Acc>::output_type> accumulate_stage(Proj proj) {
    Acc acc;
    while (In* x = co_await input) {
        if (acc.offer(std::invoke(proj, *x)) && !FinalOnly) {
            co_yield acc.current();
        }
    }
    if (FinalOnly && acc.has_final()) {
        co_yield acc.current();
    }
}

/// Makes the step (fused) or the stage (a frame of its own) of a stage over
/// a projection, for input type `In`.
template <class Proj, class AccOf>
struct accumulate_maker {
    Proj proj;
    bool final_only;

    template <class In>
    using acc = typename AccOf::template type<projected_value_t<Proj, In>>;

    template <class In>
    auto operator()() const {
        static_assert(std::invocable<Proj&, In&>, "coropipe: proj(x) must be callable on the input elements");
        using step = accumulate_step<In, Proj, acc<In>>;
        return step{proj, acc<In>{}, final_only ? step::mode::final_pending : step::mode::every};
    }
    template <class In>
    auto stage() const {
        return final_only ? accumulate_stage<In, Proj, acc<In>, true>(proj)
                          : accumulate_stage<In, Proj, acc<In>, false>(proj);
    }
};

template <class Proj>
concept projection = std::copy_constructible<Proj> && !std::same_as<std::remove_cvref_t<Proj>, final_only_t>;

/// The call forms shared by stages over a projection (`running_min`,
/// `sum`, ...): `(proj[, final_only])` makes a pipeable closure and
/// `(source, proj[, final_only])` pipes a source into it.
/// `AccOf::template type<V>` is the accumulator for projected values `V`.
template <class AccOf>
struct projected_stage_fn {
    template <projection Proj>
    auto operator()(Proj proj) const {
        return closure(std::move(proj), false);
    }
    template <projection Proj>
    auto operator()(Proj proj, final_only_t) const {
        return closure(std::move(proj), true);
    }
    template <source_range Source, class... Args>
        requires std::invocable<const projected_stage_fn&, Args...>
    auto operator()(Source&& source, Args&&... args) const {
        return std::forward<Source>(source) | (*this)(std::forward<Args>(args)...);
    }

    // A fused element stage (fused.hpp).
    template <class Proj>
    static auto closure(Proj proj, bool final_only) {
        return step_closure{accumulate_maker<Proj, AccOf>{std::move(proj), final_only}};
    }
};

/// The accumulator of `running_min` (`Better = std::less<>`) and
/// `running_max` (`std::greater<>`).
template <class Better>
struct best_of {
    template <class V>
    using type = best_so_far<V, Better>;
};
template <class Better>
using running_best_fn = projected_stage_fn<best_of<Better>>;

} // namespace detail

// running_min and running_max are function templates, not function objects
// (STYLE.md): `running_min<int>()` names the element type of the two-way
// form, which a variable cannot take.

/// The running minimum, Beazley's `minimize()`, in two forms.
///
/// `running_min<T>()`: a primed two-way `coroutine<T, T>`; each `send(x)`
/// returns the smallest value sent so far:
/// `m.send(10) == 10, m.send(4) == 4, m.send(22) == 4`. Eager: the body runs
/// at each `send`. It never finishes by itself; destroy or `close()` it.
///
/// `running_min(proj[, coropipe::final_only])`: a pipeable stage yielding,
/// for each input `x`, the minimum so far of `proj(x)` (use
/// `std::identity{}` for the elements themselves). If `proj` returns a
/// `std::optional`, inputs where it is empty are skipped (no output), and
/// the stage yields the contained type. With `final_only` it yields only the
/// final minimum, once the input has ended (nothing for an empty input).
/// `running_min(source, proj[, final_only])` is `source | running_min(...)`.
///
/// Lazy: pulls from upstream only when downstream asks. An exception from
/// `proj` or upstream surfaces at the consumer's resume point with its own
/// type. Destroying the result early destroys upstream.
template <class T>
coroutine<T, T> running_min() {
    return detail::running_best<T, std::less<>>();
}
template <class... Args>
    requires std::invocable<const detail::running_best_fn<std::less<>>&, Args...>
auto running_min(Args&&... args) {
    return detail::running_best_fn<std::less<>>{}(std::forward<Args>(args)...);
}

/// The running maximum: `running_min` with the comparison reversed, in the
/// same forms and with the same guarantees.
template <class T>
coroutine<T, T> running_max() {
    return detail::running_best<T, std::greater<>>();
}
template <class... Args>
    requires std::invocable<const detail::running_best_fn<std::greater<>>&, Args...>
auto running_max(Args&&... args) {
    return detail::running_best_fn<std::greater<>>{}(std::forward<Args>(args)...);
}

} // namespace coropipe
