#pragma once

#include <coropipe/detail/frame_allocator.hpp>

#include <range/v3/range/concepts.hpp>

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

template <class T>
class generator;

/// What `co_yield coropipe::from(g)` yields: the elements of `g`, in place.
template <class T>
struct elements_of {
    generator<T> gen;
};

/// Delegates to a nested generator, Python's `yield from`:
/// `co_yield coropipe::from(walk(node->left));`.
///
/// The consumer resumes the innermost generator directly, so each element
/// costs O(1) whatever the nesting depth, and deep recursion does not grow
/// the stack. An exception escaping the nested
/// generator is rethrown at the `co_yield` in the delegating one.
template <class T>
[[nodiscard]] elements_of<T> from(generator<T> nested) noexcept {
    return {std::move(nested)};
}

namespace detail {
template <class T>
inline constexpr bool is_generator = false;
template <class T>
inline constexpr bool is_generator<generator<T>> = true;
} // namespace detail

/// Delegates to any input range whose elements convert to the generator's
/// element type.
template <std::ranges::input_range Range>
    requires(!detail::is_generator<std::remove_cvref_t<Range>>)
[[nodiscard]] auto from(Range&& range);

namespace detail {

template <class Range>
struct range_elements {
    Range range;
};

template <class T>
class generator_promise : public recycled_frame {
public:
    using value_type = std::remove_cvref_t<T>;
    using reference = std::conditional_t<std::is_reference_v<T>, T, T&>;
    using pointer = std::add_pointer_t<reference>;

    generator<T> get_return_object() noexcept;

    std::suspend_always initial_suspend() const noexcept { return {}; }

    auto final_suspend() noexcept {
        struct final_awaiter {
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<generator_promise> self) noexcept {
                generator_promise& p = self.promise();
                if (p.parent_) {
                    // The consumer's resume loop continues with the delegating
                    // generator, which rethrows our exception, if any, and
                    // destroys this frame.
                    p.root_->leaf_ = p.parent_;
                }
            }
            void await_resume() const noexcept {}
        };
        return final_awaiter{};
    }

    std::suspend_always yield_value(std::remove_reference_t<reference>& value) noexcept {
        root_->value_ = std::addressof(value);
        return {};
    }

    // A temporary lives until the end of the full expression, past the
    // suspension, so yielding one by reference is safe.
    std::suspend_always yield_value(std::remove_reference_t<reference>&& value) noexcept
        requires(!std::is_reference_v<T> || std::is_rvalue_reference_v<T>)
    {
        root_->value_ = std::addressof(value);
        return {};
    }

    // Anything else that makes an element (a const lvalue to copy, an
    // explicit conversion): stored in the awaiter, which lives across the
    // suspension.
    template <class U>
        requires(std::is_constructible_v<value_type, U &&> &&
                 !std::is_convertible_v<U &&, std::remove_reference_t<reference>&> &&
                 !std::is_convertible_v<U &&, std::remove_reference_t<reference> &&>)
    auto yield_value(U&& value) noexcept(std::is_nothrow_constructible_v<value_type, U&&>) {
        struct converted {
            value_type value;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<generator_promise> self) noexcept {
                self.promise().root_->value_ = std::addressof(value);
            }
            void await_resume() const noexcept {}
        };
        return converted{value_type(std::forward<U>(value))};
    }

    auto yield_value(elements_of<T>&& nested) noexcept {
        struct nested_awaiter {
            std::coroutine_handle<generator_promise> child;

            bool await_ready() const noexcept { return !child; }
            void await_suspend(std::coroutine_handle<generator_promise> self) noexcept {
                generator_promise& parent = self.promise();
                generator_promise& c = child.promise();
                c.root_ = parent.root_;
                c.parent_ = self;
                // The consumer's resume loop starts the child next.
                parent.root_->leaf_ = child;
            }
            void await_resume() {
                if (!child) {
                    return;
                }
                // The child finished: free it here, not in a destructor, so
                // that destroying a deep stack early stays iterative (see
                // generator::~generator).
                std::exception_ptr error = std::move(child.promise().error_);
                child.destroy();
                child = {};
                if (error) {
                    std::rethrow_exception(std::move(error));
                }
            }
        };
        return nested_awaiter{nested.gen.release()};
    }

    template <class Range>
    auto yield_value(range_elements<Range>&& nested) {
        return yield_value(elements_of<T>{walk_range(std::move(nested.range))});
    }

    void unhandled_exception() noexcept { error_ = std::current_exception(); }

    void return_void() const noexcept {}

    // no co_await inside a generator: it has no executor to resume it.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

private:
    template <class Range>
    static generator<T> walk_range(Range range) {
        for (auto&& element : range) {
            co_yield static_cast<decltype(element)&&>(element);
        }
    }

    friend class generator<T>;

    pointer value_ = nullptr;                                // on the root: the current element
    generator_promise* root_ = this;                         // outermost generator
    std::coroutine_handle<generator_promise> parent_;        // who delegated to us
    std::coroutine_handle<generator_promise> leaf_ = handle(); // on the root: innermost active
    std::exception_ptr error_;

    std::coroutine_handle<generator_promise> handle() noexcept {
        return std::coroutine_handle<generator_promise>::from_promise(*this);
    }
};

} // namespace detail

/// A lazy pull coroutine: `co_yield` produces the elements of an input range.
///
/// - The body starts at the first `begin()` (or `next()`), not at the call.
/// - Elements are yielded by reference: `*it` refers to the object named in
///   `co_yield`, valid until the next increment. Nothing is copied.
/// - An exception escaping the body surfaces, with its original type, from
///   the `begin()`, `++` or `next()` that resumed it.
/// - `co_yield coropipe::from(other)` delegates to a nested generator.
/// - Destroying the generator at any point destroys its frame and those of
///   the generators it delegates to, running every destructor in scope;
///   this is iterative, whatever the nesting depth.
///
/// A view for `std::ranges` and range-v3: `gen | std::views::take(3)` and
/// `gen | ranges::views::transform(f)` work. Move-only; one pass.
template <class T>
class [[nodiscard]] generator : public std::ranges::view_base {
public:
    using promise_type = detail::generator_promise<T>;
    using value_type = typename promise_type::value_type;
    using reference = typename promise_type::reference;

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using iterator_concept = std::input_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = generator::value_type;
        using reference = generator::reference;

        iterator() noexcept = default;

        reference operator*() const noexcept { return static_cast<reference>(*root_.promise().value_); }
        auto* operator->() const noexcept { return root_.promise().value_; }

        iterator& operator++() {
            resume(root_);
            return *this;
        }
        void operator++(int) { ++*this; }

        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
            return !it.root_ || it.root_.done();
        }

    private:
        friend class generator;
        explicit iterator(std::coroutine_handle<promise_type> root) noexcept : root_(root) {}
        std::coroutine_handle<promise_type> root_;
    };

    generator() noexcept = default;
    generator(generator&& other) noexcept : root_(std::exchange(other.root_, {})) {}
    generator& operator=(generator other) noexcept {
        std::swap(root_, other.root_);
        return *this;
    }
    ~generator() { destroy(); }

    /// Starts the body and runs it to its first `co_yield`. Call once.
    iterator begin() {
        if (root_ && !root_.done()) {
            resume(root_);
        }
        return iterator{root_};
    }
    std::default_sentinel_t end() const noexcept { return {}; }

    /// Python's `next()`: the next element, or empty when the generator has
    /// finished. Do not mix with iterating the same generator.
    std::optional<value_type> next() {
        if (!root_ || root_.done()) {
            return std::nullopt;
        }
        resume(root_);
        if (root_.done()) {
            return std::nullopt;
        }
        if constexpr (std::is_copy_constructible_v<value_type>) {
            return std::optional<value_type>(std::in_place, *root_.promise().value_);
        } else {
            return std::optional<value_type>(std::in_place, std::move(*root_.promise().value_));
        }
    }

    /// True once the body has returned or thrown.
    bool done() const noexcept { return !root_ || root_.done(); }

    /// Gives up ownership of the frame (for `from`).
    std::coroutine_handle<promise_type> release() noexcept { return std::exchange(root_, {}); }

private:
    friend promise_type;
    explicit generator(std::coroutine_handle<promise_type> root) noexcept : root_(root) {}

    // A trampoline rather than symmetric transfer between nested frames:
    // HACK(gcc-12): GCC does not emit the tail call for symmetric transfer under
    // -fsanitize=address (nor reliably at -O0; GCC PR 100897), and 100,000 nested frames
    // would then overflow the stack. Entering or leaving a nested generator
    // suspends back here and the loop resumes the new leaf: the stack stays
    // flat and each element still costs O(1) whatever the depth.
    static void resume(std::coroutine_handle<promise_type> root) {
        promise_type& p = root.promise();
        p.value_ = nullptr;
        do {
            p.leaf_.resume();
        } while (p.value_ == nullptr && !root.done());
        if (p.error_) [[unlikely]] {
            std::rethrow_exception(std::exchange(p.error_, {}));
        }
    }

    void destroy() noexcept {
        if (!root_) {
            return;
        }
        // Leaf first, then each delegating frame: no recursion, so a
        // generator nested 100,000 deep is destroyed with a flat stack.
        auto h = root_.promise().leaf_;
        while (h != root_) {
            auto parent = h.promise().parent_;
            h.destroy();
            h = parent;
        }
        root_.destroy();
        root_ = {};
    }

    std::coroutine_handle<promise_type> root_;
};

template <class T>
generator<T> detail::generator_promise<T>::get_return_object() noexcept {
    return generator<T>{handle()};
}

template <std::ranges::input_range Range>
    requires(!detail::is_generator<std::remove_cvref_t<Range>>)
[[nodiscard]] auto from(Range&& range) {
    return detail::range_elements<std::views::all_t<Range>>{std::views::all(std::forward<Range>(range))};
}

} // namespace coropipe

template <class T>
inline constexpr bool ranges::enable_view<coropipe::generator<T>> = true;
