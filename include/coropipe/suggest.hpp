#pragma once

#include <span>
#include <string_view>

namespace coropipe {

/// For "did you mean ...?" messages, as the pipeline text's own errors
/// make them: the name among `known` nearest to `typed` — at most 2 edits
/// away (insertions, deletions, substitutions, adjacent swaps; ASCII case
/// ignored) and fewer edits than `typed` has characters — or empty if none
/// is. Compiled in lib/edit_distance.cpp.
std::string_view nearest_name(std::string_view typed, std::span<const std::string_view> known);

} // namespace coropipe
