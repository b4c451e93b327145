#include <coropipe/number.hpp>

#include "powers_of_ten.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

// No coroutine in this file: the `where` fuzz target compiles it alone.

namespace coropipe {

namespace {

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

constexpr int max_scale = 38;
constexpr int max_digits = 38; // 10^38 - 1 < 2^127

constexpr const auto& powers_of_ten = detail::powers_of_ten<uint128, max_digits + 1>;

// 10^0 .. 10^22: exact doubles (Clinger's fast path).
constexpr int max_exact_double_power = 22;
constexpr const auto& double_powers = detail::powers_of_ten<double, max_exact_double_power + 1>;

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// |m| for a mantissa that is never -2^127 (|m| < 10^38).
constexpr uint128 magnitude(int128 m) noexcept { return m < 0 ? -static_cast<uint128>(m) : static_cast<uint128>(m); }

// `m * 10^k` into `out`; false on overflow.
bool scale_up(int128 m, int k, int128* out) noexcept {
    if (k > max_digits) {
        if (m != 0) {
            return false;
        }
        *out = 0;
        return true;
    }
    return !__builtin_mul_overflow(m, static_cast<int128>(powers_of_ten[static_cast<std::size_t>(k)]), out);
}

// The digits of `v`, most significant first, into the end of [first, last): returns where they start.
char* digits_backwards(uint128 v, char* last) noexcept {
    char* p = last;
    do {
        *--p = static_cast<char>('0' + static_cast<int>(v % 10));
        v /= 10;
    } while (v != 0);
    return p;
}

// `d` in fixed notation with the shortest digits that read back to `d`:
// std::to_chars' scientific form ("2e+38"), its digits written out in
// fixed form ("200000000000000000000000000000000000000"). (to_chars'
// own fixed form is the shortest *text*, which for a large double is its
// exact binary value, "199999999999999995497619646912068059136".)
std::to_chars_result fixed_shortest(char* first, char* last, double d) noexcept {
    if (!std::isfinite(d)) {
        return std::to_chars(first, last, d);
    }
    char sci[32];
    const std::to_chars_result r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
    const std::string_view text(sci, static_cast<std::size_t>(r.ptr - sci));
    const bool negative = text.front() == '-';
    const std::size_t e = text.find('e');
    char digits[20];
    std::size_t n = 0;
    for (char c : text.substr(negative ? 1 : 0, e - (negative ? 1 : 0))) {
        if (c != '.') {
            digits[n++] = c;
        }
    }
    int exponent = 0;
    std::from_chars(sci + e + (text[e + 1] == '+' ? 2 : 1), r.ptr, exponent);
    // The value is 0.DIGITS * 10^(exponent + 1): `point` digits before the point.
    const long point = exponent + 1L;
    const std::size_t size = (negative ? 1 : 0) + (point <= 0 ? 2 + static_cast<std::size_t>(-point) + n
                                                              : std::max(static_cast<std::size_t>(point), n) +
                                                                    (static_cast<std::size_t>(point) < n ? 1 : 0));
    if (static_cast<std::size_t>(last - first) < size) {
        return {last, std::errc::value_too_large};
    }
    char* out = first;
    if (negative) {
        *out++ = '-';
    }
    if (point <= 0) {
        *out++ = '0';
        *out++ = '.';
        out = std::fill_n(out, -point, '0');
        out = std::copy(digits, digits + n, out);
    } else if (static_cast<std::size_t>(point) >= n) {
        out = std::copy(digits, digits + n, out);
        out = std::fill_n(out, static_cast<std::size_t>(point) - n, '0');
    } else {
        out = std::copy(digits, digits + point, out);
        *out++ = '.';
        out = std::copy(digits + point, digits + n, out);
    }
    return {out, std::errc()};
}

} // namespace

// number's private words, for the code of this file (a friend of number).
struct number_parts {
    static number exact(int128 m, int scale) noexcept {
        number n;
        const auto u = static_cast<uint128>(m);
        n.lo_ = static_cast<std::uint64_t>(u);
        n.hi_ = static_cast<std::uint64_t>(u >> 64);
        n.scale_ = static_cast<std::uint8_t>(scale);
        n.exact_ = true;
        return n;
    }
    static number approx(double d) noexcept {
        number n;
        n.approx_ = d;
        n.exact_ = false;
        return n;
    }
    static int128 mantissa(const number& n) noexcept {
        return static_cast<int128>((static_cast<uint128>(n.hi_) << 64) | n.lo_);
    }
};

namespace {

number make_exact(int128 m, int scale) noexcept { return number_parts::exact(m, scale); }
number make_approx(double d) noexcept { return number_parts::approx(d); }

// A number that parse() could not hold exactly: from_chars, with an
// overflow as an infinity and an underflow as a zero. `decimal_exponent`
// is roughly log10 of the value (to tell the two apart).
number parse_approx(std::string_view text, bool negative, long long decimal_exponent) noexcept {
    double d = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range) {
        d = decimal_exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
        d = negative ? -d : d;
    } else if (ec != std::errc() || ptr != text.data() + text.size()) {
        d = std::numeric_limits<double>::quiet_NaN(); // cannot happen: the text was checked
    }
    return make_approx(d);
}
} // namespace

std::optional<number> number::parse(std::string_view text) noexcept {
    const char* p = text.data();
    const char* const last = p + text.size();
    const bool negative = p != last && *p == '-';
    p += negative ? 1 : 0;

    // Digits, then '.' and digits: the significant ones (after leading
    // zeros) go into the mantissa, up to max_digits.
    std::uint64_t small = 0; // the first 19 significant digits, fast
    int128 mantissa = 0;
    int significant = 0;
    bool overflow = false;
    int fraction_digits = 0;
    int int_digits = 0; // significant digits before the point
    bool any_digit = false;
    auto take = [&](char c) {
        any_digit = true;
        if (significant == 0 && c == '0') {
            return; // a leading zero
        }
        ++significant;
        if (significant <= 19) {
            small = small * 10 + static_cast<unsigned>(c - '0');
            if (significant == 19) {
                mantissa = small;
            }
        } else if (significant <= max_digits) {
            mantissa = mantissa * 10 + (c - '0');
        } else {
            overflow = true;
        }
    };
    for (; p != last && is_digit(*p); ++p) {
        take(*p);
    }
    int_digits = significant;
    if (p != last && *p == '.') {
        ++p;
        for (; p != last && is_digit(*p); ++p) {
            take(*p);
            ++fraction_digits;
        }
    }
    if (!any_digit) {
        return std::nullopt;
    }
    long long exponent = 0;
    if (p != last && (*p == 'e' || *p == 'E')) {
        ++p;
        const bool negative_exponent = p != last && *p == '-';
        p += p != last && (*p == '-' || *p == '+') ? 1 : 0;
        if (p == last || !is_digit(*p)) {
            return std::nullopt;
        }
        for (; p != last && is_digit(*p); ++p) {
            if (exponent < 1'000'000'000) { // saturates: far beyond any double
                exponent = exponent * 10 + (*p - '0');
            }
        }
        exponent = negative_exponent ? -exponent : exponent;
    }
    if (p != last) {
        return std::nullopt;
    }
    if (significant < 19) {
        mantissa = small;
    }
    // Only text from_chars reads gets here: it is the approximate path.
    const long long decimal_exponent = int_digits + exponent;
    if (overflow) {
        return parse_approx(text, negative, decimal_exponent);
    }
    long long scale = fraction_digits - exponent;
    if (mantissa == 0) {
        return make_exact(0, 0);
    }
    if (scale < 0) {
        int128 scaled = 0;
        if (-scale > max_digits || !scale_up(mantissa, static_cast<int>(-scale), &scaled)) {
            return parse_approx(text, negative, decimal_exponent);
        }
        mantissa = scaled;
        scale = 0;
    }
    if (scale > max_scale) {
        return parse_approx(text, negative, decimal_exponent);
    }
    return make_exact(negative ? -mantissa : mantissa, static_cast<int>(scale));
}

number number::from_int(std::int64_t value) noexcept { return make_exact(value, 0); }
number number::from_uint(std::uint64_t value) noexcept { return make_exact(static_cast<int128>(value), 0); }

number number::from_double(double value) noexcept {
    constexpr double two_to_63 = 9223372036854775808.0;
    if (value > -two_to_63 && value < two_to_63 && value == std::trunc(value)) {
        return make_exact(static_cast<std::int64_t>(value), 0);
    }
    return make_approx(value);
}

bool number::is_integer() const noexcept {
    if (!exact_) {
        return false;
    }
    const int128 m = number_parts::mantissa(*this);
    return scale_ == 0 || magnitude(m) % powers_of_ten[scale_] == 0;
}

double number::to_double() const noexcept {
    if (!exact_) {
        return approx_;
    }
    const int128 m = number_parts::mantissa(*this);
    const uint128 mag = magnitude(m);
    constexpr uint128 two_to_53 = uint128{1} << 53;
    if (mag <= two_to_53 && scale_ <= max_exact_double_power) {
        // Both exact doubles: the one rounding of the division is the correct one.
        const double d = static_cast<double>(static_cast<std::uint64_t>(mag)) / double_powers[scale_];
        return m < 0 ? -d : d;
    }
    char buf[max_chars];
    const std::to_chars_result r = to_chars(buf, buf + sizeof buf);
    double d = 0;
    std::from_chars(buf, r.ptr, d);
    return d;
}

std::partial_ordering number::compare(const number& a, const number& b) noexcept {
    if (!a.exact_ || !b.exact_) {
        return a.to_double() <=> b.to_double();
    }
    const int128 x = number_parts::mantissa(a);
    const int128 y = number_parts::mantissa(b);
    // Bring both to the larger scale. If that overflows, the scaled value
    // is larger in magnitude than any mantissa, so its sign decides.
    int128 scaled = 0;
    if (a.scale_ < b.scale_) {
        if (!scale_up(x, b.scale_ - a.scale_, &scaled)) {
            return x < 0 ? std::partial_ordering::less : std::partial_ordering::greater;
        }
        return scaled <=> y;
    }
    if (b.scale_ < a.scale_) {
        if (!scale_up(y, a.scale_ - b.scale_, &scaled)) {
            return y < 0 ? std::partial_ordering::greater : std::partial_ordering::less;
        }
        return x <=> scaled;
    }
    return x <=> y;
}

number& number::operator+=(const number& other) noexcept {
    if (exact_ && other.exact_) {
        int128 x = number_parts::mantissa(*this);
        int128 y = number_parts::mantissa(other);
        const int scale = scale_ > other.scale_ ? scale_ : other.scale_;
        int128 sum = 0;
        if (scale_up(x, scale - scale_, &x) && scale_up(y, scale - other.scale_, &y) &&
            !__builtin_add_overflow(x, y, &sum) && magnitude(sum) < powers_of_ten[max_digits]) {
            *this = make_exact(sum, scale);
            return *this;
        }
    }
    *this = make_approx(to_double() + other.to_double());
    return *this;
}

number number::divided_by(std::uint64_t count) const noexcept {
    if (count == 0) {
        return make_approx(std::numeric_limits<double>::quiet_NaN());
    }
    if (exact_) {
        // m / count is a decimal exactly when count / gcd(m, count) is
        // 2^a 5^b; then it is m * 10^max(a, b) / count at scale + max(a, b).
        const int128 m = number_parts::mantissa(*this);
        const std::uint64_t g = std::gcd(static_cast<std::uint64_t>(magnitude(m) % count), count);
        std::uint64_t rest = count / g;
        int twos = 0;
        int fives = 0;
        for (; rest % 2 == 0; rest /= 2) {
            ++twos;
        }
        for (; rest % 5 == 0; rest /= 5) {
            ++fives;
        }
        const int k = twos > fives ? twos : fives;
        int128 scaled = 0;
        if (rest == 1 && scale_ + k <= max_scale && scale_up(m, k, &scaled)) {
            return make_exact(scaled / static_cast<int128>(count), scale_ + k);
        }
    }
    return make_approx(to_double() / static_cast<double>(count));
}

std::to_chars_result number::to_chars(char* first, char* last) const noexcept {
    if (!exact_) {
        return fixed_shortest(first, last, approx_);
    }
    const int128 m = number_parts::mantissa(*this);
    // The digits, right-aligned in a buffer with room for "0." and zeros.
    char buf[2 * max_digits + 4];
    char* const end = buf + sizeof buf;
    char* digits = digits_backwards(magnitude(m), end);
    int scale = scale_;
    // Trailing fractional zeros go.
    char* digits_end = end;
    while (scale > 0 && digits_end[-1] == '0' && digits_end - digits > 1) {
        --digits_end;
        --scale;
    }
    if (scale > 0 && digits_end[-1] == '0') { // the value is 0 (a single '0' digit)
        scale = 0;
    }
    // Leading zeros so that there is a digit before the point.
    while (digits_end - digits <= scale) {
        *--digits = '0';
    }
    const auto total = static_cast<std::size_t>(digits_end - digits);
    const std::size_t needed = total + (m < 0 ? 1 : 0) + (scale > 0 ? 1 : 0);
    if (static_cast<std::size_t>(last - first) < needed) {
        return {last, std::errc::value_too_large};
    }
    char* out = first;
    if (m < 0) {
        *out++ = '-';
    }
    const std::size_t whole = total - static_cast<std::size_t>(scale);
    std::memcpy(out, digits, whole);
    out += whole;
    if (scale > 0) {
        *out++ = '.';
        std::memcpy(out, digits + whole, static_cast<std::size_t>(scale));
        out += scale;
    }
    return {out, std::errc()};
}

std::string number::to_string() const {
    char buf[max_chars];
    const std::to_chars_result r = to_chars(buf, buf + sizeof buf);
    return std::string(buf, r.ptr);
}

} // namespace coropipe
