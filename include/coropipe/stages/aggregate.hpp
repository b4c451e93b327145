#pragma once

#include <coropipe/stages/running_min.hpp> // final_only, projected_stage_fn, accumulate_step

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>

namespace coropipe {

namespace detail {

/// A projected value as a number to add up, or empty (no candidate).
template <class V>
std::optional<double> as_number(const std::optional<V>& v) {
    return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}
template <class V>
std::optional<double> as_number(const V& v) {
    return static_cast<double>(v);
}

// The accumulators (see accumulate_step): `offer(projected)` takes an input
// and says whether it counted; `current()` is the running value, yielded in
// place; `has_final()` whether `final_only` yields it at the end.

/// Counts every input.
struct count_accumulator {
    std::size_t total = 0;
    template <class V>
    bool offer(const V&) noexcept {
        ++total;
        return true;
    }
    std::size_t& current() noexcept { return total; }
    bool has_final() const noexcept { return true; }
};

/// Adds up the values; empty ones are skipped. The sum of nothing is 0.
struct sum_accumulator {
    double total = 0;
    template <class V>
    bool offer(const V& v) {
        const std::optional<double> x = as_number(v);
        if (x) {
            total += *x;
        }
        return x.has_value();
    }
    double& current() noexcept { return total; }
    bool has_final() const noexcept { return true; }
};

/// The mean of the values, updated in place (`mean += (x - mean) / n`, which
/// cannot overflow where the sum would); empty ones are skipped. No mean of
/// nothing.
struct avg_accumulator {
    double mean = 0;
    std::size_t n = 0;
    template <class V>
    bool offer(const V& v) {
        const std::optional<double> x = as_number(v);
        if (x) {
            ++n;
            mean += (*x - mean) / static_cast<double>(n);
        }
        return x.has_value();
    }
    double& current() noexcept { return mean; }
    bool has_final() const noexcept { return n != 0; }
};

/// The stage forms of `sum` and `avg`: `(proj[, final_only])`, and with a
/// source first, `source | (proj[, final_only])` (shared with running_min).
template <class Acc>
struct same_accumulator {
    template <class V>
    using type = Acc;
};
template <class Acc>
using accumulate_fn = projected_stage_fn<same_accumulator<Acc>>;

/// `count`: counts every input, so it needs no projection.
struct count_fn {
    using fn = accumulate_fn<count_accumulator>;
    auto operator()() const { return fn::closure(std::identity{}, false); }
    auto operator()(final_only_t) const { return fn::closure(std::identity{}, true); }
    template <source_range Source, class... Args>
        requires std::invocable<const count_fn&, Args...>
    auto operator()(Source&& source, Args&&... args) const {
        return std::forward<Source>(source) | (*this)(std::forward<Args>(args)...);
    }
};

} // namespace detail

/// The running count of the inputs, `wc -l` as it goes: yields 1, 2, 3, ...
/// (`std::size_t`), one per input; with `count(coropipe::final_only)` only
/// the total, once the input has ended (0 for an empty input).
/// `count(source[, final_only])` is `source | count(...)`.
///
/// ```
/// lines(log) | grep("ERROR") | count(final_only) | print();
/// ```
///
/// Lazy: pulls from upstream only when downstream asks. An exception from
/// upstream surfaces at the consumer's resume point with its own type.
/// Destroying the result early destroys upstream.
inline constexpr detail::count_fn count{};

/// The running sum of `proj(x)` as a `double`, one output per input:
/// `sum(proj[, coropipe::final_only])`, `sum(source, proj[, final_only])`.
/// `proj` returns a number or a `std::optional` of one (`coropipe::field(key)`,
/// `coropipe::column(n)`, `std::identity{}`); inputs where it is empty are
/// skipped (no output). With `final_only`, only the total, once the input
/// has ended (0 when nothing counted).
///
/// ```
/// lines(log) | sum(field("bytes"), final_only) | print();
/// ```
///
/// Lazy: pulls from upstream only when downstream asks. An exception from
/// `proj` or upstream surfaces at the consumer's resume point with its own
/// type. Destroying the result early destroys upstream.
inline constexpr detail::accumulate_fn<detail::sum_accumulator> sum{};

/// The running mean of `proj(x)` as a `double`: `sum` divided by the number
/// of values that counted, in the same forms and with the same guarantees.
/// With `final_only` on an input where nothing counted, it yields nothing
/// (there is no mean of no values).
inline constexpr detail::accumulate_fn<detail::avg_accumulator> avg{};

} // namespace coropipe
