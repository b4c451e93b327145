#pragma once

#include <coropipe/detail/search.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace coropipe {

namespace detail {

/// The number in `line` after `key=`, where `key` starts the line or follows
/// a space or tab, and the value runs to the next space, tab, CR or LF (or
/// the end). The first such key counts; empty if it is absent or its value
/// is not a whole number (`12ms` is not). Compiled in lib/field.cpp.
std::optional<double> parse_field(std::string_view line, const substring_searcher& key_eq) noexcept;

/// Whitespace-separated column `n` (1-based, awk's `$n`) of `line`, parsed
/// as a number; empty if the line is shorter or the column is not a number.
std::optional<double> parse_column(std::string_view line, std::size_t n) noexcept;

/// `field(key)`: a projection from a line to its `key=value` number.
class field_projection {
public:
    explicit field_projection(std::string_view key);
    field_projection(const field_projection& other) noexcept;
    field_projection& operator=(const field_projection& other) noexcept;
    ~field_projection();
    std::optional<double> operator()(std::string_view line) const noexcept;

private:
    // One pointer to a shared, reference-counted searcher for "key=": a
    // projection is copied into each stage frame that uses it, and a
    // running_min frame stays within 128 bytes (a shared_ptr is two pointers).
    struct shared_key;
    shared_key* key_;
};

/// `column(n)`: a projection from a line to its n-th column as a number.
class column_projection {
public:
    explicit column_projection(std::size_t n);
    std::optional<double> operator()(std::string_view line) const noexcept { return parse_column(line, n_); }

private:
    std::size_t n_;
};

struct field_fn {
    field_projection operator()(std::string_view key) const { return field_projection(key); }
};
struct column_fn {
    column_projection operator()(std::size_t n) const { return column_projection(n); }
};

} // namespace detail

/// A projection for log lines of `key=value` pairs:
/// `field("latency_ms")(line)` is the `std::optional<double>` value of
/// `latency_ms=...` in `line`. The key must start the line or follow a space
/// or tab (`xlatency_ms=5` is not `latency_ms`); the value is a number as
/// `std::from_chars` reads it (`-3`, `2.5`, `1e3`) and must be the whole
/// token, up to a space, tab or the end of line (a trailing `'\r'` is
/// ignored). Empty when the key is missing or its value is not a number.
///
/// ```
/// lines(log) | running_max(field("latency_ms"), final_only) | print(std::cout);
/// ```
///
/// A plain function of the line: eager, no allocation per call, never throws.
/// `field("")` throws `coropipe::error`.
inline constexpr detail::field_fn field{};

/// A projection for whitespace-separated columns: `column(3)(line)` is the
/// third column (1-based, awk's `$3`) of `line` as a `std::optional<double>`;
/// empty when the line has fewer columns or that column is not a number.
/// Columns are separated by runs of spaces, tabs, CR and LF.
/// `column(0)` throws `coropipe::error` (use the line itself).
///
/// A plain function of the line: eager, no allocation per call, never throws.
inline constexpr detail::column_fn column{};

} // namespace coropipe
