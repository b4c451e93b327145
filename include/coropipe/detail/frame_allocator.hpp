#pragma once

#include <coroutine>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

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

template <class>
inline constexpr bool dependent_false = false;

/// Base class for promise types: routes frame allocation through the cache.
struct recycled_frame {
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { deallocate_frame(frame, size); }

    // A coroutine whose parameters start with `std::allocator_arg, alloc`
    // (C++23 std::generator's convention) gets here. `generator` and
    // `coroutine` honour it (their promise then takes its frame from the
    // allocator, see `allocator_frame`); a stage does not: its frame always
    // comes from the cache, so say so rather than ignore the allocator.
    template <class Alloc, class... Args>
    static void* operator new(std::size_t size, std::allocator_arg_t, const Alloc&, const Args&...) {
        static_assert(dependent_false<Alloc>,
                      "coropipe: a stage's frame comes from coropipe's per-thread frame cache and cannot take "
                      "std::allocator_arg; drop the allocator parameters (generator and coroutine accept them)");
        return allocate_frame(size);
    }
    template <class This, class Alloc, class... Args>
    static void* operator new(std::size_t size, const This&, std::allocator_arg_t, const Alloc&, const Args&...) {
        static_assert(dependent_false<Alloc>,
                      "coropipe: a stage's frame comes from coropipe's per-thread frame cache and cannot take "
                      "std::allocator_arg; drop the allocator parameters (generator and coroutine accept them)");
        return allocate_frame(size);
    }
};

/// Base class for the promise of a coroutine declared with
/// `(std::allocator_arg_t, Alloc, ...)` parameters: the frame comes from a
/// copy of that allocator (rebound), which is kept just past the frame and
/// frees it. Selected by the `std::coroutine_traits` specialization below.
template <class Alloc>
struct allocator_frame {
    struct alignas(__STDCPP_DEFAULT_NEW_ALIGNMENT__) block {
        std::byte bytes[__STDCPP_DEFAULT_NEW_ALIGNMENT__];
    };
    using block_allocator = typename std::allocator_traits<Alloc>::template rebind_alloc<block>;
    using traits = std::allocator_traits<block_allocator>;

    static constexpr std::size_t allocator_offset(std::size_t size) noexcept {
        return (size + alignof(block_allocator) - 1) / alignof(block_allocator) * alignof(block_allocator);
    }
    static constexpr std::size_t block_count(std::size_t size) noexcept {
        return (allocator_offset(size) + sizeof(block_allocator) + sizeof(block) - 1) / sizeof(block);
    }

    static void* allocate(const Alloc& alloc, std::size_t size) {
        block_allocator a(alloc);
        block* frame = traits::allocate(a, block_count(size));
        ::new (static_cast<void*>(reinterpret_cast<std::byte*>(frame) + allocator_offset(size)))
            block_allocator(std::move(a));
        return frame;
    }

    template <class... Args>
    static void* operator new(std::size_t size, std::allocator_arg_t, const Alloc& alloc, const Args&...) {
        return allocate(alloc, size);
    }
    // A member function: the object comes first.
    template <class This, class... Args>
    static void* operator new(std::size_t size, const This&, std::allocator_arg_t, const Alloc& alloc,
                              const Args&...) {
        return allocate(alloc, size);
    }
    static void operator delete(void* frame, std::size_t size) noexcept {
        auto* stored = std::launder(
            reinterpret_cast<block_allocator*>(static_cast<std::byte*>(frame) + allocator_offset(size)));
        block_allocator a(std::move(*stored));
        stored->~block_allocator();
        traits::deallocate(a, static_cast<block*>(frame), block_count(size));
    }
};

/// The frame memory of a promise: the cache (`Alloc = void`) or an allocator.
template <class Alloc>
struct frame_memory_of {
    using type = allocator_frame<Alloc>;
};
template <>
struct frame_memory_of<void> {
    using type = recycled_frame;
};
template <class Alloc>
using frame_memory = typename frame_memory_of<Alloc>::type;

/// A coroutine return type `G` that names the promise for frames from an
/// allocator `Alloc` as `G::promise_for<Alloc>` (`generator`, `coroutine`).
template <class G, class Alloc>
concept allocator_aware_coroutine = requires { typename G::template promise_for<Alloc>; };

} // namespace coropipe::detail

/// `G f(std::allocator_arg_t, Alloc, ...)`, for a free function or a static
/// member: the frame comes from `Alloc` (C++23 std::generator's convention).
template <class G, class Alloc, class... Args>
    requires coropipe::detail::allocator_aware_coroutine<G, std::remove_cvref_t<Alloc>>
struct std::coroutine_traits<G, std::allocator_arg_t, Alloc, Args...> {
    using promise_type = typename G::template promise_for<std::remove_cvref_t<Alloc>>;
};

/// `G C::f(std::allocator_arg_t, Alloc, ...)`: the same for a member
/// function, whose object comes first.
template <class G, class This, class Alloc, class... Args>
    requires(coropipe::detail::allocator_aware_coroutine<G, std::remove_cvref_t<Alloc>> &&
             !std::is_same_v<std::remove_cvref_t<This>, std::allocator_arg_t>)
struct std::coroutine_traits<G, This, std::allocator_arg_t, Alloc, Args...> {
    using promise_type = typename G::template promise_for<std::remove_cvref_t<Alloc>>;
};
