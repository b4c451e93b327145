#pragma once

// Counted objects: prove that every object a test made was destroyed, in
// particular the locals of coroutine frames destroyed early.

#include <cstddef>

namespace coropipe::test {

/// Counts live instances. Put one in a coroutine's scope, or yield them.
struct counted {
    static inline long live = 0;
    static inline long constructed = 0;

    int value = 0;

    counted() noexcept { ++live, ++constructed; }
    explicit counted(int v) noexcept : value(v) { ++live, ++constructed; }
    counted(const counted& o) noexcept : value(o.value) { ++live, ++constructed; }
    counted(counted&& o) noexcept : value(o.value) { ++live, ++constructed; }
    counted& operator=(const counted&) noexcept = default;
    counted& operator=(counted&&) noexcept = default;
    ~counted() { --live; }

    friend bool operator==(const counted& a, const counted& b) noexcept { return a.value == b.value; }
};

/// Resets the counters for one test and checks, at scope exit, that nothing
/// counted is still alive. Use with CHECK(guard.balanced()) too.
struct live_guard {
    long start = counted::live;
    bool balanced() const noexcept { return counted::live == start; }
};

} // namespace coropipe::test
