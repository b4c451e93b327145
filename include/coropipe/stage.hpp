#pragma once

#include <coropipe/detail/chain.hpp>
#include <coropipe/detail/frame_allocator.hpp>
#include <coropipe/generator.hpp>

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

// Hands a co_yield's value on; returns whether to go on without suspending.
// Pulled: into our slot, where downstream (or the consumer) reads it once we
// suspend. Pushed: into downstream's, and downstream runs now, from here,
// until it wants more; then we go on. The value is handed on in yield_value
// itself, so a pushed co_yield does not suspend at all.
inline bool emit(stage_links& l, void* value) noexcept {
    if (l.pulled()) [[likely]] {
        l.slot = value;
        return false;
    }
    return l.push_on(value);
}

/// The awaiter of `co_yield value` once `emit` has handed it on: one byte
/// in the frame, not the two pointers an awaiter carrying the value would be.
struct emitted {
    bool go_on;
    bool await_ready() const noexcept { return go_on; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};

/// `co_yield` of something converted to `Out`: kept in the awaiter, which
/// lives in the frame across the suspension.
template <class Out>
struct converted_yield {
    Out value;
    stage_links* l;
    bool await_ready() noexcept { return emit(*l, std::addressof(value)); }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};

template <class In, class Out>
struct stage_yield {};

template <class In, class Out>
    requires(!std::is_void_v<Out>)
struct stage_yield<In, Out> {
    /// Hands `value` downstream and suspends until downstream wants more.
    emitted yield_value(Out& value) noexcept { return {emit(links(), std::addressof(value))}; }
    // A temporary lives to the end of the full expression, past the
    // downstream's use of it, so handing it on by address is safe.
    emitted yield_value(Out&& value) noexcept { return {emit(links(), std::addressof(value))}; }
    template <class U>
        requires(std::is_constructible_v<Out, U &&> && !std::is_convertible_v<U &&, Out&> &&
                 !std::is_convertible_v<U &&, Out &&>)
    converted_yield<Out> yield_value(U&& value) {
        return {Out(std::forward<U>(value)), &links()};
    }

private:
    // (Defined in the class: clang 14 rejects an out-of-class definition of
    // a member of this constrained partial specialization.)
    stage_links& links() noexcept {
        return static_cast<stage_links&>(static_cast<stage_promise<In, Out>&>(*this));
    }
};

/// End-of-stream (and any exception, in core->error) goes downstream:
/// pulled, the downstream that resumed us reads null; pushed, we run
/// downstream now.
struct stage_final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class Promise> // a stage_promise, or a type derived from one
    void await_suspend(std::coroutine_handle<Promise> self) const noexcept {
        stage_links& l = self.promise();
        if (l.pulled()) {
            l.slot = nullptr;
            return;
        }
        if (stage_links* down = l.down) {
            down->set_input(input_mode::ended);
            if (!down->self.done()) {
                down->self.resume();
            }
        }
    }
    void await_resume() const noexcept {}
};

/// What `co_await coropipe::input` does, for input type `In`. Pulled (the
/// common case, inline): resume the frame upstream, a stage or the head's
/// generator source's leaf, and read the element slot at the start of its
/// promise, as a minimal generator chain does. Pushed, the input is in our
/// slot, or we suspend until upstream (or the driver) puts it there. The
/// rest (the head asking a range source, the generator's leaf changing, the
/// end) out of line.
template <class In>
struct input_awaiter {
    stage_links& l;
    bool await_ready() const noexcept {
        // Suspends only when pushed and nothing has been handed in yet.
        return l.pull_from != nullptr || l.slot != nullptr || l.input() != input_mode::pushed;
    }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    // Inlined into the stage (GCC 12 at -O3 otherwise calls it once per
    // element): the two common ways in, a hop's worth of code each.
    [[gnu::always_inline]] In* await_resume() const {
        if (void* up_frame = l.pull_from) [[likely]] { // from_stage, from_generator
            std::coroutine_handle<>::from_address(up_frame).resume();
            void* value = element_slot_at(up_frame)->slot;
            if (value == nullptr) [[unlikely]] {
                return static_cast<In*>(pulled_nothing());
            }
            return static_cast<In*>(value);
        }
        if (!l.pulled()) { // pushed: the input, or null at the end
            if (void* value = std::exchange(l.slot, nullptr)) [[likely]] {
                return static_cast<In*>(value);
            }
            return static_cast<In*>(l.input_ended());
        }
        return static_cast<In*>(from_source_or_ended());
    }

private:
    generator_frame<In>* generator() const noexcept {
        return static_cast<generator_frame<In>*>(l.core()->generator);
    }

    // The frame at `pull_from` suspended without an element: a stage
    // upstream has finished; the head's generator has changed its leaf
    // (entering or leaving a nested generator) or finished.
    [[gnu::noinline]] void* pulled_nothing() const {
        if (l.input() == input_mode::from_generator) {
            if (void* value = from_generator(true)) {
                return value;
            }
        }
        return l.input_ended();
    }

    // Pulled without a frame to resume: the head asks the source, or the
    // generator's root; or the input has ended.
    [[gnu::noinline]] void* from_source_or_ended() const {
        void* value = nullptr;
        if (l.input() == input_mode::from_source) {
            // A generator source turns the head to `from_generator` here.
            value = l.core()->source->pull(l);
            if (value != nullptr && l.input() == input_mode::from_generator) {
                l.pull_from = generator_access::leaf_frame(generator());
            }
        } else if (l.input() == input_mode::from_generator) {
            value = from_generator(false);
        }
        return value != nullptr ? value : l.input_ended();
    }

    // The head's generator's next element, its leaf just resumed or not;
    // null at the end. Then `pull_from` is its new leaf, or null to go
    // through its root. An exception from the generator surfaces right
    // here, in the head, and ends the input: the generator has finished,
    // and none of its frames is resumed again.
    void* from_generator(bool leaf_resumed) const {
        l.pull_from = nullptr;
        void* value;
        try {
            value = leaf_resumed ? generator_access::settle(generator()) : generator_access::advance(generator());
        } catch (...) {
            l.set_input(input_mode::ended);
            throw;
        }
        if (value != nullptr) {
            l.pull_from = generator_access::leaf_frame(generator());
        }
        return value;
    }
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

    input_awaiter<In> await_transform(input_t) noexcept { return {*this}; }

    // no other co_await in a stage: it is resumed only by its chain. Await
    // I/O in the driver (see coropipe/asio) and push the results in.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

    void unhandled_exception() noexcept { core()->error = std::current_exception(); }
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

    /// True for a default-constructed or moved-from stage: it has no frame.
    bool empty() const noexcept { return chain_.empty(); }

private:
    friend struct detail::chain_access; // `|` composes chains (pipe.hpp)
    friend promise_type;
    explicit stage(detail::chain c) noexcept : chain_(std::move(c)) {}

    detail::chain chain_;
};

template <class In, class Out>
stage<In, Out> detail::stage_promise<In, Out>::get_return_object() noexcept {
    // Downstream reads our slot from our frame's address (`element_slot_at`).
    static_assert(detail::slot_aligned<stage_promise>);
    self = std::coroutine_handle<stage_promise>::from_promise(*this);
    return stage<In, Out>{detail::chain{this}};
}

} // namespace coropipe
