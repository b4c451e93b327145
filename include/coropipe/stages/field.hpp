#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace coropipe {

namespace detail {

/// The value of `key_eq` (`"key="`) in `line`: the bytes after the first
/// `key=` that starts the line or follows a space or tab, up to the next
/// space, tab, CR or LF (or the end); possibly empty (`key= x`). Empty
/// optional if there is no such `key=`. Compiled in lib/field.cpp.
std::optional<std::string_view> find_field(std::string_view line, std::string_view key_eq) noexcept;

/// A logfmt value: `find_field`'s, except that a value starting with `"`
/// is quoted: the bytes after it up to the next `"` that no backslash
/// escapes (or, in a line cut short, up to the next CR, LF or the end),
/// without the quotes and still escaped; `*escaped` is set if it holds a
/// backslash (`\"` and `\\` are for the caller to undo). `key_eq` is
/// `"key="`, as for `find_field`.
std::optional<std::string_view> find_logfmt_field(std::string_view line, std::string_view key_eq,
                                                  bool* escaped) noexcept;

/// Whitespace-separated column `n` (1-based, awk's `$n`) of `line`: columns
/// are separated by runs of spaces, tabs, CR and LF. Empty optional if the
/// line has fewer than `n` columns.
std::optional<std::string_view> find_column(std::string_view line, std::size_t n) noexcept;

/// The whole of `token` as a decimal number (`-3`, `2.5`, `.5`, `1e3`, as
/// `std::from_chars` reads them; not `+5`, `inf`, `nan`, `12ms`), or empty.
std::optional<double> parse_number(std::string_view token) noexcept;

/// `field(key)`: a projection from a line to its `key=value` number.
class field_projection {
public:
    explicit field_projection(std::string_view key);
    field_projection(const field_projection& other) noexcept;
    field_projection& operator=(const field_projection& other) noexcept;
    ~field_projection();
    /// The value as a number; empty when the key is missing or not a number.
    std::optional<double> operator()(std::string_view line) const noexcept;
    /// The value as it is written in the line; empty when the key is missing.
    std::optional<std::string_view> text(std::string_view line) const noexcept;

private:
    // One pointer to a shared, reference-counted "key=": a
    // projection is copied into each stage frame that uses it, and a
    // running_min frame stays within 128 bytes (a shared_ptr is two pointers).
    struct shared_key;
    shared_key* key_;
};

/// `column(n)`: a projection from a line to its n-th column as a number.
class column_projection {
public:
    explicit column_projection(std::size_t n);
    /// The column as a number; empty when it is missing or not a number.
    std::optional<double> operator()(std::string_view line) const noexcept {
        const std::optional<std::string_view> token = find_column(line, n_);
        return token ? parse_number(*token) : std::nullopt;
    }
    /// The column as it is written in the line; empty when it is missing.
    std::optional<std::string_view> text(std::string_view line) const noexcept { return find_column(line, n_); }

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
/// `field("latency_ms").text(line)` is the value as written (any bytes up to
/// the next blank, not only numbers: `user=u42` gives `u42`), empty when the
/// key is missing; `coropipe::format` prints fields this way.
///
/// A plain function of the line: eager, no allocation per call, never throws.
/// `field("")` throws `coropipe::error`.
inline constexpr detail::field_fn field{};

/// A projection for whitespace-separated columns: `column(3)(line)` is the
/// third column (1-based, awk's `$3`) of `line` as a `std::optional<double>`;
/// empty when the line has fewer columns or that column is not a number.
/// Columns are separated by runs of spaces, tabs, CR and LF.
/// `column(3).text(line)` is the column as written, empty when it is missing.
/// `column(0)` throws `coropipe::error` (use the line itself).
///
/// A plain function of the line: eager, no allocation per call, never throws.
inline constexpr detail::column_fn column{};

} // namespace coropipe
