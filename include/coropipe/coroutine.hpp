#pragma once

#include <coropipe/detail/delegation_stack.hpp>
#include <coropipe/detail/frame_allocator.hpp>
#include <coropipe/detail/return_slot.hpp>
#include <coropipe/error.hpp>

#include <concepts>
#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace coropipe {

template <class Yield, class Send = void, class Return = void>
class coroutine;

namespace detail {
template <class Yield, class Send>
class coroutine_frame;
} // namespace detail

/// What `co_yield coropipe::from(sub)` takes inside a coroutine: `sub`, to
/// delegate to. The `co_yield` expression is `sub`'s return value.
template <class Yield, class Send, class Return>
class [[nodiscard]] delegation {
public:
    explicit delegation(coroutine<Yield, Send, Return> sub) noexcept : sub_(std::move(sub)) {}

private:
    friend class detail::coroutine_frame<Yield, Send>;
    coroutine<Yield, Send, Return> sub_;
};

/// Delegates to a nested two-way coroutine, PEP 380's `yield from` for
/// coroutines driven by `send`: `auto r = co_yield coropipe::from(sub);`.
///
/// Until `sub` finishes, every `send`, `next` and `throw_into` on the
/// outermost coroutine goes straight to the innermost delegate (O(1) at any
/// depth), and what it yields comes out of them. `sub` being primed, the
/// `send` that reached the `co_yield from(...)` returns the value where
/// `sub` waits (Python's `yield from` would call `next(sub)` for it). When
/// `sub` returns, the `co_yield` evaluates to its `co_return` value and the
/// delegating coroutine goes on, within the same `send`. An exception
/// escaping `sub` is rethrown at the `co_yield`. A finished `sub` yields
/// nothing.
template <class Yield, class Send, class Return>
[[nodiscard]] delegation<Yield, Send, Return> from(coroutine<Yield, Send, Return> sub) noexcept {
    return delegation<Yield, Send, Return>(std::move(sub));
}

namespace detail {

/// What `co_yield {}` passes: yield nothing, only receive.
struct nothing {};

template <class Yield>
struct coroutine_yield_slot {
    std::remove_cvref_t<Yield>* yielded_ = nullptr; // the value at this frame's co_yield, or null
};
template <>
struct coroutine_yield_slot<void> {};

template <class Send>
struct coroutine_send_slot {
    std::remove_reference_t<Send>* sent_ = nullptr; // on the root: what send passes
};
template <>
struct coroutine_send_slot<void> {};

/// The part of a coroutine's promise that depends only on what it yields
/// and receives. As for generators, the root of a delegation stack
/// (`delegation_stack`) holds the innermost active frame, what is sent or
/// thrown in, and the state of the run.
template <class Yield, class Send>
class coroutine_frame : public delegation_stack<coroutine_frame<Yield, Send>>,
                        public coroutine_yield_slot<Yield>,
                        public coroutine_send_slot<Send> {
public:
    using value_type = std::remove_cvref_t<Yield>;

    // Primed: the body runs to its first `co_yield` inside the call that
    // creates the coroutine (Python needs a manual `next()` for that).
    std::suspend_never initial_suspend() const noexcept { return {}; }

    // At the end, the delegating frame (if any) goes on: see `leave`.
    typename coroutine_frame::final_awaiter final_suspend() const noexcept { return {}; }

    struct receive_awaiter {
        coroutine_frame* self;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        decltype(auto) await_resume() const { return self->receive(); }
    };

    /// `auto received = co_yield value;`
    template <class U>
        requires(!std::is_void_v<Yield> && std::convertible_to<U &&, value_type>)
    auto yield_value(U&& value) {
        struct awaiter : receive_awaiter {
            value_type value;
            // Only now is the awaiter at its final address, in the frame.
            void await_suspend(std::coroutine_handle<>) noexcept { this->self->yielded_ = std::addressof(value); }
        };
        return awaiter{{this}, value_type(std::forward<U>(value))};
    }

    /// `auto received = co_yield {};`: yields nothing (Python's bare `yield`).
    receive_awaiter yield_value(nothing) noexcept {
        if constexpr (!std::is_void_v<Yield>) {
            this->yielded_ = nullptr;
        }
        return receive_awaiter{this};
    }

    /// `auto r = co_yield coropipe::from(sub);`
    template <class R>
    auto yield_value(delegation<Yield, Send, R>&& d) noexcept {
        using sub = coroutine<Yield, Send, R>;
        struct delegate_awaiter {
            coroutine_frame* parent;
            typename sub::frame_type* child; // owned; null for a moved-from coroutine

            bool await_ready() const noexcept { return child == nullptr || child->self_.done(); }
            void await_suspend(std::coroutine_handle<>) const noexcept { parent->enter(*child); }
            R await_resume() { return coroutine_frame::template finish_child<R>(child, "coropipe::from"); }
        };
        return delegate_awaiter{this, std::move(d.sub_).release()};
    }

    // no co_await inside: a coroutine is resumed only by send/next/throw_into.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

private:
    template <class, class, class>
    friend class coropipe::coroutine;
    friend class delegation_stack<coroutine_frame>;

    // At the co_yield where the body waits, once resumed: what was sent, or
    // the exception thrown in.
    decltype(auto) receive() const {
        coroutine_frame* root = this->root();
        if (root->thrown_) [[unlikely]] {
            std::rethrow_exception(std::exchange(root->thrown_, {}));
        }
        if constexpr (!std::is_void_v<Send>) {
            return static_cast<Send&&>(*root->sent_);
        }
    }

    // At a `co_yield from(child)` in this frame: `child` (primed, waiting at
    // a co_yield, maybe delegating itself) joins our stack. Nothing is
    // resumed now: the send that got here returns the value where it waits.
    void enter(coroutine_frame& child) noexcept { this->adopt(child); }

    // At the final suspend of a delegate: its parent goes on, within the
    // same send (`resume` loops), and rethrows our exception if any.
    void leave() noexcept {
        if (this->pop() != nullptr) {
            this->root()->switched_ = true;
        }
    }

    // On the root: resumes the leaf until it waits at a co_yield or the root
    // has finished.
    // HACK(gcc-12): a loop, not symmetric transfer, for the reason given in
    // generator.hpp (GCC PR 100897): the stack stays flat at any depth.
    void resume() {
        if (running_) {
            throw_error("coropipe::coroutine: the coroutine is already executing (resumed from inside its own body)");
        }
        running_ = true;
        fresh_ = false;
        this->leaf()->self_.resume();
        while (switched_) [[unlikely]] {
            switched_ = false;
            this->leaf()->self_.resume();
        }
        running_ = false;
        if (this->error_) [[unlikely]] {
            std::rethrow_exception(std::exchange(this->error_, {}));
        }
    }

    // The value at the co_yield where the stack waits, or null.
    value_type* current() const noexcept
        requires(!std::is_void_v<Yield>)
    {
        return this->leaf()->yielded_;
    }

    std::exception_ptr thrown_; // on the root: from throw_into; raised at the co_yield
    bool running_ = false;      // on the root: inside send/next/throw_into
    bool fresh_ = true;         // on the root: not resumed since priming
    bool switched_ = false;     // on the root: a delegate finished; resume its parent
};

template <class Yield, class Send, class R>
class coroutine_returning : public coroutine_frame<Yield, Send>, public return_slot<R> {};

template <class Yield, class Send, class R, class Alloc>
class coroutine_promise : public coroutine_returning<Yield, Send, R>, public frame_memory<Alloc> {
public:
    coroutine<Yield, Send, R> get_return_object() noexcept {
        this->self_ = std::coroutine_handle<coroutine_promise>::from_promise(*this);
        return coroutine<Yield, Send, R>{this};
    }
};

} // namespace detail

/// A two-way coroutine, Python's generator driven by `send`:
/// `auto received = co_yield current;` yields `current` to the caller and
/// receives what the caller sends next. `Yield` may be `void` (a pure sink:
/// `auto item = co_yield {};`), `Send` may be `void` (then drive it with
/// `next()`). `co_return v;` (when `Return` is not void) ends it with a
/// result, as Python's `return v` in a generator.
///
/// - **Primed**: the body runs to its first `co_yield` when the coroutine is
///   created. Python needs a manual `next(it)` before the first `send`; here
///   the first `send` is already received by the first `co_yield`. The value
///   that first `co_yield` yields is readable with `current()`, and the
///   first `next()` returns it (Python's first `next()`); `send` resumes.
/// - `send(v)` resumes the body with `v` as the result of its `co_yield` and
///   returns what it yields next: empty when it yields nothing (`co_yield
///   {}`) or finishes. For `Yield = void`, `send` returns `!done()`.
/// - `throw_into(e)` raises `e` at the `co_yield` where the body waits
///   (Python's `throw`) and returns like `send`.
/// - `co_yield coropipe::from(sub)` delegates to another coroutine: `send`
///   and `throw_into` go to it until it returns (PEP 380).
/// - `close()` (and the destructor) destroy the frame where it waits, running
///   the destructors of every local in scope (Python's `close`), delegates
///   first.
/// - An exception escaping the body, including one raised while priming,
///   surfaces with its original type from the next `send`, `next` or
///   `throw_into`. Sending to a finished coroutine, or from inside the
///   running body (Python's "generator already executing"), throws
///   `coropipe::error`.
/// - `(std::allocator_arg_t, Alloc, ...)` as the first parameters takes the
///   frame from `Alloc`.
///
/// Move-only; not thread-safe: resume it from one thread at a time.
template <class Yield, class Send, class Return>
class [[nodiscard]] coroutine {
public:
    using promise_type = detail::coroutine_promise<Yield, Send, Return, void>;
    template <class Alloc>
    using promise_for = detail::coroutine_promise<Yield, Send, Return, Alloc>; // (std::allocator_arg_t, Alloc, ...)
    using value_type = std::remove_cvref_t<Yield>;
    using result_type = std::conditional_t<std::is_void_v<Yield>, bool, std::optional<value_type>>;

    coroutine() noexcept = default;
    coroutine(coroutine&& other) noexcept : root_(std::exchange(other.root_, nullptr)) {}
    coroutine& operator=(coroutine other) noexcept {
        std::swap(root_, other.root_);
        return *this;
    }
    ~coroutine() { close(); }

    /// Python's `send(value)`.
    template <class U = Send>
        requires(!std::is_void_v<Send> && std::convertible_to<U &&, Send>)
    result_type send(U&& value) {
        std::remove_reference_t<Send> received(std::forward<U>(value));
        check_resumable("send");
        root_->sent_ = std::addressof(received);
        root_->resume();
        return yielded();
    }

    /// Python's `next()`: resumes a coroutine that receives nothing. On a
    /// coroutine not resumed since it was primed, returns what priming
    /// yielded without resuming, if it yielded a value.
    result_type next()
        requires std::is_void_v<Send>
    {
        check_resumable("next");
        if constexpr (!std::is_void_v<Yield>) {
            if (std::exchange(root_->fresh_, false) && root_->current() != nullptr) {
                return yielded();
            }
        }
        root_->resume();
        return yielded();
    }

    /// Python's `throw()`: raises `error` at the `co_yield` where the body
    /// waits. If the body does not catch it, it comes back out of here.
    template <class E>
    result_type throw_into(E error) {
        check_resumable("throw_into");
        if constexpr (std::is_same_v<E, std::exception_ptr>) {
            root_->thrown_ = std::move(error);
        } else {
            root_->thrown_ = std::make_exception_ptr(std::move(error));
        }
        root_->resume();
        return yielded();
    }

    /// The value yielded at the `co_yield` where the body waits (through any
    /// delegation), valid until it is resumed; null when that `co_yield`
    /// yields nothing or the body has finished. Right after creation, what
    /// priming yielded.
    value_type* current() const noexcept
        requires(!std::is_void_v<Yield>)
    {
        return done() ? nullptr : root_->current();
    }

    /// Python's `close()`: destroys the frame where it waits, running every
    /// destructor in scope. Idempotent.
    void close() noexcept {
        if (root_ != nullptr) {
            std::exchange(root_, nullptr)->destroy_stack();
        }
    }

    /// True once the body has returned, thrown, or been closed.
    bool done() const noexcept { return root_ == nullptr || root_->self_.done(); }

    /// What the body returned with `co_return v;`, valid while the coroutine
    /// lives. Throws `coropipe::error` if it has not returned a value.
    template <class R = Return>
        requires(!std::is_void_v<R>)
    R& result() {
        return detail::result_of<R>(root_, "coropipe::coroutine::result");
    }

private:
    template <class, class, class, class>
    friend class detail::coroutine_promise;
    friend class detail::coroutine_frame<Yield, Send>;

    using frame_type = detail::coroutine_returning<Yield, Send, Return>;

    explicit coroutine(frame_type* root) noexcept : root_(root) {}

    frame_type* release() && noexcept { return std::exchange(root_, nullptr); }

    void check_resumable(const char* what) {
        if (root_ != nullptr && root_->running_) {
            detail::throw_error(std::string("coropipe::coroutine::") + what +
                                ": the coroutine is already executing (called from inside its own body)");
        }
        if (root_ != nullptr && root_->error_) {
            // The body threw while priming: this is the first chance to say so.
            std::rethrow_exception(std::exchange(root_->error_, {}));
        }
        if (done()) {
            detail::throw_error(std::string("coropipe::coroutine::") + what + " on a finished coroutine");
        }
    }

    result_type yielded() {
        if constexpr (std::is_void_v<Yield>) {
            return !done();
        } else {
            value_type* v = current();
            if (v == nullptr) {
                return std::nullopt;
            }
            if constexpr (std::is_copy_constructible_v<value_type>) {
                return result_type(std::in_place, *v);
            } else {
                return result_type(std::in_place, std::move(*v));
            }
        }
    }

    frame_type* root_ = nullptr;
};

} // namespace coropipe
