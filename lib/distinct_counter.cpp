#include <coropipe/distinct_counter.hpp>

#include <bit>
#include <cmath>
#include <functional>

namespace coropipe {

namespace {

// splitmix64's finalizer: spreads std::hash's bits over all 64.
std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

std::uint64_t hash64(std::string_view s) noexcept {
    return mix(static_cast<std::uint64_t>(std::hash<std::string_view>{}(s)));
}

} // namespace

std::size_t distinct_counter::hash::operator()(std::string_view s) const noexcept {
    return static_cast<std::size_t>(hash64(s));
}

distinct_counter::distinct_counter() = default;
distinct_counter::distinct_counter(distinct_counter&&) noexcept = default;
distinct_counter& distinct_counter::operator=(distinct_counter&&) noexcept = default;
distinct_counter::~distinct_counter() = default;

void distinct_counter::add_hash(std::uint64_t h) noexcept {
    const std::size_t index = static_cast<std::size_t>(h >> (64 - precision));
    const std::uint64_t rest = h << precision;
    // The position of the first 1 bit of the 50 remaining bits, from 1.
    const auto rank = static_cast<std::uint8_t>(rest == 0 ? 64 - precision + 1 : std::countl_zero(rest) + 1);
    if (rank > registers_[index]) {
        registers_[index] = rank;
    }
}

void distinct_counter::add(std::string_view value) {
    if (!exact()) {
        add_hash(hash64(value));
        return;
    }
    if (values_.find(value) != values_.end()) {
        return;
    }
    values_.emplace(value);
    if (values_.size() > exact_limit) {
        registers_.assign(std::size_t{1} << precision, 0);
        for (const std::string& v : values_) {
            add_hash(hash64(v));
        }
        std::unordered_set<std::string, hash, std::equal_to<>>().swap(values_);
    }
}

std::uint64_t distinct_counter::count() const noexcept {
    if (exact()) {
        return values_.size();
    }
    const double m = static_cast<double>(registers_.size());
    double sum = 0;
    std::size_t zeros = 0;
    for (std::uint8_t r : registers_) {
        sum += std::ldexp(1.0, -static_cast<int>(r));
        zeros += r == 0 ? 1 : 0;
    }
    const double alpha = 0.7213 / (1 + 1.079 / m);
    double estimate = alpha * m * m / sum;
    if (estimate <= 2.5 * m && zeros > 0) {
        estimate = m * std::log(m / static_cast<double>(zeros)); // linear counting
    }
    return static_cast<std::uint64_t>(std::llround(estimate));
}

} // namespace coropipe
