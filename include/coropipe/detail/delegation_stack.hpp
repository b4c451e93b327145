#pragma once

#include <coropipe/error.hpp>

#include <coroutine>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace coropipe::detail {

/// What the frames of generators and two-way coroutines share: a stack of
/// frames, each delegating to the next (`co_yield coropipe::from(...)`,
/// Python's `yield from`), whose outermost frame, the *root*, knows the
/// innermost, the *leaf*, which its owner resumes directly: O(1) per resume
/// at any depth. `Frame` is the promise part that derives from this (CRTP).
template <class Frame>
class delegation_stack {
public:
    void unhandled_exception() noexcept { error_ = std::current_exception(); }

    // The final suspension calls the frame's `leave()` (which pops this
    // frame off the stack). Stateless: it finds the frame through the
    // handle, so it adds nothing to the frame.
    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        void await_suspend(std::coroutine_handle<Promise> self) const noexcept {
            self.promise().leave();
        }
        void await_resume() const noexcept {}
    };

protected:
    delegation_stack() = default;

    Frame* root() const noexcept { return static_cast<Frame*>(root_); }
    Frame* leaf() const noexcept { return static_cast<Frame*>(leaf_); }
    bool delegating() const noexcept { return leaf_ != this; }

    // At a `co_yield from(child)` in this frame: `child`, the root of its own
    // stack (maybe partly run, and delegating itself), joins ours, and its
    // leaf becomes our root's leaf, which this returns. O(depth of the
    // child's own stack), once.
    Frame* adopt(Frame& child) noexcept {
        delegation_stack& c = child;
        delegation_stack* new_leaf = c.leaf_;
        for (delegation_stack* f = new_leaf; f != &c; f = f->parent_) {
            f->root_ = root_;
        }
        c.root_ = root_;
        c.parent_ = this;
        c.leaf_ = &c; // its root's fields are unused while it is nested
        root_->leaf_ = new_leaf;
        return static_cast<Frame*>(new_leaf);
    }

    // At this frame's final suspend: its parent, if any, is the leaf again
    // (and rethrows this frame's exception, and destroys it). Returns it.
    Frame* pop() noexcept {
        if (parent_ != nullptr) {
            root_->leaf_ = parent_;
        }
        return static_cast<Frame*>(parent_);
    }

    // Destroys the leaf first, then each delegating frame, then this root: no
    // recursion, so a stack 100,000 deep is destroyed with a flat stack.
    void destroy_stack() noexcept {
        delegation_stack* f = leaf_;
        while (f != this) {
            delegation_stack* up = f->parent_;
            f->self_.destroy();
            f = up;
        }
        self_.destroy();
    }

    // After a `co_yield from(child)`, `child` having finished (or being
    // null: a moved-from owner): frees its frame and gives its `co_return`
    // value, or rethrows its exception there. Freed here, not by an owner's
    // destructor, so that destroying a deep stack early stays iterative.
    template <class R, class Child>
    static R finish_child(Child* child, const char* what) {
        if (child == nullptr) {
            if constexpr (std::is_void_v<R>) {
                return;
            } else {
                throw_error(std::string(what) + ": an empty (moved-from) coroutine has no return value");
            }
        }
        struct destroy_at_exit {
            Child* c;
            ~destroy_at_exit() { c->destroy_stack(); }
        } guard{child};
        if (std::exception_ptr error = std::exchange(child->error_, {})) {
            std::rethrow_exception(std::move(error));
        }
        if constexpr (!std::is_void_v<R>) {
            return std::move(child->result(what));
        }
    }

    std::coroutine_handle<> self_;      // this frame
    delegation_stack* leaf_ = this;     // on the root: the innermost active frame
    delegation_stack* root_ = this;     // the outermost frame
    delegation_stack* parent_ = nullptr; // the frame that delegated to us
    std::exception_ptr error_;          // escaped the body; for the owner or the delegating frame
};

} // namespace coropipe::detail
