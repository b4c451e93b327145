#pragma once

#include <coropipe/detail/delegation_stack.hpp>
#include <coropipe/detail/element_slot.hpp>
#include <coropipe/detail/frame_allocator.hpp>
#include <coropipe/detail/return_slot.hpp>
#include <coropipe/error.hpp>

#include <range/v3/range/concepts.hpp>
#include <range/v3/view/view.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

namespace coropipe {

template <class T, class Return = void>
class generator;

/// What `co_yield coropipe::from(g)` yields: the elements of `g`, in place.
/// The `co_yield` expression is `g`'s return value (`Return`).
template <class T, class Return>
struct elements_of {
    generator<T, Return> gen;
};

/// Delegates to a nested generator, Python's `yield from`:
/// `co_yield coropipe::from(walk(node->left));`, and
/// `auto total = co_yield coropipe::from(sub);` receives what `sub` returned
/// with `co_return total;`.
///
/// The consumer resumes the innermost generator directly, so each element
/// costs O(1) whatever the nesting depth, and deep recursion does not grow
/// the stack. `g` may have been partly consumed already: delegation goes on
/// with its next element. A finished `g` yields nothing. An exception
/// escaping the nested generator is rethrown at the `co_yield` in the
/// delegating one.
template <class T, class Return>
[[nodiscard]] elements_of<T, Return> from(generator<T, Return> nested) noexcept {
    return {std::move(nested)};
}

namespace detail {
template <class T>
inline constexpr bool is_generator = false;
template <class T, class R>
inline constexpr bool is_generator<generator<T, R>> = true;
} // namespace detail

/// Delegates to any input range whose elements convert to the generator's
/// element type.
template <std::ranges::input_range Range>
    requires(!detail::is_generator<std::remove_cvref_t<Range>>)
[[nodiscard]] auto from(Range&& range);

namespace detail {

template <class T>
class generator_frame;

template <class Range>
struct range_elements {
    Range range;
};

/// What a pulled stage chain uses to take its elements straight from a
/// `generator<T, R>` source (see `input_mode::from_generator`).
struct generator_access {
    template <class T, class R>
    static auto* root(generator<T, R>& gen) noexcept {
        return static_cast<generator_frame<T>*>(gen.root_);
    }
    // The next element, or null at the end (which it rethrows an exception of).
    template <class T>
    static auto* advance(generator_frame<T>* root) {
        return root->advance();
    }
    // After a resume of the leaf gave no element: the next element, or null
    // at the end (as `advance`).
    template <class T>
    static auto* settle(generator_frame<T>* root) {
        return root->settle();
    }
    // The leaf's frame, to resume directly and read the element from its
    // slot (`element_slot_at`); null if its slot is not at the start of its
    // promise (an over-aligned `co_return` type): then go through `advance`.
    template <class T>
    static void* leaf_frame(generator_frame<T>* root) noexcept {
        void* frame = root->leaf_handle_.address();
        element_slot* leaf = root->leaf();
        return element_slot_at(frame) == leaf ? frame : nullptr;
    }
    // An iterator at the first element not handed out yet: a started
    // generator goes on after its current element, as `co_yield from(g)`
    // does (a second `begin()` alone would give the current one again).
    template <class T, class R>
    static auto begin_after_current(generator<T, R>& gen) {
        gen.taken_ = true;
        return gen.begin();
    }
};

/// The part of a generator's promise that depends only on its element type:
/// how elements are handed out and how delegation is wired.
///
/// Every frame of a delegation stack points at the outermost one, the
/// *root*, which holds the innermost active frame, the *leaf*
/// (`delegation_stack`); the consumer resumes the leaf directly. Every
/// suspension sets the suspending frame's own element slot (`slot`, first in
/// its promise): to the element at a `co_yield`, to null when the leaf
/// changes (entering or leaving a nested generator) or the frame finishes.
/// So after one resume, a non-null slot in the frame just resumed is the
/// whole story (the fast path: one indirect call and one load from a known
/// address, as in a minimal generator); null sends the consumer to `settle`.
/// A stage pulling from a generator does the same (`generator_access`).
template <class T>
class generator_frame : public element_slot, public delegation_stack<generator_frame<T>> {
public:
    using value_type = std::remove_cvref_t<T>;
    using reference = std::conditional_t<std::is_reference_v<T>, T, T&>;
    using pointer = std::add_pointer_t<reference>;

    std::suspend_always initial_suspend() const noexcept { return {}; }

    // At the end, the delegating frame (if any) goes on: see `leave`.
    typename generator_frame::final_awaiter final_suspend() const noexcept { return {}; }

    std::suspend_always yield_value(std::remove_reference_t<reference>& value) noexcept {
        hold(std::addressof(value));
        return {};
    }

    // A temporary lives until the end of the full expression, past the
    // suspension, so yielding one by reference is safe.
    std::suspend_always yield_value(std::remove_reference_t<reference>&& value) noexcept
        requires(!std::is_reference_v<T> || std::is_rvalue_reference_v<T>)
    {
        hold(std::addressof(value));
        return {};
    }

    // Anything else that makes an element (a const lvalue to copy, an
    // explicit conversion): stored in the awaiter, which lives across the
    // suspension.
    struct converted {
        value_type value;
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        void await_suspend(std::coroutine_handle<Promise> self) noexcept {
            self.promise().hold(std::addressof(value));
        }
        void await_resume() const noexcept {}
    };
    template <class U>
        requires(std::is_constructible_v<value_type, U &&> &&
                 !std::is_convertible_v<U &&, std::remove_reference_t<reference>&> &&
                 !std::is_convertible_v<U &&, std::remove_reference_t<reference> &&>)
    converted yield_value(U&& value) noexcept(std::is_nothrow_constructible_v<value_type, U&&>) {
        return converted{value_type(std::forward<U>(value))};
    }

    template <class R>
    auto yield_value(elements_of<T, R>&& nested) noexcept {
        struct nested_awaiter {
            generator_frame* parent;
            typename generator<T, R>::frame_type* child; // owned; null for a moved-from generator

            // A finished generator has nothing more to yield (Python's
            // `yield from` on an exhausted generator): no suspension.
            bool await_ready() const noexcept { return child == nullptr || child->self_.done(); }
            void await_suspend(std::coroutine_handle<>) const noexcept { parent->enter(*child); }
            R await_resume() { return generator_frame::template finish_child<R>(child, "coropipe::from"); }
        };
        return nested_awaiter{this, std::move(nested.gen).release()};
    }

    template <class Range>
    auto yield_value(range_elements<Range>&& nested) {
        return yield_value(elements_of<T, void>{walk_range(std::move(nested.range))});
    }

    // no co_await inside a generator: it has no executor to resume it.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

private:
    template <class, class>
    friend class coropipe::generator;
    template <class, class, class>
    friend class generator_promise;
    friend class delegation_stack<generator_frame>;
    friend struct generator_access;

    template <class Range>
    static generator<T> walk_range(Range range) {
        for (auto&& element : range) {
            co_yield static_cast<decltype(element)&&>(element);
        }
    }

    // At a `co_yield from(child)` in this frame.
    void enter(generator_frame& child) noexcept {
        generator_frame* new_leaf = this->adopt(child);
        child.leaf_handle_ = child.self_;
        this->root()->leaf_handle_ = new_leaf->self_;
        this->slot = nullptr; // not an element: the consumer's loop resumes the new leaf
    }

    // At the final suspend: the consumer's loop goes on with the delegating
    // frame, if any.
    void leave() noexcept {
        this->slot = nullptr;
        if (generator_frame* parent = this->pop()) {
            this->root()->leaf_handle_ = parent->self_;
        }
    }

    // On the root: runs to the next element and returns it, or null at the end.
    pointer advance() {
        generator_frame* leaf = this->leaf();
        leaf_handle_.resume();
        pointer value = leaf->value();
        if (value == nullptr) [[unlikely]] {
            value = settle();
        }
        return value;
    }

    // On the root, when the last resume changed the leaf or finished.
    // HACK(gcc-12): a trampoline rather than symmetric transfer between
    // nested frames: GCC does not emit the tail call for symmetric transfer
    // under -fsanitize=address (nor reliably at -O0; GCC PR 100897), and
    // 100,000 nested frames would then overflow the stack. Entering or
    // leaving a nested generator suspends back here and the loop resumes the
    // new leaf: the stack stays flat and each element still costs O(1).
    [[gnu::noinline, gnu::cold]] pointer settle() {
        while (!this->self_.done()) {
            generator_frame* leaf = this->leaf();
            leaf_handle_.resume();
            if (leaf->slot != nullptr) {
                return leaf->value();
            }
        }
        if (this->error_) [[unlikely]] {
            std::rethrow_exception(std::exchange(this->error_, {}));
        }
        return nullptr;
    }

    // Before the first resume, and only then, a live root has no element and
    // delegates to nothing.
    bool started() const noexcept { return this->slot != nullptr || this->delegating() || this->self_.done(); }

    // On the root: the current element, or null before the start or at the end.
    pointer current() const noexcept { return this->leaf()->value(); }

    [[gnu::noinline]] void destroy() noexcept { this->destroy_stack(); }

    // The element at this frame's co_yield, kept in `slot` (first in the
    // frame's promise, where a stage pulling from it finds it).
    pointer value() const noexcept { return static_cast<pointer>(this->slot); }
    void hold(pointer value) noexcept { this->slot = const_cast<void*>(static_cast<const volatile void*>(value)); }

    std::coroutine_handle<> leaf_handle_;  // on the root: the leaf, to resume
};

/// A generator's promise: its frame, its `co_return` and its frame memory.
template <class T, class R>
class generator_returning : public generator_frame<T>, public return_slot<R> {};

template <class T, class R, class Alloc>
class generator_promise : public generator_returning<T, R>, public frame_memory<Alloc> {
public:
    generator<T, R> get_return_object() noexcept {
        this->self_ = std::coroutine_handle<generator_promise>::from_promise(*this);
        this->leaf_handle_ = this->self_;
        return generator<T, R>{this};
    }
};

/// A move-only coropipe range shared by copies, so that range-v3 (0.12, whose
/// views must be copyable) can take a temporary: one pass, like the range.
template <class Range>
class shared_range : public ranges::view_base {
public:
    shared_range() = default;
    explicit shared_range(Range&& range) : range_(std::make_shared<Range>(std::move(range))) {}
    auto begin() const { return range_->begin(); }
    auto end() const { return range_->end(); }

private:
    std::shared_ptr<Range> range_;
};

} // namespace detail

/// A lazy pull coroutine: `co_yield` produces the elements of an input range,
/// and `co_return v;` (when `Return` is not void) its result.
///
/// - The body starts at the first `begin()` (or `next()`), not at the call.
///   A later `begin()` does not advance: it returns an iterator at the
///   current element (Python's `iter(g) is g`).
/// - Elements are yielded by reference: `*it` refers to the object named in
///   `co_yield`, valid until the next increment. Nothing is copied.
/// - An exception escaping the body surfaces, with its original type, from
///   the `begin()`, `++` or `next()` that resumed it.
/// - `co_yield coropipe::from(other)` delegates to a nested generator and
///   evaluates to its return value.
/// - Destroying the generator at any point destroys its frame and those of
///   the generators it delegates to, running every destructor in scope;
///   this is iterative, whatever the nesting depth.
/// - `(std::allocator_arg_t, Alloc, ...)` as the first parameters (after
///   the object, for a member function) takes the frame from `Alloc`;
///   otherwise it comes from coropipe's per-thread frame cache.
///
/// A view for `std::ranges` and range-v3: `gen | std::views::take(3)` and
/// `gen | ranges::views::transform(f)` work, for a named generator and a
/// temporary. Move-only; one pass. Not thread-safe: resume it from one
/// thread at a time.
template <class T, class Return>
class [[nodiscard]] generator : public std::ranges::view_base {
public:
    using promise_type = detail::generator_promise<T, Return, void>;
    template <class Alloc>
    using promise_for = detail::generator_promise<T, Return, Alloc>; // (std::allocator_arg_t, Alloc, ...)
    using value_type = typename detail::generator_frame<T>::value_type;
    using reference = typename detail::generator_frame<T>::reference;

private:
    using frame_type = detail::generator_returning<T, Return>;
    using pointer = typename detail::generator_frame<T>::pointer;

public:

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using iterator_concept = std::input_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = generator::value_type;
        using reference = generator::reference;

        iterator() noexcept = default;

        reference operator*() const noexcept { return static_cast<reference>(*value_); }
        auto* operator->() const noexcept { return value_; }

        iterator& operator++() {
            // The leaf, as in a minimal generator: one load to resume it, one
            // from a known address for the element.
            leaf_handle_.resume();
            value_ = leaf_->value();
            if (value_ == nullptr) [[unlikely]] {
                settle();
            }
            return *this;
        }
        void operator++(int) { ++*this; }

        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return it.value_ == nullptr; }

    private:
        using frame = detail::generator_frame<T>;
        friend class generator;
        iterator(frame* root, pointer value) noexcept
            : root_(root), leaf_(root->leaf()), leaf_handle_(root->leaf_handle_), value_(value) {}

        // The leaf changed, or the generator finished.
        void settle() {
            value_ = root_->settle(); // null if it throws: the generator has finished
            leaf_ = root_->leaf();
            leaf_handle_ = root_->leaf_handle_;
        }

        frame* root_ = nullptr;
        frame* leaf_ = nullptr;                // root_'s leaf, cached
        std::coroutine_handle<> leaf_handle_; // and its handle
        pointer value_ = nullptr;             // the current element: null at the end
    };

    generator() noexcept = default;
    generator(generator&& other) noexcept
        : root_(std::exchange(other.root_, nullptr)), taken_(std::exchange(other.taken_, false)) {}
    generator& operator=(generator other) noexcept {
        std::swap(root_, other.root_);
        std::swap(taken_, other.taken_);
        return *this;
    }
    ~generator() {
        if (root_ != nullptr) {
            root_->destroy();
        }
    }

    /// The first call starts the body and runs it to its first `co_yield`.
    /// A later call does not advance: it returns an iterator at the current
    /// element, unless `next()` has handed that one out, in which case it
    /// goes on to the next (Python's `for x in g` after `next(g)`).
    iterator begin() {
        if (done()) {
            return {};
        }
        if (!root_->started() || std::exchange(taken_, false)) {
            return iterator{root_, root_->advance()};
        }
        return iterator{root_, root_->current()};
    }
    std::default_sentinel_t end() const noexcept { return {}; }

    /// Python's `next()`: the next element (a copy, or moved out if it
    /// cannot be copied), or empty when the generator has finished. After
    /// `begin()`, the element after the iterator's.
    std::optional<value_type> next() {
        if (done()) {
            return std::nullopt;
        }
        auto* value = root_->advance();
        taken_ = true;
        if (value == nullptr) {
            return std::nullopt;
        }
        if constexpr (std::is_copy_constructible_v<value_type>) {
            return std::optional<value_type>(std::in_place, *value);
        } else {
            return std::optional<value_type>(std::in_place, std::move(*value));
        }
    }

    /// True once the body has returned or thrown.
    bool done() const noexcept { return root_ == nullptr || root_->self_.done(); }

    /// What the body returned with `co_return v;` (Python's
    /// `StopIteration.value`), valid while the generator lives. Throws
    /// `coropipe::error` if it has not returned a value.
    template <class R = Return>
        requires(!std::is_void_v<R>)
    R& result() {
        return detail::result_of<R>(root_, "coropipe::generator::result");
    }

private:
    template <class, class, class>
    friend class detail::generator_promise;
    friend class detail::generator_frame<T>;
    friend struct detail::generator_access;

    explicit generator(frame_type* root) noexcept : root_(root) {}

    frame_type* release() && noexcept { return std::exchange(root_, nullptr); }

    frame_type* root_ = nullptr;
    bool taken_ = false; // next() has handed out the current element
};

template <std::ranges::input_range Range>
    requires(!detail::is_generator<std::remove_cvref_t<Range>>)
[[nodiscard]] auto from(Range&& range) {
    return detail::range_elements<std::views::all_t<Range>>{std::views::all(std::forward<Range>(range))};
}

/// `generator | ranges::views::...` for a temporary generator: range-v3 0.12
/// takes only copyable views, so the generator is shared by the view's
/// copies (one pass, as always). A named generator is referenced as usual.
template <class T, class R, class ViewFn>
auto operator|(generator<T, R>&& gen, const ranges::views::view_closure<ViewFn>& view) {
    return detail::shared_range<generator<T, R>>(std::move(gen)) | view;
}

} // namespace coropipe

template <class T, class R>
inline constexpr bool ranges::enable_view<coropipe::generator<T, R>> = true;
