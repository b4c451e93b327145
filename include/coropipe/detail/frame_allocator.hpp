#pragma once

#include <cstddef>

namespace coropipe::detail {

/// Allocates a coroutine frame from the calling thread's recycling cache.
///
/// Frames up to 1 KiB come from per-thread free lists of 16-byte size classes,
/// so creating and destroying pipelines does not reach `malloc`. Larger frames,
/// and every frame when AddressSanitizer is on (so that it still sees
/// use-after-free), come from `::operator new`. A frame may be freed on another
/// thread than the one that allocated it: it then joins that thread's cache.
void* allocate_frame(std::size_t size);

/// Returns a frame obtained from `allocate_frame(size)`.
void deallocate_frame(void* frame, std::size_t size) noexcept;

/// Bytes currently held in the calling thread's free lists (for tests and
/// benchmarks).
std::size_t frame_cache_bytes() noexcept;

/// The exact size the compiler asked for in this thread's latest
/// `allocate_frame` (for measuring frame bytes in tests and benchmarks).
std::size_t last_frame_size() noexcept;

/// Base class for promise types: routes frame allocation through the cache.
struct recycled_frame {
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept {
        deallocate_frame(frame, size);
    }
};

} // namespace coropipe::detail
