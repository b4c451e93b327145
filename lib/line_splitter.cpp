#include <coropipe/detail/line_splitter.hpp>

#include <memory>

namespace coropipe::detail {

std::span<char> read_scratch() noexcept {
    constexpr std::size_t size = 256 * 1024;
    // Allocated on a thread's first read, not at thread start.
    thread_local std::unique_ptr<char[]> buffer;
    if (buffer == nullptr) {
        buffer = std::make_unique_for_overwrite<char[]>(size);
    }
    return {buffer.get(), size};
}

} // namespace coropipe::detail
