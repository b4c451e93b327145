#pragma once

#include <coropipe/coroutine.hpp>
#include <coropipe/detail/chain.hpp>
#include <coropipe/stage.hpp>

#include <concepts>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

namespace coropipe {

template <class Out>
class pipeline;

namespace detail {

/// `T` is a stage: a `stage<In, Out>` or a type derived from one (such as
/// what `grep` returns).
template <class T>
concept stage_like = requires {
    typename T::input_type;
    typename T::output_type;
} && std::derived_from<T, stage<typename T::input_type, typename T::output_type>>;

template <class T>
inline constexpr bool is_pipeline = false;
template <class Out>
inline constexpr bool is_pipeline<pipeline<Out>> = true;

/// A two-way coroutine that only receives (Beazley's `printer()`): it can
/// end a pipeline.
template <class T>
inline constexpr bool is_coroutine_sink = false;
template <class T, class R>
inline constexpr bool is_coroutine_sink<coroutine<void, T, R>> = true;

/// `G` is a `generator<In, R>` (or a reference to one).
template <class G, class In>
concept generator_of = requires(std::remove_cvref_t<G>& g) {
    { generator_access::root(g) } -> std::same_as<generator_frame<In>*>;
};

/// `V` is a view over a `generator<In, R>` (its `base()` is one).
template <class V, class In>
concept generator_view_of = requires(std::remove_cvref_t<V>& v) {
    { v.base() } -> generator_of<In>;
};

/// Feeds the head stage from an input range (owned if it was an rvalue).
template <class View, class In>
class range_source final : public source_base {
    using reference = std::ranges::range_reference_t<View>;
    // Point straight at the range's element when it is a non-const lvalue
    // of the stage's input type; otherwise keep a converted copy.
    static constexpr bool by_address =
        std::is_lvalue_reference_v<reference> && std::is_same_v<std::remove_reference_t<reference>, In>;

public:
    explicit range_source(View view) : view_(std::move(view)) {}

    void* pull(stage_links& head) override {
        if (it_) [[likely]] {
            ++*it_;
        } else {
            if constexpr (requires { generator_access::root(source_generator()); }) {
                // A generator partly consumed before goes on with the element
                // after its current one; from now on the head advances it
                // directly.
                it_.emplace(generator_access::begin_after_current(source_generator()));
                if (*it_ != std::ranges::end(view_)) {
                    head.set_input(input_mode::from_generator);
                    head.core()->generator = generator_access::root(source_generator());
                }
            } else {
                it_.emplace(std::ranges::begin(view_));
            }
        }
        if (*it_ == std::ranges::end(view_)) {
            return nullptr;
        }
        if constexpr (by_address) {
            return std::addressof(**it_);
        } else {
            cache_.reset();
            cache_.emplace(static_cast<In>(**it_));
            return std::addressof(*cache_);
        }
    }

private:
    // The source, if it is a `generator<In, R>` (moved in or referenced).
    auto& source_generator() noexcept
        requires(generator_of<View, In> || generator_view_of<View, In>)
    {
        if constexpr (generator_of<View, In>) {
            return view_;
        } else {
            return view_.base();
        }
    }

    View view_;
    std::optional<std::ranges::iterator_t<View>> it_;
    [[no_unique_address]] std::conditional_t<by_address, std::nullptr_t, std::optional<In>> cache_{};
};

/// Adapts a two-way sink coroutine (`coroutine<void, T, R>`) into a stage.
template <class T, class R>
stage<T, void> send_to(coroutine<void, T, R> target) {
    while (T* value = co_await input) {
        if (!target.send(*value)) {
            co_return;
        }
    }
}

} // namespace detail

/// A pipeable stage factory: `grep("x")` before its input type is known.
/// `make.template operator()<In>()` builds the stage for input type `In`.
/// (In namespace coropipe, not detail, so that `x | closure` finds the
/// operators by argument-dependent lookup.)
template <class Make>
struct stage_closure {
    Make make;
    template <class In>
    auto build() {
        return make.template operator()<In>();
    }
};

template <class Make>
stage_closure(Make) -> stage_closure<Make>;

// The closures and the range of fused element stages (fused.hpp).
template <class MakeStep>
struct step_closure;
template <class View, class Step>
class fused_pipeline;

namespace detail {
// fused.hpp: `range | step_closure` and `step_closure | step_closure`.
template <class Range, class Make>
auto fuse(Range&& range, step_closure<Make> closure);
template <class MakeA, class MakeB>
auto fuse(step_closure<MakeA> left, step_closure<MakeB> right);

template <class T>
inline constexpr bool is_fused = false;
template <class V, class S>
inline constexpr bool is_fused<fused_pipeline<V, S>> = true;

template <class T>
inline constexpr bool is_closure = false;
template <class M>
inline constexpr bool is_closure<stage_closure<M>> = true;
template <class M>
inline constexpr bool is_closure<step_closure<M>> = true;
template <class T>
inline constexpr bool is_step_closure = false;
template <class M>
inline constexpr bool is_step_closure<step_closure<M>> = true;
} // namespace detail

/// Makes a pipeable closure from a generic factory:
/// `auto s = coropipe::make_closure([=]<class In>() { return my_stage<In>(arg); });`
template <class Make>
auto make_closure(Make make) {
    return stage_closure<Make>{std::move(make)};
}

namespace detail {

/// What `pipeline` and `fused_pipeline` share: an input range over the `Out`s
/// that `Derived::advance()` makes one at a time (null at the end; its
/// `advance_from_output()` may assume the last call gave an output). `*it`
/// refers to the latest, valid until the next increment.
template <class Derived, class Out>
class output_range {
public:
    using value_type = std::remove_cv_t<Out>;

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using iterator_concept = std::input_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = output_range::value_type;
        using reference = Out&;

        iterator() noexcept = default;
        reference operator*() const noexcept { return *value_; }
        Out* operator->() const noexcept { return value_; }
        iterator& operator++() {
            value_ = range_->advance_from_output();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return it.value_ == nullptr; }

    private:
        friend class output_range;
        iterator(Derived* r, Out* v) noexcept : range_(r), value_(v) {}
        Derived* range_ = nullptr;
        Out* value_ = nullptr;
    };

    /// Starts and runs to the first output. Call once.
    iterator begin() { return iterator{self(), self()->advance()}; }
    std::default_sentinel_t end() const noexcept { return {}; }

    /// Python's `next()`: the next output, or empty at the end.
    std::optional<value_type> next() {
        if (Out* v = self()->advance()) {
            return std::optional<value_type>(std::in_place, *v);
        }
        return std::nullopt;
    }

    /// Runs to the end, discarding the outputs; returns how many there were.
    std::size_t drain() {
        std::size_t n = 0;
        while (self()->advance() != nullptr) {
            ++n;
        }
        return n;
    }

private:
    Derived* self() noexcept { return static_cast<Derived*>(this); }
};

} // namespace detail

/// A pipeline with a source: an input range of the last stage's outputs.
///
/// Made by `range | stage`. Lazy: nothing runs until `begin()`. Each
/// increment runs the chain until the last stage yields; `*it` refers to that
/// output, valid until the next increment. An exception from the source or
/// any stage surfaces from `begin()` or `++`. Destroying the pipeline
/// destroys every stage where it waits, then the source. Move-only; one pass.
/// `next()` is Python's `next()`; `drain()` runs it to the end.
template <class Out>
class [[nodiscard]] pipeline : public detail::output_range<pipeline<Out>, Out> {
public:
    pipeline() noexcept = default;
    pipeline(pipeline&&) noexcept = default;
    pipeline& operator=(pipeline&&) noexcept = default;

private:
    friend class detail::output_range<pipeline<Out>, Out>;
    friend struct detail::chain_access;
    explicit pipeline(detail::chain c) noexcept : chain_(std::move(c)) {}

    Out* advance() { return static_cast<Out*>(chain_.pull_next()); }
    Out* advance_from_output() { return static_cast<Out*>(chain_.pull_next_from_output()); }

    detail::chain chain_;
};

// ---- composition ------------------------------------------------------------

namespace detail {

template <class T>
struct element_of {
    using type = std::ranges::range_value_t<T>;
};
template <stage_like T>
struct element_of<T> {
    using type = typename T::output_type;
};

template <class T>
using element_of_t = typename element_of<std::remove_cvref_t<T>>::type;

/// `range` as a view a pipeline can hold: an lvalue range referenced (also a
/// move-only view such as a named generator, which `std::views::all` does
/// not take), an rvalue one moved in.
template <class Range>
auto view_of(Range&& range) {
    if constexpr (std::is_lvalue_reference_v<Range>) {
        return std::ranges::ref_view<std::remove_reference_t<Range>>(range);
    } else {
        return std::views::all(std::move(range));
    }
}

/// A range that can feed a pipeline: any input range but a stage or closure.
template <class T>
concept source_range = std::ranges::input_range<T> && !stage_like<std::remove_cvref_t<T>> &&
                       !is_closure<std::remove_cvref_t<T>>;

/// What may stand left of `|`: a source range, a stage, a closure.
template <class L>
concept pipe_left = source_range<L> || stage_like<std::remove_cvref_t<L>> || is_closure<std::remove_cvref_t<L>>;

/// What may stand right of `|`: a stage, a closure, a sink coroutine.
template <class R>
concept pipe_right = stage_like<R> || is_closure<R> || is_coroutine_sink<R>;

/// `L`'s elements (or outputs) can be `In`s: by address, or converted.
template <class L, class In>
concept feeds = (stage_like<std::remove_cvref_t<L>> &&
                 std::same_as<typename std::remove_cvref_t<L>::output_type, In>) ||
                (source_range<L> && (std::same_as<std::ranges::range_reference_t<L>, In&> ||
                                     std::is_constructible_v<In, std::ranges::range_reference_t<L>>));

/// A left operand that takes the right one itself: `left.then(right)` (a
/// `fused_pipeline` fusing one more step, a `line_source` searching whole
/// buffers for a `grep`).
template <class L, class R>
concept extended_by = requires(L&& left, R&& right) { std::forward<L>(left).then(std::forward<R>(right)); };

/// A stage, pipeline or coroutine is a move-only handle to frames, and a
/// fused pipeline moves its source along: an lvalue of one piped with `|`.
template <class L, class R>
concept lvalue_piped =
    pipe_right<std::remove_cvref_t<R>> && pipe_left<L> &&
    ((std::is_lvalue_reference_v<L> &&
      (stage_like<std::remove_cvref_t<L>> || is_pipeline<std::remove_cvref_t<L>> ||
       (is_fused<std::remove_cvref_t<L>> && is_step_closure<std::remove_cvref_t<R>>))) ||
     (std::is_lvalue_reference_v<R> &&
      (stage_like<std::remove_cvref_t<R>> || is_coroutine_sink<std::remove_cvref_t<R>>)));

template <class R>
struct sink_input;
template <class T, class R>
struct sink_input<coroutine<void, T, R>> {
    using type = T;
};

/// `left | right` is defined.
template <class L, class R>
concept pipeable =
    !lvalue_piped<L, R> &&
    (extended_by<L, R> ||
     (is_closure<std::remove_cvref_t<L>> && pipe_right<std::remove_cvref_t<R>>) ||
     (pipe_left<L> && !is_closure<std::remove_cvref_t<L>> &&
      (is_closure<std::remove_cvref_t<R>> ||
       (stage_like<std::remove_cvref_t<R>> && feeds<L, typename std::remove_cvref_t<R>::input_type>) ||
       (is_coroutine_sink<std::remove_cvref_t<R>> &&
        feeds<L, typename sink_input<std::remove_cvref_t<R>>::type>))));

/// What stages and pipelines are made of, for `|` only.
struct chain_access {
    template <class S>
    static chain take(S&& s) noexcept {
        return std::move(s.chain_);
    }
    template <class S>
    static S make(chain c) noexcept {
        return S{std::move(c)};
    }
};

// A chain with a source: a pipeline, or, when it ends in a sink, run to
// its end right here (rethrowing what failed).
template <class Out>
auto complete(chain c) {
    if constexpr (std::is_void_v<Out>) {
        while (c.pull_next() != nullptr) {
        }
    } else {
        return chain_access::make<pipeline<Out>>(std::move(c));
    }
}

/// The work of `|`, for every pair that `pipeable` admits.
template <class L, class R>
auto pipe(L&& left, R&& right) {
    using l = std::remove_cvref_t<L>;
    using r = std::remove_cvref_t<R>;
    if constexpr (extended_by<L, R>) {
        return std::forward<L>(left).then(std::forward<R>(right));
    } else if constexpr (is_step_closure<l> && is_step_closure<r>) {
        return fuse(std::forward<L>(left), std::forward<R>(right)); // one step closure
    } else if constexpr (is_closure<l>) {
        // Still waiting for an input type: a closure that builds the left
        // side, then pipes it on.
        return stage_closure{[left = std::forward<L>(left), right = std::forward<R>(right)]<class In>() mutable {
            return pipe(left.template build<In>(), std::move(right));
        }};
    } else if constexpr (is_step_closure<r> && source_range<L>) {
        return fuse(std::forward<L>(left), std::forward<R>(right)); // a fused_pipeline
    } else if constexpr (is_closure<r>) {
        return pipe(std::forward<L>(left), right.template build<element_of_t<L>>());
    } else if constexpr (is_coroutine_sink<r>) {
        return pipe(std::forward<L>(left), send_to(std::move(right)));
    } else {
        using in = typename r::input_type;
        using out = typename r::output_type;
        chain c = chain_access::take(static_cast<stage<in, out>&&>(right));
        if constexpr (stage_like<l>) {
            // stage | stage: one stage that feeds the first into the second.
            chain first = chain_access::take(static_cast<stage<typename l::input_type, in>&&>(left));
            first.append(std::move(c));
            return chain_access::make<stage<typename l::input_type, out>>(std::move(first));
        } else if constexpr (is_pipeline<l>) {
            chain first = chain_access::take(std::move(left));
            first.append(std::move(c));
            return complete<out>(std::move(first));
        } else {
            using view = decltype(view_of(std::forward<L>(left)));
            c.attach(std::make_unique<range_source<view, in>>(view_of(std::forward<L>(left))));
            return complete<out>(std::move(c));
        }
    }
}

} // namespace detail

/// The one `|` of coropipe, for every pair `detail::pipeable` admits (one
/// mechanism, as range-v3's; the work is `detail::pipe`):
///
/// - `range | stage<In, Out>`: a `pipeline<Out>`, a lazy input range; with
///   a sink (`Out = void`), the pipeline runs to its end right here (eager,
///   exceptions come out of the `|`). An lvalue range is referenced and
///   must outlive the pipeline; an rvalue one (a generator) is moved in.
/// - `pipeline | stage`, `stage | stage`: appended, a longer pipeline (run
///   here if it ends in a sink) or a longer stage.
/// - `x | closure` (`grep(p)`, `filter(f)`, `make_closure(...)`): the
///   closure's stage for x's element type; after a range, fused element
///   stages (`filter`, `take`, ...) make a `fused_pipeline` instead.
/// - `x | coroutine<void, T>`: ends in a two-way sink coroutine (Beazley's
///   `printer()`), which receives each element by `send`.
/// - `closure | y`: a closure, still waiting for an input type (steps fuse).
/// - A left operand with a `then(right)` member takes the right one itself:
///   `fused_pipeline | filter(f)` fuses, `lines(path) | grep(p)` searches
///   whole buffers.
template <class Left, class Right>
    requires detail::pipeable<Left, Right>
auto operator|(Left&& left, Right&& right) {
    return detail::pipe(std::forward<Left>(left), std::forward<Right>(right));
}

// Stages, pipelines and two-way coroutines are move-only handles to frames,
// and a fused pipeline moves its source along: an lvalue of one on either
// side of `|` would be copied. The compiler quotes the line below.
template <class Left, class Right>
    requires detail::lvalue_piped<Left, Right>
void operator|(Left&&, Right&&) = delete; // a named stage or pipeline: write std::move(s) | ..., x | std::move(s)

} // namespace coropipe
