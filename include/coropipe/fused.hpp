#pragma once

#include <coropipe/error.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <concepts>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

// Fused element stages: the built-in stages that do a fixed thing with each
// element (`filter`, `transform`, `take`, `running_min`, `running_max`,
// `count`, `sum`, `avg`) are *steps*, plain function objects, rather than
// coroutines. Piped after a
// source they run inline in the consumer's loop, so `gen | filter(p) |
// running_min(f)` costs one resume per element (the generator's), not three.
// Anywhere else (after a coroutine stage, in push mode, under a type-erased
// `stage<...>`) a step runs inside one small coroutine, `step_stage`, with the
// same observable behaviour. See docs/stream_protocol.md, 3.8.

namespace coropipe {

namespace detail {

/// A step is a stage body without a frame, for input type `input_type`:
/// - `s(x)`: takes one input (an lvalue, which it may modify or point into);
///   returns a pointer to its output for it, valid until the next call, or
///   null when `x` yields nothing;
/// - `s.done()`: true once it takes no more input (`take` after n); checked
///   before each pull, so upstream is not resumed once it holds;
/// - `s.finish()`: called at the end of input (or once `done()`), again and
///   again until it returns null: the outputs a stage yields after its input
///   (`running_min(.., final_only)`).
/// At most one output per input; stages that yield more stay coroutines.
template <class S>
concept step = requires(S& s, typename S::input_type& x, const S& cs) {
    typename S::output_type;
    { s(x) } -> std::same_as<typename S::output_type*>;
    { cs.done() } -> std::same_as<bool>;
    { s.finish() } -> std::same_as<typename S::output_type*>;
};

/// `a` then `b`: `b` takes each output of `a`, then `a`'s final outputs.
template <step A, step B>
    requires std::same_as<typename A::output_type, typename B::input_type>
struct composed_step {
    using input_type = typename A::input_type;
    using output_type = typename B::output_type;

    [[no_unique_address]] A a;
    [[no_unique_address]] B b;
    bool a_finished = false;

    output_type* operator()(input_type& x) {
        if (auto* mid = a(x)) {
            return b(*mid);
        }
        return nullptr;
    }
    bool done() const noexcept { return a.done() || b.done(); }
    output_type* finish() {
        while (!a_finished) {
            auto* mid = b.done() ? nullptr : a.finish();
            if (mid == nullptr) {
                a_finished = true;
                break;
            }
            if (auto* out = b(*mid)) {
                return out;
            }
        }
        return b.finish();
    }
};

/// A step as a stage: the form it takes after a coroutine stage, in push
/// mode and under type erasure. One frame, whatever the number of steps
/// fused into it.
template <class In, step Step>
    requires std::same_as<typename Step::input_type, In>
stage<In, typename Step::output_type> step_stage(Step s) {
    while (!s.done()) {
        In* x = co_await input;
        if (x == nullptr) {
            break;
        }
        if (auto* out = s(*x)) {
            co_yield *out;
        }
    }
    while (auto* out = s.finish()) {
        co_yield *out;
    }
}

/// The call forms of a stage made of one step over a function
/// (`filter(pred)`, `transform(f)`): `(f)` makes a pipeable closure, and
/// `(source, f)` is `source | (f)`. `Step<In, F>{f}` is the step for input
/// type `In`.
template <template <class, class> class Step>
struct step_fn {
    template <std::copy_constructible F>
    auto operator()(F f) const {
        return step_closure{[f = std::move(f)]<class In>() { return Step<In, F>{f}; }};
    }
    template <source_range Source, std::copy_constructible F>
    auto operator()(Source&& source, F f) const {
        return std::forward<Source>(source) | (*this)(std::move(f));
    }
};

} // namespace detail

/// A pipeable closure over a step: `filter(p)` before its input type is
/// known. `make.template operator()<In>()` builds the step for input `In`.
/// It is a stage closure too: `build<In>()` makes its `step_stage`, or
/// `make.template stage<In>()` if the maker has one.
template <class MakeStep>
struct step_closure {
    MakeStep make;

    template <class In>
    auto step() {
        return make.template operator()<In>();
    }
    template <class In>
    auto build() {
        if constexpr (requires { make.template stage<In>(); }) {
            return make.template stage<In>(); // a coroutine of its own, smaller than step_stage's
        } else {
            return detail::step_stage<In>(step<In>());
        }
    }
};

template <class MakeStep>
step_closure(MakeStep) -> step_closure<MakeStep>;

/// A source run through fused steps: an input range of the steps' outputs,
/// like `pipeline`, with no coroutine of its own.
///
/// Made by `range | step_closure` (e.g. `gen | filter(p) | take(3)`). It has
/// `begin`/`end`, `next()` and `drain()` like `pipeline`. Lazy: nothing runs
/// until `begin()`; each increment pulls from the source only
/// as far as the next output, and not at all once a step is done (`take`).
/// `*it` is valid until the next increment. An exception from the source or
/// a step surfaces from `begin()` or `++` with its own type, and ends the
/// range. Destroying it destroys the source (a generator where it waits).
/// Move-only, one pass: a view, like `generator` (pipe it on as an rvalue).
template <class View, class Step>
class [[nodiscard]] fused_pipeline
    : public std::ranges::view_base,
      public detail::output_range<fused_pipeline<View, Step>, typename Step::output_type> {
    using in = typename Step::input_type;
    using out = typename Step::output_type;
    using source_reference = std::ranges::range_reference_t<View>;
    // Hand the source's element to the step by address when it is a
    // non-const lvalue of the step's input type; otherwise as a copy.
    static constexpr bool by_address = std::is_lvalue_reference_v<source_reference> &&
                                       std::is_same_v<std::remove_reference_t<source_reference>, in>;

public:
    fused_pipeline(View source, Step s) : source_(std::move(source)), step_(std::move(s)) {}
    fused_pipeline(fused_pipeline&&) = default;
    fused_pipeline& operator=(fused_pipeline&&) = default;

    /// `fused | step_closure`: one more step, fused. Throws `coropipe::error`
    /// once the pipeline has started (its source could not go on where it was).
    template <class Make>
    auto then(step_closure<Make> closure) && {
        using next = decltype(closure.template step<out>());
        if (phase_ != phase::fresh) {
            detail::throw_error("coropipe: a fused pipeline that has already run cannot take more stages");
        }
        return fused_pipeline<View, detail::composed_step<Step, next>>{
            std::move(source_), detail::composed_step<Step, next>{std::move(step_), closure.template step<out>()}};
    }

private:
    friend class detail::output_range<fused_pipeline, out>;
    enum class phase : unsigned char { fresh, running, finishing, ended };

    out* advance_from_output() { return advance(); }

    // The next output, or null at the end.
    out* advance() {
        try {
            switch (phase_) {
            case phase::running:
                if (step_.done()) {
                    break;
                }
                ++*it_;
                return scan();
            case phase::fresh:
                if (step_.done()) {
                    break; // take(0): the source is never started
                }
                phase_ = phase::running;
                it_.emplace(std::ranges::begin(source_));
                return scan();
            case phase::finishing:
                break;
            case phase::ended:
                return nullptr;
            }
            return finishing();
        } catch (...) {
            phase_ = phase::ended;
            throw;
        }
    }

    // From the source element *it_ (not yet given to the step) on.
    out* scan() {
        for (;;) {
            if (*it_ == std::ranges::end(source_)) {
                return finishing();
            }
            if (out* o = step_(element())) {
                return o;
            }
            if (step_.done()) {
                return finishing();
            }
            ++*it_;
        }
    }

    out* finishing() {
        phase_ = phase::finishing;
        if (out* o = step_.finish()) {
            return o;
        }
        phase_ = phase::ended;
        return nullptr;
    }

    in& element() {
        if constexpr (by_address) {
            return **it_;
        } else {
            cache_.reset();
            return cache_.emplace(static_cast<in>(**it_));
        }
    }

    View source_;
    [[no_unique_address]] Step step_;
    std::optional<std::ranges::iterator_t<View>> it_;
    [[no_unique_address]] std::conditional_t<by_address, std::nullptr_t, std::optional<in>> cache_{};
    phase phase_ = phase::fresh;
};

// ---- composition (the `|` itself is in pipe.hpp) -----------------------------

namespace detail {

/// `range | step_closure`: the steps run inline over the range; an lvalue
/// range is referenced, an rvalue one moved in.
template <class Range, class Make>
auto fuse(Range&& range, step_closure<Make> closure) {
    using view = decltype(view_of(std::forward<Range>(range)));
    using s = decltype(closure.template step<element_of_t<Range>>());
    return fused_pipeline<view, s>{view_of(std::forward<Range>(range)), closure.template step<element_of_t<Range>>()};
}

/// `step_closure | step_closure`: one step closure, both fused.
template <class MakeA, class MakeB>
auto fuse(step_closure<MakeA> left, step_closure<MakeB> right) {
    return step_closure{[left = std::move(left), right = std::move(right)]<class In>() mutable {
        auto a = left.template step<In>();
        auto b = right.template step<typename decltype(a)::output_type>();
        return composed_step<decltype(a), decltype(b)>{std::move(a), std::move(b)};
    }};
}

} // namespace detail

} // namespace coropipe
