#pragma once

// Copying a range's elements out, for comparing with expected values.

#include <initializer_list>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace coropipe::test {

/// Every element of `range`, copied into a vector. `std::string_view`
/// elements become `std::string`s: they point into buffers that the range
/// reuses as it advances.
template <class Range>
auto collect(Range&& range) {
    using value = std::remove_cvref_t<std::ranges::range_reference_t<Range>>;
    using stored = std::conditional_t<std::is_same_v<value, std::string_view>, std::string, value>;
    std::vector<stored> out;
    for (auto&& x : range) {
        out.emplace_back(x);
    }
    return out;
}

/// `{"a", "b"}` as a vector of strings, to compare with collect's result.
inline std::vector<std::string> strings(std::vector<std::string_view> in) { return {in.begin(), in.end()}; }

} // namespace coropipe::test
