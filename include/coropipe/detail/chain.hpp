#pragma once

#include <coropipe/detail/frame_allocator.hpp>

#include <coroutine>
#include <exception>
#include <memory>
#include <utility>

namespace coropipe::detail {

struct stage_links;

/// The upstream end of a pull-driven chain: fills the head stage's input on
/// demand. Implemented for any input range in pipe.hpp.
struct source_base {
    source_base() = default;
    source_base(const source_base&) = delete;
    source_base& operator=(const source_base&) = delete;
    virtual ~source_base() = default;
    /// Sets `head.in_value` to the next element, or `head.in_end`.
    virtual void pull(stage_links& head) = 0;
};

/// State shared by the stages of one chain; at a stable address.
struct chain_core {
    bool pulling = false;                 // driven by a consumer (pull) or by send (push)
    void* out = nullptr;                  // the tail's current output, for a pull consumer
    std::exception_ptr error;             // travelling downstream with end-of-stream
    std::unique_ptr<source_base> source;  // pull mode: what feeds the head

    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }
};

/// The type-erased part of every stage promise: how it is wired into a chain.
struct stage_links {
    std::coroutine_handle<> self;
    stage_links* up = nullptr;   // the stage that feeds this one (null: source or driver)
    stage_links* down = nullptr; // the stage this one feeds (null: the consumer or driver)
    chain_core* core = nullptr;
    void* in_value = nullptr;    // the pending input (an `In*`), set by upstream
    bool in_end = false;         // upstream has finished (sticky)
};

// How control moves between stages (see docs/stream_protocol.md). A chain
// is driven one of two ways, never both:
//  - pull (`core.pulling`): the consumer resumes the tail; a stage that needs
//    input resumes its upstream directly, which runs until it yields (and
//    suspends, returning into the waiting stage) or ends. Like nested
//    generators.
//  - push: the driver resumes the head with a value; a stage that yields
//    resumes its downstream directly, which runs until it needs more input
//    (and suspends, returning into the yielding stage) or ends.
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

    /// Gives the chain a source (pull mode) and a core.
    void attach(std::unique_ptr<source_base> source);

    /// The core, created on first use (push mode).
    chain_core& core();

    stage_links* head() const noexcept { return head_; }
    stage_links* tail() const noexcept { return tail_; }
    bool empty() const noexcept { return tail_ == nullptr; }
    bool done() const noexcept { return tail_ == nullptr || tail_->self.done(); }

    /// Pull: runs until the tail yields (returns its output) or finishes
    /// (returns null, rethrowing what ended it).
    void* pull_next();

    /// Push: hands `value` to the head and runs until the chain wants more.
    /// Returns whether the chain still takes input; a chain that had already
    /// finished takes nothing and returns false.
    bool push(void* value);

    /// Push: tells the head the input has ended and runs the chain to its end.
    void finish();

private:
    void rethrow_if_failed();

    stage_links* head_ = nullptr;
    stage_links* tail_ = nullptr;
    chain_core* core_ = nullptr;
};

inline void* chain::pull_next() {
    if (done()) {
        return nullptr;
    }
    chain_core& c = *core_;
    c.pulling = true;
    c.out = nullptr;
    tail_->self.resume();
    if (c.error) [[unlikely]] {
        rethrow_if_failed();
    }
    return c.out;
}

inline bool chain::push(void* value) {
    if (done()) {
        rethrow_if_failed();
        return false;
    }
    chain_core& c = core();
    c.pulling = false;
    head_->in_value = value;
    head_->self.resume();
    if (c.error) [[unlikely]] {
        rethrow_if_failed();
    }
    return !done();
}

} // namespace coropipe::detail
