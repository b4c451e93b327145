#include <coropipe/stages/field.hpp>

#include <coropipe/error.hpp>

#include <atomic>
#include <charconv>
#include <string>
#include <utility>

namespace coropipe::detail {

namespace {

constexpr bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t';
}
constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The whole of `token` as a number, or empty. Only decimal numbers: from_chars
// would also take "inf" and "nan", which are not measurements.
std::optional<double> parse_number(std::string_view token) noexcept {
    std::string_view digits = token.substr(token.starts_with('-') ? 1 : 0);
    if (digits.empty() || !((digits[0] >= '0' && digits[0] <= '9') || digits[0] == '.')) {
        return std::nullopt;
    }
    double value = 0;
    const char* end = token.data() + token.size();
    auto [ptr, ec] = std::from_chars(token.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

} // namespace

std::optional<double> parse_field(std::string_view line, const substring_searcher& key_eq) noexcept {
    for (std::size_t from = 0; from < line.size();) {
        std::size_t at = key_eq.find(line.substr(from));
        if (at == substring_searcher::npos) {
            return std::nullopt;
        }
        at += from;
        if (at == 0 || is_blank(line[at - 1])) {
            std::string_view rest = line.substr(at + key_eq.needle().size());
            std::size_t end = 0;
            while (end < rest.size() && !is_space(rest[end])) {
                ++end;
            }
            return parse_number(rest.substr(0, end));
        }
        from = at + 1; // a longer key ending in ours: look further
    }
    return std::nullopt;
}

std::optional<double> parse_column(std::string_view line, std::size_t n) noexcept {
    std::size_t pos = 0;
    for (std::size_t col = 1;; ++col) {
        while (pos < line.size() && is_space(line[pos])) {
            ++pos;
        }
        if (pos == line.size()) {
            return std::nullopt;
        }
        std::size_t end = pos;
        while (end < line.size() && !is_space(line[end])) {
            ++end;
        }
        if (col == n) {
            return parse_number(line.substr(pos, end - pos));
        }
        pos = end;
    }
}

struct field_projection::shared_key {
    std::atomic<long> refs{1};
    substring_searcher key_eq;
};

field_projection::field_projection(std::string_view key) : key_(nullptr) {
    if (key.empty()) {
        throw_error("coropipe::field: the key is empty");
    }
    key_ = new shared_key{{1}, substring_searcher(std::string(key) + '=')};
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
    return parse_field(line, key_->key_eq);
}

column_projection::column_projection(std::size_t n) : n_(n) {
    if (n == 0) {
        throw_error("coropipe::column: columns are numbered from 1");
    }
}

} // namespace coropipe::detail
