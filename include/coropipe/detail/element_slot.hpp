#pragma once

#include <coroutine>
#include <cstddef>

namespace coropipe::detail {

/// The first member of the promise of every frame a stage pulls from (a
/// stage, a generator): the address of the element at its `co_yield`, null
/// when it has none. The promise starts right after the frame's two function
/// pointers (the coroutine ABI GCC and Clang share, which
/// `coroutine_handle::promise()` computes), at the same offset whatever the
/// promise type, as long as it is aligned to at most two pointers. So a
/// stage reads what its upstream yielded knowing only the frame it resumed,
/// as a minimal generator's consumer does: no test of what the upstream is,
/// no load of its promise's address.
struct element_slot {
    void* slot = nullptr;
};

/// A promise type whose `element_slot` can be found from its frame's
/// address alone (the rest is checked where it matters:
/// `element_slot_at(frame) == promise`).
template <class Promise>
concept slot_aligned = alignof(Promise) <= 2 * sizeof(void*);

/// The element slot at the start of the promise of the frame at `frame`, if
/// that promise starts with one.
inline element_slot* element_slot_at(void* frame) noexcept {
    return &std::coroutine_handle<element_slot>::from_address(frame).promise();
}

} // namespace coropipe::detail
