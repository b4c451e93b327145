#include <coropipe/quantile_sketch.hpp>

#include <algorithm>
#include <cmath>

namespace coropipe {

namespace {

constexpr double gamma_ = (1 + quantile_sketch::relative_accuracy) / (1 - quantile_sketch::relative_accuracy);
const double log_gamma = std::log(gamma_);
constexpr double smallest = 1e-300;

int index_of(double magnitude) noexcept {
    return static_cast<int>(std::ceil(std::log(magnitude) / log_gamma));
}

// The value that represents bucket `index`: within the relative accuracy of
// every value in (gamma^(index-1), gamma^index].
double value_of(int index) noexcept {
    return 2 * std::pow(gamma_, index) / (gamma_ + 1);
}

} // namespace

void quantile_sketch::store::add(int index) {
    if (counts.empty()) {
        counts.assign(1, 0);
        first = index;
    } else if (index < first) {
        if (static_cast<std::size_t>(first - index) + counts.size() > max_buckets) {
            // Too wide: the smallest values go into the lowest bucket kept.
            index = std::min(first, static_cast<int>(first + counts.size()) - static_cast<int>(max_buckets));
            if (index < first) {
                counts.insert(counts.begin(), static_cast<std::size_t>(first - index), 0);
                first = index;
            }
        } else {
            counts.insert(counts.begin(), static_cast<std::size_t>(first - index), 0);
            first = index;
        }
    } else if (static_cast<std::size_t>(index - first) >= counts.size()) {
        const std::size_t size = static_cast<std::size_t>(index - first) + 1;
        if (size > max_buckets) {
            // Merge the lowest buckets into the one that stays lowest.
            const std::size_t drop = size - max_buckets;
            const std::size_t merged = std::min(drop, counts.size());
            std::uint64_t moved = 0;
            for (std::size_t i = 0; i < merged; ++i) {
                moved += counts[i];
            }
            counts.erase(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(merged));
            first += static_cast<int>(drop);
            if (counts.empty()) {
                counts.assign(1, 0);
            }
            counts.front() += moved;
        }
        counts.resize(static_cast<std::size_t>(index - first) + 1, 0);
    }
    ++counts[static_cast<std::size_t>(index - first)];
}

std::uint64_t quantile_sketch::store::total() const noexcept {
    std::uint64_t n = 0;
    for (std::uint64_t c : counts) {
        n += c;
    }
    return n;
}

void quantile_sketch::add(double value) {
    if (std::isnan(value)) {
        return;
    }
    if (count_ == 0) {
        min_ = max_ = value;
    } else {
        min_ = std::min(min_, value);
        max_ = std::max(max_, value);
    }
    ++count_;
    const double magnitude = std::fabs(value);
    if (magnitude < smallest) {
        ++zeros_;
    } else if (std::isinf(magnitude)) {
        (value > 0 ? positive_ : negative_).add(index_of(1e308) + 1);
    } else {
        (value > 0 ? positive_ : negative_).add(index_of(magnitude));
    }
}

double quantile_sketch::quantile(double q) const noexcept {
    if (count_ == 0) {
        return 0;
    }
    if (q <= 0) {
        return min_;
    }
    if (q >= 1) {
        return max_;
    }
    // The value of rank floor(q * (n - 1)) (0-based), walking up from the
    // most negative: negative buckets from the largest magnitude down.
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1));
    std::uint64_t seen = 0;
    double estimate = max_;
    bool found = false;
    for (std::size_t i = negative_.counts.size(); i-- > 0 && !found;) {
        seen += negative_.counts[i];
        if (seen > rank) {
            estimate = -value_of(negative_.first + static_cast<int>(i));
            found = true;
        }
    }
    if (!found) {
        seen += zeros_;
        if (seen > rank) {
            estimate = 0;
            found = true;
        }
    }
    for (std::size_t i = 0; i < positive_.counts.size() && !found; ++i) {
        seen += positive_.counts[i];
        if (seen > rank) {
            estimate = value_of(positive_.first + static_cast<int>(i));
            found = true;
        }
    }
    return std::clamp(estimate, min_, max_);
}

} // namespace coropipe
