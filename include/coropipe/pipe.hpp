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

template <class T>
inline constexpr bool is_stage = false;
template <class In, class Out>
inline constexpr bool is_stage<stage<In, Out>> = true;

template <class T>
inline constexpr bool is_pipeline = false;
template <class Out>
inline constexpr bool is_pipeline<pipeline<Out>> = true;

template <class T>
inline constexpr bool is_coroutine = false;
template <class Y, class S>
inline constexpr bool is_coroutine<coroutine<Y, S>> = true;

/// `G` is a `generator<In, R>` (or a reference to one).
template <class G, class In>
concept generator_of = requires(std::remove_cvref_t<G>& g) {
    { generator_access::root(g) } -> std::same_as<generator_frame<In>*>;
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
            it_.emplace(std::ranges::begin(view_));
            if constexpr (requires { generator_access::root(source_generator()); }) {
                // Begun (as a range: a generator partly consumed before goes
                // on where it was); from now on the head advances it directly.
                if (*it_ != std::ranges::end(view_)) {
                    head.set_input(input_mode::from_generator);
                    head.core()->generator = generator_access::root(source_generator());
                }
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
        requires(generator_of<View, In> || generator_of<decltype(std::declval<View&>().base()), In>)
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

/// Adapts a two-way sink coroutine (`coroutine<void, T>`) into a stage.
template <class T>
stage<T, void> send_to(coroutine<void, T> target) {
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

    detail::chain& chain() & noexcept { return chain_; }
    detail::chain&& chain() && noexcept { return std::move(chain_); }

    explicit pipeline(detail::chain c) noexcept : chain_(std::move(c)) {}

private:
    friend class detail::output_range<pipeline<Out>, Out>;
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
template <class In, class Out>
struct element_of<stage<In, Out>> {
    using type = Out;
};

template <class T>
using element_of_t = typename element_of<std::remove_cvref_t<T>>::type;

template <class T>
concept source_range = std::ranges::input_range<T> && !is_stage<std::remove_cvref_t<T>> &&
                       !is_closure<std::remove_cvref_t<T>>;

// A chain with a source: a pipeline, or, when it ends in a sink, run to
// its end right here (rethrowing what failed).
template <class Out>
auto complete(chain c) {
    if constexpr (std::is_void_v<Out>) {
        while (c.pull_next() != nullptr) {
        }
    } else {
        return pipeline<Out>{std::move(c)};
    }
}

} // namespace detail

/// `stage | stage`: one stage that feeds the first into the second.
template <class A, class B, class C>
stage<A, C> operator|(stage<A, B>&& first, stage<B, C>&& second) {
    detail::chain c = std::move(first).chain();
    c.append(std::move(second).chain());
    return stage<A, C>{std::move(c)};
}

/// `pipeline | stage`: appends a stage. With a sink, runs the pipeline to its
/// end here (eager) and returns nothing; exceptions come out of the `|`.
template <class B, class C>
auto operator|(pipeline<B>&& source, stage<B, C>&& next) {
    detail::chain c = std::move(source).chain();
    c.append(std::move(next).chain());
    return detail::complete<C>(std::move(c));
}

/// `range | stage`: the stage pulls from any input range (a generator, a
/// container, a range-v3 or std view). An lvalue range is referenced, an
/// rvalue one is moved into the pipeline.
template <detail::source_range Range, class In, class Out>
    requires(!detail::is_pipeline<std::remove_cvref_t<Range>>)
auto operator|(Range&& range, stage<In, Out>&& first) {
    using view = std::views::all_t<Range>;
    detail::chain c = std::move(first).chain();
    c.attach(std::make_unique<detail::range_source<view, In>>(std::views::all(std::forward<Range>(range))));
    return detail::complete<Out>(std::move(c));
}

/// `x | closure`: builds the closure's stage for x's element type.
template <class Left, class Make>
    requires(detail::source_range<Left> || detail::is_stage<std::remove_cvref_t<Left>>)
auto operator|(Left&& left, stage_closure<Make> closure) {
    using in = detail::element_of_t<Left>;
    return std::forward<Left>(left) | closure.template build<in>();
}

/// `closure | closure` and `closure | stage`: still waiting for an input type.
template <class Make, class Right>
    requires(detail::is_closure<std::remove_cvref_t<Right>> || detail::is_stage<std::remove_cvref_t<Right>>)
auto operator|(stage_closure<Make> left, Right&& right) {
    return stage_closure{[left = std::move(left), right = std::forward<Right>(right)]<class In>() mutable {
        return left.template build<In>() | std::move(right);
    }};
}

/// `x | coroutine<void, T>`: ends a pipeline in a two-way sink coroutine
/// (Beazley's `printer()`), which receives each element by `send`.
template <class Left, class T>
    requires(detail::source_range<Left> || detail::is_stage<std::remove_cvref_t<Left>>)
auto operator|(Left&& left, coroutine<void, T>&& target) {
    return std::forward<Left>(left) | detail::send_to<T>(std::move(target));
}

// Stages, pipelines and coroutines are move-only handles to frames: an lvalue
// on either side of `|` is a mistake. Write `std::move(s) | ...`.
template <class Left, class In, class Out>
void operator|(Left&&, stage<In, Out>&) = delete;
template <class In, class Out, class Right>
void operator|(stage<In, Out>&, Right&&) = delete;

} // namespace coropipe
