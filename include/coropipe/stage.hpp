#pragma once

#include <coropipe/detail/chain.hpp>
#include <coropipe/detail/frame_allocator.hpp>

#include <concepts>
#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace coropipe {

/// What a stage awaits to receive its next input:
/// `while (auto* line = co_await coropipe::input) { ... }`.
/// The result is a pointer to the upstream's element, valid until the stage
/// awaits again, or null once the input has ended.
struct input_t {
    explicit constexpr input_t() = default;
};
inline constexpr input_t input{};

template <class In, class Out = In>
class stage;

/// A stage that only consumes: the end of a pipeline.
template <class In>
using sink = stage<In, void>;

namespace detail {

template <class In, class Out>
class stage_promise;

template <class In, class Out>
struct stage_yield {};

template <class In, class Out>
    requires(!std::is_void_v<Out>)
struct stage_yield<In, Out> {
    /// Hands `value` downstream and suspends until downstream wants more.
    auto yield_value(Out& value) noexcept { return emitted{emit(std::addressof(value))}; }
    // A temporary lives to the end of the full expression, past the
    // downstream's use of it, so handing it on by address is safe.
    auto yield_value(Out&& value) noexcept { return emitted{emit(std::addressof(value))}; }
    template <class U>
        requires(std::is_constructible_v<Out, U &&> && !std::is_convertible_v<U &&, Out&> &&
                 !std::is_convertible_v<U &&, Out &&>)
    auto yield_value(U&& value) {
        struct converted {
            Out value;
            stage_yield* self;
            bool await_ready() noexcept { return self->emit(std::addressof(value)); }
            void await_suspend(std::coroutine_handle<>) const noexcept {}
            void await_resume() const noexcept {}
        };
        return converted{Out(std::forward<U>(value)), this};
    }

private:
    // The value is handed on in yield_value itself, so the awaiter kept in
    // the frame is one byte: each co_yield in a stage costs that, not the
    // two pointers an awaiter carrying the value would.
    struct emitted {
        bool go_on;
        bool await_ready() const noexcept { return go_on; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        void await_resume() const noexcept {}
    };
    // Hands `value` on; returns whether to go on without suspending. (Defined
    // in the class: clang 14 rejects an out-of-class definition of a member
    // of this constrained partial specialization.)
    bool emit(Out* value) noexcept {
        auto& l = static_cast<stage_links&>(static_cast<stage_promise<In, Out>&>(*this));
        if (l.down == nullptr) {
            // The tail of a pulled pipeline: suspend, back to the consumer.
            l.core->out = value;
            return false;
        }
        if (l.core->pulling) {
            // Suspend, back into the downstream that waits for this value.
            l.down->in_value = value;
            return false;
        }
        if (l.down->self.done()) {
            // Pushed into a stage that has finished: suspend, so that control
            // goes back to the driver, which sees the chain has ended.
            return false;
        }
        // Pushed: run downstream now; it returns here when it wants more.
        l.down->in_value = value;
        l.down->self.resume();
        return true;
    }
};

/// End-of-stream (and any exception, in core->error) goes downstream:
/// pulled, the waiting downstream sees it when we return into it; pushed, we
/// run it now.
struct stage_final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class Promise> // a stage_promise, or a type derived from one
    void await_suspend(std::coroutine_handle<Promise> self) const noexcept {
        stage_links& l = self.promise();
        if (l.down != nullptr) {
            l.down->in_end = true;
            if (!l.core->pulling && !l.down->self.done()) {
                l.down->self.resume();
            }
        } else {
            l.core->out = nullptr;
        }
    }
    void await_resume() const noexcept {}
};

template <class In, class Out>
class stage_promise : public recycled_frame, public stage_links, public stage_yield<In, Out> {
public:
    stage<In, Out> get_return_object() noexcept;

    // Lazy: the body starts when the chain first needs it, not at the call.
    std::suspend_always initial_suspend() const noexcept { return {}; }

    // Stateless: it finds the links through the handle, so it adds nothing
    // to the frame.
    stage_final_awaiter final_suspend() const noexcept { return {}; }

    auto await_transform(input_t) noexcept {
        struct input_awaiter {
            stage_links& l;
            bool await_ready() {
                if (l.in_value != nullptr || l.in_end) {
                    return true;
                }
                if (!l.core->pulling) {
                    // Pushed: suspend, back into the upstream's co_yield (or
                    // the driver), which resumes us with the next value.
                    return false;
                }
                if (l.up != nullptr) {
                    // Pulled: run upstream until it yields into in_value or
                    // ends (in_end).
                    l.up->self.resume();
                } else {
                    // Pulled, first stage: take the next element from the
                    // source. An exception from it surfaces right here.
                    l.core->source->pull(l);
                }
                return true;
            }
            void await_suspend(std::coroutine_handle<>) const noexcept {}
            In* await_resume() const {
                if (l.in_value != nullptr) {
                    return static_cast<In*>(std::exchange(l.in_value, nullptr));
                }
                if (l.core->error) {
                    std::rethrow_exception(std::exchange(l.core->error, {}));
                }
                return nullptr;
            }
        };
        return input_awaiter{*this};
    }

    // no other co_await in a stage: it is resumed only by its chain. Await
    // I/O in the driver (see coropipe/asio) and push the results in.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

    void unhandled_exception() noexcept { core->error = std::current_exception(); }
    void return_void() const noexcept {}
};


} // namespace detail

/// A pipeline stage: a coroutine that takes its input with
/// `co_await coropipe::input` and passes output on with `co_yield`.
///
/// ```
/// coropipe::stage<std::string_view> non_empty() {
///     while (std::string_view* line = co_await coropipe::input)
///         if (!line->empty())
///             co_yield *line;
/// }
/// // lines(std::cin) | non_empty() | coropipe::print(std::cout);
/// ```
///
/// - **Lazy**: the body starts when the pipeline first needs output from it
///   (pull) or first sends it input (push), not at the call.
/// - **Input**: `co_await coropipe::input` returns a pointer to the element
///   upstream produced (no copy; valid until the next `co_await`), or null
///   once the input has ended. A stage may `co_yield` any number of outputs
///   per input, and after the end (for totals).
/// - **Exceptions**: an exception escaping a stage ends its output; the next
///   stage gets it rethrown from its `co_await coropipe::input`, and so on
///   down to the consumer, where it surfaces with its original type from
///   `begin`, `++` or `send`. A stage may catch it and go on.
/// - **Destruction**: destroying a stage or the pipeline that owns it
///   destroys every frame of the chain where it waits, running the
///   destructors of the locals in scope; nothing is resumed.
/// - The same stage runs unchanged pulled by a range consumer
///   (`lines(in) | s | ...`) and pushed by a driver (`sink.send(x)`), which is
///   how the Asio runtime feeds it.
///
/// `stage | stage` composes into one stage. A stage with `Out = void` is a
/// sink: it can end a pipeline, and it takes values by `send`.
template <class In, class Out>
class [[nodiscard]] stage {
public:
    using promise_type = detail::stage_promise<In, Out>;
    using input_type = In;
    using output_type = Out;

    stage() noexcept = default;
    stage(stage&&) noexcept = default;
    stage& operator=(stage&&) noexcept = default;
    ~stage() = default;

    /// Sinks only: hands `value` to the first stage and runs the chain until
    /// it wants more. Returns whether it still takes input (false once it
    /// has finished, like a closed pipe). An exception from any stage comes
    /// out of here.
    bool send(In value)
        requires std::is_void_v<Out>
    {
        return chain_.push(std::addressof(value));
    }

    /// Sinks only: ends the input, lets every stage finish (flush, emit
    /// totals), and destroys the chain. An exception from a stage comes out
    /// of here. Without close, the destructor destroys the chain as it is.
    void close()
        requires std::is_void_v<Out>
    {
        chain_.finish();
        chain_.reset();
    }

    /// True once the last stage has finished (or the stage is empty).
    bool done() const noexcept { return chain_.done(); }

    /// The frames of this chain, for composition (see pipe.hpp).
    detail::chain& chain() & noexcept { return chain_; }
    detail::chain&& chain() && noexcept { return std::move(chain_); }

    explicit stage(detail::chain c) noexcept : chain_(std::move(c)) {}

private:
    detail::chain chain_;
};

template <class In, class Out>
stage<In, Out> detail::stage_promise<In, Out>::get_return_object() noexcept {
    self = std::coroutine_handle<stage_promise>::from_promise(*this);
    return stage<In, Out>{detail::chain{this}};
}

} // namespace coropipe
