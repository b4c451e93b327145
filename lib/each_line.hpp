#pragma once
// The lines of a block, one call each: what the whole-buffer paths of the
// pipeline text (lib/text/text_pipeline.cpp) and the grouped aggregates
// (lib/group_by.cpp) run over every block they are fed. Private to the
// library.

#include <cstddef>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace coropipe::detail {

/// Calls `on_line(std::string_view)` for each line of `block` (whole lines,
/// each ending in '\n' but perhaps the last), without its '\n'. An `on_line`
/// that returns bool stops the walk with false; `each_line` then returns
/// false, else true.
template <class OnLine>
bool each_line(std::string_view block, OnLine&& on_line) {
    const char* p = block.data();
    const char* const end = p + block.size();
    while (p != end) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        const char* stop = nl != nullptr ? static_cast<const char*>(nl) : end;
        const std::string_view line(p, static_cast<std::size_t>(stop - p));
        if constexpr (std::is_same_v<decltype(on_line(line)), bool>) {
            if (!on_line(line)) {
                return false;
            }
        } else {
            on_line(line);
        }
        p = stop == end ? end : stop + 1;
    }
    return true;
}

} // namespace coropipe::detail
