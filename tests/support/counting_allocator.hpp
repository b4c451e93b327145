#pragma once

// An allocator that counts what it serves: for checking that a coroutine
// declared with std::allocator_arg takes its frame from it.

#include <cstddef>
#include <memory>

namespace coropipe::test {

struct allocation_counts {
    int allocations = 0;
    int deallocations = 0;
    std::size_t bytes = 0;
};

template <class T>
struct counting_allocator {
    using value_type = T;
    allocation_counts* counts;

    explicit counting_allocator(allocation_counts* c) noexcept : counts(c) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& other) noexcept : counts(other.counts) {}

    T* allocate(std::size_t n) {
        ++counts->allocations;
        counts->bytes += n * sizeof(T);
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        ++counts->deallocations;
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    friend bool operator==(const counting_allocator& a, const counting_allocator<U>& b) noexcept {
        return a.counts == b.counts;
    }
};

} // namespace coropipe::test
