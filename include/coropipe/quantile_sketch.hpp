#pragma once

#include <cstdint>
#include <vector>

namespace coropipe {

/// A mergeable quantile sketch with a bounded relative error (DDSketch,
/// Masson et al., VLDB 2019): what `p50`/`p90`/`p95`/`p99` keep per group.
///
/// - Values fall into logarithmic buckets of ratio gamma = 1.01/0.99, so
///   `quantile(q)` is within 1% (relative) of a value of the input whose
///   rank is q*(n-1), rounded down: for a non-negative or non-positive
///   input, within 1% of the exact quantile. `quantile(0)` and
///   `quantile(1)` are the exact minimum and maximum, and every estimate is
///   clamped to [min, max].
/// - Memory is bounded: at most `max_buckets` (2048) buckets of 8 bytes per
///   sign, about 32 KiB in the worst case, a few hundred bytes for values
///   within 3 orders of magnitude. 2048 buckets cover 17 orders of
///   magnitude; beyond them the smallest buckets are merged (their values
///   lose the 1% bound, the large ones keep it).
/// - Zero and values below 1e-300 in magnitude count as 0; NaN is ignored.
///
/// A value type; never throws but `std::bad_alloc`. lib/quantile_sketch.cpp.
class quantile_sketch {
public:
    static constexpr double relative_accuracy = 0.01;
    static constexpr std::size_t max_buckets = 2048;

    void add(double value);
    /// The estimate of the q-quantile (0 <= q <= 1); 0 when empty.
    double quantile(double q) const noexcept;
    std::uint64_t count() const noexcept { return count_; }
    double min() const noexcept { return min_; }
    double max() const noexcept { return max_; }

private:
    // Counts of buckets first_ .. first_ + counts.size() - 1 (of |value|).
    struct store {
        std::vector<std::uint64_t> counts;
        int first = 0;
        void add(int index);
        std::uint64_t total() const noexcept;
    };
    store positive_;
    store negative_;
    std::uint64_t zeros_ = 0;
    std::uint64_t count_ = 0;
    double min_ = 0;
    double max_ = 0;
};

} // namespace coropipe
