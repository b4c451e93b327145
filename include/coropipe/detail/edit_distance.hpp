#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <string_view>

namespace coropipe::detail {

/// Optimal string alignment distance (Levenshtein plus adjacent
/// transpositions), ASCII case folded: "grpe" and "GREP" are 1 and 0 from
/// "grep". Compiled in lib/edit_distance.cpp.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// For "did you mean ...?": the name among `known` (each `proj(element)`)
/// nearest to `typed`, at most 2 edits away and fewer edits than `typed` has
/// characters (so "x" suggests nothing); empty if there is none. A name whose
/// length differs by more than 2 is skipped without computing its distance,
/// so a long typo costs nothing.
template <class Names, class Proj = std::identity>
std::string_view nearest_name(std::string_view typed, const Names& known, Proj proj = {}) {
    constexpr std::size_t max_distance = 2;
    std::string_view best;
    std::size_t best_distance = max_distance + 1;
    for (const auto& element : known) {
        const std::string_view name = std::invoke(proj, element);
        if (std::max(typed.size(), name.size()) - std::min(typed.size(), name.size()) > max_distance) {
            continue;
        }
        const std::size_t dist = edit_distance(typed, name);
        if (dist < best_distance && dist < typed.size()) {
            best = name;
            best_distance = dist;
        }
    }
    return best;
}

} // namespace coropipe::detail
