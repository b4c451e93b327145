#include <coropipe/stages/field.hpp>

#include "powers_of_ten.hpp"

#include <coropipe/error.hpp>

#include <array>
#include <bit>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace coropipe::detail {

namespace {

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// At most this many digits take the fast path of parse_number.
constexpr std::size_t max_exact_digits = 15;

// 10^0 .. 10^15, all exact doubles.
constexpr const auto& exact_powers_of_ten = powers_of_ten<double, max_exact_digits + 1>;

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads digits from `p` on into `mantissa` (wrapping past 19 digits, which
// the caller rejects) and moves `p` past them; returns how many there were.
inline std::size_t read_digits(const char*& p, const char* last, std::uint64_t& mantissa) noexcept {
    const char* const first = p;
    for (; p != last && is_digit(*p); ++p) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    }
    return static_cast<std::size_t>(p - first);
}

// The fast path for what logs hold: reads [-]digits[.digits] from `p` on
// and moves `p` past it. With 1 to 15 digits, the digits as an integer
// m < 2^53 and 10^f (f fractional digits) are exact doubles, so the one
// rounding of m / 10^f is the correctly rounded value, the one from_chars
// gives (Clinger's fast path). Otherwise empty: the caller parses the token
// the slow way, as it does if something other than its end follows.
inline std::optional<double> read_plain_number(const char*& p, const char* last) noexcept {
    const bool negative = p != last && *p == '-';
    p += negative ? 1 : 0;
    std::uint64_t mantissa = 0;
    std::size_t digits = read_digits(p, last, mantissa);
    std::size_t fraction = 0;
    if (p != last && *p == '.') {
        ++p;
        fraction = read_digits(p, last, mantissa);
        digits += fraction;
    }
    if (digits == 0 || digits > max_exact_digits) {
        return std::nullopt;
    }
    double value = static_cast<double>(mantissa);
    if (fraction != 0) { // whole numbers, the usual case, skip the division's latency
        value /= exact_powers_of_ten[fraction];
    }
    return negative ? -value : value;
}

// Where the token that starts at `p` ends: the next space, tab, CR or LF.
const char* token_end(const char* p, const char* last) noexcept {
    while (p != last && !is_space(*p)) {
        ++p;
    }
    return p;
}

} // namespace

std::optional<double> parse_number(std::string_view token) noexcept {
    const char* p = token.data();
    const char* const end = p + token.size();
    if (std::optional<double> value = read_plain_number(p, end); value && p == end) {
        return value;
    }

    // The rest (exponents, long mantissas, junk): from_chars, but only for
    // decimal numbers: it would also take "inf" and "nan", which are not
    // measurements.
    std::string_view digits_part = token.substr(token.starts_with('-') ? 1 : 0);
    if (digits_part.empty() || !((digits_part[0] >= '0' && digits_part[0] <= '9') || digits_part[0] == '.')) {
        return std::nullopt;
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(token.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

namespace {

// Whether the `size` bytes at `at` are the `size` bytes at `key`, compared
// from the end, eight at a time.
bool ends_with_key(const char* at, const char* key, std::size_t size) noexcept {
    for (; size >= 8; size -= 8) {
        std::uint64_t a = 0;
        std::uint64_t b = 0;
        std::memcpy(&a, at + size - 8, 8);
        std::memcpy(&b, key + size - 8, 8);
        if (a != b) {
            return false;
        }
    }
    for (; size > 0; --size) {
        if (at[size - 1] != key[size - 1]) {
            return false;
        }
    }
    return true;
}

// Whether "key=" starts at `at`, given that its first and last bytes match:
// at a key boundary (the line's start or after a space or tab) and the whole
// key equal.
bool key_at(const char* line, const char* at, std::string_view key_eq) noexcept {
    return (at == line || is_blank(at[-1])) && ends_with_key(at, key_eq.data(), key_eq.size() - 1);
}

// Where "key=" first starts in [line, last) at a key boundary, or null.
// Every occurrence ends in its '=': memchr finds the '='s, and the key is
// compared backwards from each. For a key without '=' (all that the CLI
// allows) a comparison stops within 8 bytes of the latest '=' it meets, so
// no line costs more than linear time. (An SSE2 scan for the key's first
// and last bytes, which skips the other `x=`, measured no faster.)
const char* find_key(const char* line, const char* last, std::string_view key_eq) noexcept {
    const std::size_t key_size = key_eq.size() - 1; // without the '='
    if (static_cast<std::size_t>(last - line) <= key_size) {
        return nullptr;
    }
    for (const char* scan = line + key_size; scan < last;) {
        const char* eq = static_cast<const char*>(std::memchr(scan, '=', static_cast<std::size_t>(last - scan)));
        if (eq == nullptr) {
            return nullptr;
        }
        if (key_at(line, eq - key_size, key_eq)) {
            return eq - key_size;
        }
        scan = eq + 1; // a longer key ending in ours, or another key: look further
    }
    return nullptr;
}

} // namespace

std::optional<std::string_view> find_field(std::string_view line, std::string_view key_eq) noexcept {
    const char* const last = line.data() + line.size();
    const char* key = find_key(line.data(), last, key_eq);
    if (key == nullptr) {
        return std::nullopt;
    }
    const char* value = key + key_eq.size();
    return std::string_view(value, static_cast<std::size_t>(token_end(value, last) - value));
}

std::optional<std::string_view> find_logfmt_field(std::string_view line, std::string_view key_eq,
                                                  bool* escaped) noexcept {
    *escaped = false;
    const char* const last = line.data() + line.size();
    const char* key = find_key(line.data(), last, key_eq);
    if (key == nullptr) {
        return std::nullopt;
    }
    const char* value = key + key_eq.size();
    if (value == last || *value != '"') {
        return std::string_view(value, static_cast<std::size_t>(token_end(value, last) - value));
    }
    ++value;
    const char* end = value;
    while (end != last && *end != '"' && *end != '\r' && *end != '\n') {
        if (*end == '\\') {
            *escaped = true;
            if (end + 1 != last && end[1] != '\r' && end[1] != '\n') {
                ++end; // the escaped byte, whatever it is
            }
        }
        ++end;
    }
    return std::string_view(value, static_cast<std::size_t>(end - value));
}

namespace {

// The first space, tab, CR or LF at or after `p`, or `last`: 8 bytes at a
// time. A byte below 0x21 sets its high bit in `m` (the lowest such byte
// exactly; a borrow may flag a byte above it too, so each is checked).
const char* next_space(const char* p, const char* last) noexcept {
    while (last - p >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, sizeof w);
        std::uint64_t m = (w - 0x2121212121212121ULL) & ~w & 0x8080808080808080ULL;
        while (m != 0) {
            const char* at = p + std::countr_zero(m) / 8;
            if (is_space(*at)) {
                return at;
            }
            m &= m - 1;
        }
        p += 8;
    }
    while (p != last && !is_space(*p)) {
        ++p;
    }
    return p;
}

} // namespace

std::optional<std::string_view> find_column(std::string_view line, std::size_t n) noexcept {
    const char* p = line.data();
    const char* const last = p + line.size();
    for (std::size_t col = 1;; ++col) {
        while (p != last && is_space(*p)) {
            ++p;
        }
        if (p == last) {
            return std::nullopt;
        }
        const char* end = next_space(p, last);
        if (col == n) {
            return std::string_view(p, static_cast<std::size_t>(end - p));
        }
        p = end;
    }
}

struct field_projection::shared_key {
    std::atomic<long> refs{1};
    std::string key_eq;
};

field_projection::field_projection(std::string_view key) : key_(nullptr) {
    if (key.empty()) {
        throw_error("coropipe::field: the key is empty");
    }
    key_ = new shared_key{{1}, std::string(key) + '='};
}

field_projection::field_projection(const field_projection& other) noexcept : key_(other.key_) {
    key_->refs.fetch_add(1, std::memory_order_relaxed);
}

field_projection& field_projection::operator=(const field_projection& other) noexcept {
    field_projection copy(other);
    std::swap(key_, copy.key_);
    return *this;
}

field_projection::~field_projection() {
    if (key_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        delete key_;
    }
}

std::optional<double> field_projection::operator()(std::string_view line) const noexcept {
    // find_field then parse_number, in one pass over a plain value.
    const char* const last = line.data() + line.size();
    const char* key = find_key(line.data(), last, key_->key_eq);
    if (key == nullptr) {
        return std::nullopt;
    }
    const char* const value = key + key_->key_eq.size();
    const char* p = value;
    if (std::optional<double> number = read_plain_number(p, last); number && (p == last || is_space(*p))) {
        return number;
    }
    return parse_number(std::string_view(value, static_cast<std::size_t>(token_end(p, last) - value)));
}

std::optional<std::string_view> field_projection::text(std::string_view line) const noexcept {
    return find_field(line, key_->key_eq);
}

column_projection::column_projection(std::size_t n) : n_(n) {
    if (n == 0) {
        throw_error("coropipe::column: columns are numbered from 1");
    }
}

} // namespace coropipe::detail
