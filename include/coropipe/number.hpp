#pragma once

#include <charconv>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coropipe {

/// A number read from a log field, kept exactly where it can be: what the
/// numeric stages (min, max, sum, avg) and `where` compare, add and print.
///
/// - **Exact** (the usual case): a decimal `mantissa / 10^scale` with a
///   128-bit mantissa (38 significant digits) and 0 <= scale <= 38. Every
///   integer up to 10^38 and every decimal written with at most 38 digits
///   is held exactly: `12345678901234567890` compares and prints as itself,
///   `0.1 + 0.2` is `0.3`, `200000` prints `200000`.
/// - **Approximate**: a `double`, for what does not fit (more than 38
///   significant digits, an exponent beyond the scale, a sum that
///   overflows): `1e400` is +infinity, `1e-400` is 0. Comparing an exact and
///   an approximate number compares doubles.
///
/// Printing (`to_chars`, `to_string`) never uses an exponent: an exact value
/// prints its digits with the point where the scale puts it and without
/// trailing fractional zeros (`2.50` prints `2.5`, `4.00` prints `4`); an
/// approximate one prints the shortest fixed-notation digits that read back
/// to the same double (`std::to_chars(..., std::chars_format::fixed)`:
/// `0.3333333333333333`, `100000000000000000000`), or `inf`, `-inf`, `nan`.
/// A value passed through unchanged (min, max, `where`) should be printed as
/// its field's text, which this type does not keep: `1.50` stays `1.50`.
///
/// A small value type (32 bytes): copyable, no allocation, never throws.
/// Non-inline code in lib/number.cpp.
class number {
public:
    /// Room `to_chars` may need: the longest fixed form of a double
    /// (`-0.000...0049406564584124654` is 327 bytes) and then some.
    static constexpr std::size_t max_chars = 340;

    /// Zero.
    constexpr number() noexcept = default;

    /// The whole of `text` as a decimal number: an optional `-`, digits with
    /// an optional `.` (`42`, `-3.25`, `.5`, `5.`), an optional exponent
    /// (`1e3`, `2.5E-4`); what `std::from_chars` reads, except `inf`, `nan`
    /// and hexadecimal. Empty for anything else: `+5`, ` 5`, `12ms`, `1,5`,
    /// `0x10`, an empty text. A JSON number always parses.
    static std::optional<number> parse(std::string_view text) noexcept;

    static number from_int(std::int64_t value) noexcept;
    static number from_uint(std::uint64_t value) noexcept;
    /// An approximate number (exact, if `value` is a whole number below 2^63).
    static number from_double(double value) noexcept;

    /// True if held exactly as a decimal (see above).
    bool exact() const noexcept { return exact_; }
    /// True if exact with no fractional digits but zeros (`7`, `7.00`).
    bool is_integer() const noexcept;
    /// The nearest double (correctly rounded for an exact number).
    double to_double() const noexcept;

    /// Numeric order (`1.0 == 1`, `-2 < 0.5`); unordered only with a NaN
    /// (an infinite sum minus an infinite sum).
    friend std::partial_ordering operator<=>(const number& a, const number& b) noexcept { return compare(a, b); }
    friend bool operator==(const number& a, const number& b) noexcept { return compare(a, b) == 0; }

    /// The sum: exact when both are and it fits, else approximate.
    number& operator+=(const number& other) noexcept;
    friend number operator+(number a, const number& b) noexcept { return a += b; }

    /// This divided by `count` (an average): exact when the quotient is a
    /// decimal that fits (`10 / 4` is `2.5`), else approximate (`1 / 3`).
    /// `count` 0 gives NaN.
    number divided_by(std::uint64_t count) const noexcept;

    /// Writes the value as described above; `errc::value_too_large` if
    /// [first, last) is too small (`max_chars` is always enough).
    std::to_chars_result to_chars(char* first, char* last) const noexcept;
    std::string to_string() const;

private:
    friend struct number_parts; // lib/number.cpp: the mantissa as an __int128

    static std::partial_ordering compare(const number& a, const number& b) noexcept;

    // The exact value's mantissa, a two's complement 128-bit integer, as two
    // words so that no __int128 reaches the public header (-Wpedantic).
    std::uint64_t lo_ = 0;
    std::uint64_t hi_ = 0;
    double approx_ = 0; // the value when !exact_
    std::uint8_t scale_ = 0;
    bool exact_ = true;
};

} // namespace coropipe
