#pragma once

// A source of counted objects, for early-destruction and error tests.

#include <coropipe/generator.hpp>

#include <counted.hpp>

#include <cstddef>
#include <stdexcept>
#include <vector>

namespace coropipe::test {

/// Yields `counted(v)` for each of `values`; throws std::domain_error instead
/// of yielding the element at index `throw_at`. Holds a counted local too.
inline generator<counted> counted_values(std::vector<int> values, int throw_at = -1) {
    counted in_scope;
    for (int i = 0; i < static_cast<int>(values.size()); ++i) {
        if (i == throw_at) {
            throw std::domain_error("bad reading");
        }
        co_yield counted(values[static_cast<std::size_t>(i)]);
    }
}

/// 0, 1, 2, ... (`n` of them, or forever with n < 0), counting in `*pulls`
/// every element pulled out of it; throws std::invalid_argument instead of
/// yielding `throw_at`. Sets `*started` (if given) when its body runs. Holds
/// a counted local.
inline generator<int> naturals(int* pulls, int n = -1, int throw_at = -1, bool* started = nullptr) {
    counted in_scope;
    if (started != nullptr) {
        *started = true;
    }
    for (int i = 0; n < 0 || i < n; ++i) {
        if (i == throw_at) {
            throw std::invalid_argument("bad element");
        }
        ++*pulls;
        co_yield i;
    }
}

/// A projection for counted objects.
inline int value_of(const counted& c) { return c.value; }

} // namespace coropipe::test
