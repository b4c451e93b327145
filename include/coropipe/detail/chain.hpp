#pragma once

#include <coropipe/detail/element_slot.hpp>
#include <coropipe/detail/frame_allocator.hpp>

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <utility>

namespace coropipe::detail {

struct stage_links;
struct chain_access; // pipe.hpp: what `|` reaches inside stages and pipelines

/// The upstream end of a pull-driven chain: hands the head stage its input on
/// demand. Implemented for any input range in pipe.hpp.
struct source_base {
    source_base() = default;
    source_base(const source_base&) = delete;
    source_base& operator=(const source_base&) = delete;
    virtual ~source_base() = default;
    /// The address of the next element (an `In*`, valid until the next
    /// call), or null at the end. Not called again once it returned null.
    /// May point `head` at a faster way to the next elements (a generator:
    /// `input_mode::from_generator`).
    virtual void* pull(stage_links& head) = 0;
};

/// State shared by the stages of one chain; at a stable address. Aligned so
/// that a stage can keep its modes in the low bits of its pointer to it.
struct alignas(16) chain_core {
    std::exception_ptr error;            // travelling downstream with end-of-stream
    std::unique_ptr<source_base> source; // pull mode: what feeds the head
    void* generator = nullptr;           // the root frame of a generator<In> source, once the head takes from it

    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }
};

/// Where a stage's input comes from; fixed when its chain is attached to a
/// source (pull) or first pushed into, except for the move to `ended`.
enum class input_mode : unsigned char {
    pushed,         // push: upstream's co_yield, or the driver, leaves it in `slot` and resumes us
    from_stage,     // pull: resume `up` (its frame is `pull_from`), then read up's `slot`
    from_source,    // pull, the head: `core->source->pull(head)`
    from_generator, // pull, the head: the generator<In> whose root frame is `core->generator`: resume
                    // its leaf (`pull_from`) and read the leaf's slot, as a stage; through the root
                    // when the leaf changes or cannot be read so
    ended,          // the input has ended (sticky)
};

/// The type-erased part of every stage promise, first in it: how it is wired
/// into a chain. 48 bytes, which keeps the frames of the built-in stages
/// within 128. Its `element_slot::slot`, pulled: this stage's output while
/// it waits at a co_yield, null once it has finished, for downstream (or the
/// consumer) to read after resuming it; pushed: the input handed to it,
/// until it takes it.
struct stage_links : element_slot {
    std::coroutine_handle<> self;
    stage_links* up = nullptr;   // the stage that feeds this one (null: source or driver)
    stage_links* down = nullptr; // the stage this one feeds (null: the consumer or driver)
    // Pulled: the frame to resume for the next input, whose promise starts
    // with the element slot to read then (`element_slot_at`): `up->self`, or
    // the head's generator's leaf. Null once the input has ended, and when
    // the head must go through the source.
    void* pull_from = nullptr;

    chain_core* core() const noexcept { return reinterpret_cast<chain_core*>(bits_ & ~mode_mask); }
    input_mode input() const noexcept { return static_cast<input_mode>(bits_ & input_mask); }
    bool pulled() const noexcept { return (bits_ & pulled_bit) != 0; } // downstream resumes it, not pushed

    void set_core(chain_core* c) noexcept { bits_ = reinterpret_cast<std::uintptr_t>(c) | (bits_ & mode_mask); }
    void set_input(input_mode m) noexcept { bits_ = (bits_ & ~input_mask) | static_cast<std::uintptr_t>(m); }
    void set_pulled() noexcept { bits_ |= pulled_bit; }

    /// After a stage found no input: the input has ended. Rethrows the
    /// exception that ended it, once; returns null.
    void* input_ended();

    /// Pushed, at a co_yield: hands `value` to downstream and runs it now,
    /// from here; it returns when it wants more, and this returns true: go
    /// on without suspending. False: suspend (downstream has finished).
    bool push_on(void* value) noexcept {
        if (down == nullptr || down->self.done()) {
            // Pushed into a stage that has finished: suspend, so that
            // control goes back to the driver, which sees the chain has ended.
            return false;
        }
        down->slot = value;
        down->self.resume();
        return true;
    }

private:
    static constexpr std::uintptr_t input_mask = 7;
    static constexpr std::uintptr_t pulled_bit = 8;
    static constexpr std::uintptr_t mode_mask = 15;
    static_assert(alignof(chain_core) > mode_mask);

    std::uintptr_t bits_ = 0; // the chain_core*, with input() and pulled() in its low bits
};

// How control moves between stages (see docs/stream_protocol.md). A chain
// is driven one of two ways, never both:
//  - pull: the consumer resumes the tail and reads its `slot`; a stage that
//    needs input resumes its upstream's frame directly and reads the
//    upstream's `slot`, like a chain of minimal generators (the head does
//    the same with a generator source's innermost frame; it asks any other
//    source).
//  - push: the driver puts a value in the head's `slot` and resumes it; a
//    stage that yields puts the value in its downstream's `slot` and resumes
//    it, which runs until it needs more input (and suspends, returning into
//    the yielding stage) or ends.
// Either way the stack holds at most one frame per stage, whatever the length
// of the stream, and no symmetric transfer is needed (GCC 12 does not emit
// its tail call under -fsanitize=address or at -O0: GCC PR 100897).

/// Owns a chain of stage frames, from `head` to `tail`, and its core.
class chain {
public:
    chain() noexcept = default;
    explicit chain(stage_links* single) noexcept : head_(single), tail_(single) {}
    chain(chain&& other) noexcept
        : head_(std::exchange(other.head_, nullptr)),
          tail_(std::exchange(other.tail_, nullptr)),
          core_(std::exchange(other.core_, nullptr)) {}
    chain& operator=(chain&& other) noexcept {
        if (this != &other) {
            reset();
            head_ = std::exchange(other.head_, nullptr);
            tail_ = std::exchange(other.tail_, nullptr);
            core_ = std::exchange(other.core_, nullptr);
        }
        return *this;
    }
    ~chain() { reset(); }

    /// Destroys every frame, tail first, then the source.
    void reset() noexcept;

    /// Links `next` after this chain's tail. `next` must not have run.
    void append(chain&& next);

    /// Gives the chain a source and a core, and makes every stage pulled.
    void attach(std::unique_ptr<source_base> source);

    /// The core, created on first use (push mode).
    chain_core& core();

    stage_links* head() const noexcept { return head_; }
    stage_links* tail() const noexcept { return tail_; }
    bool empty() const noexcept { return tail_ == nullptr; }
    bool done() const noexcept { return tail_ == nullptr || tail_->self.done(); }

    /// Pull: runs until the tail yields (returns its output) or finishes
    /// (returns null, rethrowing what ended it). Null again at once after that.
    void* pull_next();

    /// `pull_next()` when the last one returned an output, so the tail has
    /// not finished: the consumer's loop, without the test.
    void* pull_next_from_output();

    /// Push: hands `value` to the head and runs until the chain wants more.
    /// Returns whether the chain still takes input; a chain that had already
    /// finished takes nothing and returns false.
    bool push(void* value);

    /// Push: tells the head the input has ended and runs the chain to its end.
    void finish();

private:
    void rethrow_if_failed();
    // Every stage from `from` to the tail: pulled (the head from the source).
    void set_pulled(stage_links* from) noexcept;

    stage_links* head_ = nullptr;
    stage_links* tail_ = nullptr;
    chain_core* core_ = nullptr;
};

inline void* chain::pull_next() {
    if (done()) {
        return nullptr;
    }
    return pull_next_from_output();
}

inline void* chain::pull_next_from_output() {
    tail_->self.resume();
    void* out = tail_->slot;
    if (out == nullptr) [[unlikely]] {
        rethrow_if_failed();
    }
    return out;
}

inline bool chain::push(void* value) {
    if (done()) {
        rethrow_if_failed();
        return false;
    }
    chain_core& c = core();
    head_->slot = value;
    head_->self.resume();
    if (c.error) [[unlikely]] {
        rethrow_if_failed();
    }
    return !done();
}

} // namespace coropipe::detail
