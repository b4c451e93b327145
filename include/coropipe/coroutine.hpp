#pragma once

#include <coropipe/detail/frame_allocator.hpp>
#include <coropipe/error.hpp>

#include <concepts>
#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace coropipe {

template <class Yield, class Send>
class coroutine;

namespace detail {

/// What `co_yield {}` passes: yield nothing, only receive.
struct nothing {};

template <class Yield>
struct coroutine_yield_slot {
    std::remove_reference_t<Yield>* yielded_ = nullptr;
};
template <>
struct coroutine_yield_slot<void> {};

template <class Send>
struct coroutine_send_slot {
    Send* sent_ = nullptr;
};
template <>
struct coroutine_send_slot<void> {};

template <class Yield, class Send>
class coroutine_promise : public recycled_frame,
                          public coroutine_yield_slot<Yield>,
                          public coroutine_send_slot<Send> {
public:
    coroutine<Yield, Send> get_return_object() noexcept;

    // Primed: the body runs to its first `co_yield` inside the call that
    // creates the coroutine (Python needs a manual `next()` for that).
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_always final_suspend() const noexcept { return {}; }

    /// `auto received = co_yield value;`
    template <class U>
        requires(!std::is_void_v<Yield> && std::convertible_to<U &&, std::remove_cvref_t<Yield>>)
    auto yield_value(U&& value) {
        struct awaiter : receive_awaiter {
            std::remove_cvref_t<Yield> value;
            // Only now is the awaiter at its final address, in the frame.
            void await_suspend(std::coroutine_handle<>) noexcept { this->self->yielded_ = std::addressof(value); }
        };
        return awaiter{{this}, std::remove_cvref_t<Yield>(std::forward<U>(value))};
    }

    /// `auto received = co_yield {};`: yields nothing (Python's bare `yield`).
    auto yield_value(nothing) noexcept {
        if constexpr (!std::is_void_v<Yield>) {
            this->yielded_ = nullptr;
        }
        return receive_awaiter{this};
    }

    void unhandled_exception() noexcept { error_ = std::current_exception(); }
    void return_void() const noexcept {}

    // no co_await inside: a coroutine is resumed only by send/next/throw_into.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

private:
    friend class coroutine<Yield, Send>;

    struct receive_awaiter {
        coroutine_promise* self;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        decltype(auto) await_resume() const {
            if (self->thrown_) [[unlikely]] {
                std::rethrow_exception(std::exchange(self->thrown_, {}));
            }
            if constexpr (!std::is_void_v<Send>) {
                return static_cast<Send&&>(*self->sent_);
            }
        }
    };

    std::exception_ptr error_;  // escaped the body; rethrown to the caller
    std::exception_ptr thrown_; // from throw_into; raised at the co_yield
};

} // namespace detail

/// A two-way coroutine, Python's generator driven by `send`:
/// `auto received = co_yield current;` yields `current` to the caller and
/// receives what the caller sends next. `Yield` may be `void` (a pure sink:
/// `auto item = co_yield {};`), `Send` may be `void` (then drive it with
/// `next()`).
///
/// - **Primed**: the body runs to its first `co_yield` when the coroutine is
///   created. Python needs a manual `next(it)` before the first `send`; here
///   the first `send` is already received by the first `co_yield`, and the
///   value that first `co_yield` yields is discarded (use `co_yield {}`).
/// - `send(v)` resumes the body with `v` as the result of its `co_yield` and
///   returns what it yields next: empty when it yields nothing (`co_yield
///   {}`) or finishes. For `Yield = void`, `send` returns `!done()`.
/// - `throw_into(e)` raises `e` at the `co_yield` where the body waits
///   (Python's `throw`) and returns like `send`.
/// - `close()` (and the destructor) destroy the frame where it waits, running
///   the destructors of every local in scope (Python's `close`).
/// - An exception escaping the body, including one raised while priming,
///   surfaces with its original type from the next `send`, `next` or
///   `throw_into`. Sending to a finished coroutine throws `coropipe::error`.
///
/// Move-only; not thread-safe: resume it from one thread at a time.
template <class Yield, class Send = void>
class [[nodiscard]] coroutine {
public:
    using promise_type = detail::coroutine_promise<Yield, Send>;
    using result_type = std::conditional_t<std::is_void_v<Yield>, bool, std::optional<std::remove_cvref_t<Yield>>>;

    coroutine() noexcept = default;
    coroutine(coroutine&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    coroutine& operator=(coroutine other) noexcept {
        std::swap(handle_, other.handle_);
        return *this;
    }
    ~coroutine() { close(); }

    /// Python's `send(value)`.
    template <class U = Send>
        requires(!std::is_void_v<Send> && std::convertible_to<U &&, Send>)
    result_type send(U&& value) {
        std::remove_reference_t<Send> received(std::forward<U>(value));
        check_resumable("send");
        handle_.promise().sent_ = std::addressof(received);
        return resume();
    }

    /// Python's `next()`: resumes a coroutine that receives nothing.
    result_type next()
        requires std::is_void_v<Send>
    {
        check_resumable("next");
        return resume();
    }

    /// Python's `throw()`: raises `error` at the `co_yield` where the body
    /// waits. If the body does not catch it, it comes back out of here.
    template <class E>
    result_type throw_into(E error) {
        check_resumable("throw_into");
        if constexpr (std::is_same_v<E, std::exception_ptr>) {
            handle_.promise().thrown_ = std::move(error);
        } else {
            handle_.promise().thrown_ = std::make_exception_ptr(std::move(error));
        }
        return resume();
    }

    /// Python's `close()`: destroys the frame where it waits, running every
    /// destructor in scope. Idempotent.
    void close() noexcept {
        if (handle_) {
            std::exchange(handle_, {}).destroy();
        }
    }

    /// True once the body has returned, thrown, or been closed.
    bool done() const noexcept { return !handle_ || handle_.done(); }

private:
    friend promise_type;
    explicit coroutine(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}

    void check_resumable(const char* what) {
        if (handle_ && handle_.promise().error_) {
            // The body threw while priming: this is the first chance to say so.
            std::rethrow_exception(std::exchange(handle_.promise().error_, {}));
        }
        if (done()) {
            detail::throw_error(std::string("coropipe::coroutine::") + what + " on a finished coroutine");
        }
    }

    result_type resume() {
        handle_.resume();
        promise_type& p = handle_.promise();
        if (p.error_) [[unlikely]] {
            std::rethrow_exception(std::exchange(p.error_, {}));
        }
        if constexpr (std::is_void_v<Yield>) {
            return !handle_.done();
        } else {
            if (handle_.done() || p.yielded_ == nullptr) {
                return std::nullopt;
            }
            return result_type(std::in_place, std::move(*p.yielded_));
        }
    }

    std::coroutine_handle<promise_type> handle_;
};

template <class Yield, class Send>
coroutine<Yield, Send> detail::coroutine_promise<Yield, Send>::get_return_object() noexcept {
    return coroutine<Yield, Send>{std::coroutine_handle<coroutine_promise>::from_promise(*this)};
}

} // namespace coropipe
