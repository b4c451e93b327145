#include <coropipe/detail/frame_allocator.hpp>

#include <array>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define COROPIPE_RECYCLE_FRAMES 0
#else
#define COROPIPE_RECYCLE_FRAMES 1
#endif

namespace coropipe::detail {
namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t max_cached_size = 1024;
constexpr std::size_t class_count = max_cached_size / granule;
// Cap per class so that a burst of frames does not pin memory forever.
constexpr std::size_t max_blocks_per_class = 4096;

struct free_block {
    free_block* next;
};

struct frame_cache {
    std::array<free_block*, class_count> heads{};
    std::array<std::size_t, class_count> counts{};

    frame_cache() = default;
    frame_cache(const frame_cache&) = delete;
    frame_cache& operator=(const frame_cache&) = delete;

    ~frame_cache() {
        for (auto& head : heads) {
            while (head != nullptr) {
                free_block* next = head->next;
                ::operator delete(head);
                head = next;
            }
        }
    }
};

// A frame freed while the thread is exiting, after its cache is gone, goes
// straight back to the global heap.
thread_local bool cache_gone = false;

struct cache_holder {
    frame_cache cache;
    ~cache_holder() { cache_gone = true; }
};

[[maybe_unused]] frame_cache* this_thread_cache() noexcept {
    if (cache_gone) {
        return nullptr;
    }
    thread_local cache_holder holder;
    return &holder.cache;
}

constexpr std::size_t class_of(std::size_t size) noexcept { return (size + granule - 1) / granule - 1; }

} // namespace

thread_local std::size_t last_size = 0;

void* allocate_frame(std::size_t size) {
    last_size = size;
#if COROPIPE_RECYCLE_FRAMES
    if (size <= max_cached_size) {
        const std::size_t c = class_of(size);
        if (frame_cache* cache = this_thread_cache()) {
            if (free_block* block = cache->heads[c]) {
                cache->heads[c] = block->next;
                --cache->counts[c];
                return block;
            }
        }
        // Always the whole size class: the block may later be recycled for
        // any frame of its class.
        return ::operator new((c + 1) * granule);
    }
#endif
    return ::operator new(size);
}

void deallocate_frame(void* frame, std::size_t size) noexcept {
#if COROPIPE_RECYCLE_FRAMES
    if (size <= max_cached_size) {
        frame_cache* cache = this_thread_cache();
        const std::size_t c = class_of(size);
        if (cache != nullptr && cache->counts[c] < max_blocks_per_class) {
            auto* block = static_cast<free_block*>(frame);
            block->next = cache->heads[c];
            cache->heads[c] = block;
            ++cache->counts[c];
            return;
        }
        ::operator delete(frame);
        return;
    }
#endif
    ::operator delete(frame); // sized delete is not on by default in clang 14
}

std::size_t last_frame_size() noexcept { return last_size; }

std::size_t frame_cache_bytes() noexcept {
    std::size_t total = 0;
#if COROPIPE_RECYCLE_FRAMES
    if (frame_cache* cache = this_thread_cache()) {
        for (std::size_t c = 0; c < class_count; ++c) {
            total += cache->counts[c] * (c + 1) * granule;
        }
    }
#endif
    return total;
}

} // namespace coropipe::detail
