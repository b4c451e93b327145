#pragma once

#include <cstdint>
#include <string_view>

namespace coropipe::detail {

/// The number of '\n' bytes in `bytes`: 16 bytes at a time (SSE2 where the
/// target has it), several times faster than `std::count`, which GCC 12
/// does not vectorize for `char`. Compiled in lib/count_lines.cpp.
std::uint64_t count_newlines(std::string_view bytes) noexcept;

} // namespace coropipe::detail
