#pragma once

// Private to lib/: tables of 10^0 .. 10^(N-1), for the number parsers
// (lib/field.cpp, lib/number.cpp).

#include <array>
#include <cstddef>

namespace coropipe::detail {

/// 10^0 .. 10^(N-1) as `T`; exact as long as `T` holds 10^(N-1) exactly.
template <class T, std::size_t N>
inline constexpr std::array<T, N> powers_of_ten = [] {
    std::array<T, N> p{};
    T v = 1;
    for (T& x : p) {
        x = v;
        v *= 10;
    }
    return p;
}();

} // namespace coropipe::detail
