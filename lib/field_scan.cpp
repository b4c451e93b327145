#include <coropipe/detail/field_scan.hpp>

#include <coropipe/detail/line_reader.hpp>
#include <coropipe/detail/output_buffer.hpp>
#include <coropipe/error.hpp>
#include <coropipe/stages/aggregate.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/stages/running_min.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string.h> // memrchr (glibc)
#include <utility>

namespace coropipe::detail {

namespace {

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The byte before a key that may start there: find_field's "starts the line
// or follows a space or tab", where a '\n' is the start of a line.
constexpr bool key_boundary(char before) noexcept { return before == ' ' || before == '\t' || before == '\n'; }

std::string key_with_eq(std::string_view key) {
    if (key.empty()) {
        throw_error("coropipe::field: the key is empty");
    }
    return std::string(key) + '=';
}

} // namespace

field_finder::field_finder(std::string_view key)
    : key_eq_(key_with_eq(key)),
      // The rarest byte of the key itself: the '=' is in every field.
      rare_(substring_searcher(key).rare_index()),
      never_(key.find('\n') != std::string_view::npos) {}

namespace {

// Whether the `n` bytes at `a` and `b` are equal: memcmp, inline, 8 bytes
// at a time (the last 8 overlapping), for keys of a few words.
bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    if (n < 8) {
        for (std::size_t i = 0; i < n; ++i) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        if (x != y) {
            return false;
        }
    }
    std::memcpy(&x, a + n - 8, 8);
    std::memcpy(&y, b + n - 8, 8);
    return x == y;
}

// Fall back to substring_searcher once candidates are this dense, as it
// falls back to memmem: more than one false candidate per this many
// scanned bytes (after a few free ones).
constexpr std::size_t bytes_per_false_candidate = 16;
constexpr std::size_t free_false_candidates = 4;

} // namespace

std::size_t field_finder::find_key(std::string_view text, std::size_t pos) const noexcept {
    const std::string_view key = key_eq_.needle();
    const std::size_t n = key.size();
    if (text.size() - pos < n) {
        return substring_searcher::npos;
    }
    const char* const first = text.data();
    const char rare = key[rare_];
    // Where the rare byte can sit: the key starts at pos .. size - n.
    const char* const scan_begin = first + pos + rare_;
    const char* const scan_end = first + (text.size() - n) + rare_ + 1;
    std::size_t false_candidates = 0;
    for (const char* scan = scan_begin; scan < scan_end;) {
        const void* hit = std::memchr(scan, rare, static_cast<std::size_t>(scan_end - scan));
        if (hit == nullptr) {
            return substring_searcher::npos;
        }
        const char* const start = static_cast<const char*>(hit) - rare_;
        if (same_bytes(start, key.data(), n)) {
            return static_cast<std::size_t>(start - first);
        }
        scan = static_cast<const char*>(hit) + 1;
        ++false_candidates;
        if (false_candidates > free_false_candidates &&
            false_candidates * bytes_per_false_candidate > static_cast<std::size_t>(scan - scan_begin)) {
            const std::size_t rest = static_cast<std::size_t>(start - first) + 1;
            const std::size_t at = key_eq_.find(text.substr(rest));
            return at == substring_searcher::npos ? at : rest + at;
        }
    }
    return substring_searcher::npos;
}

std::optional<std::string_view> field_finder::next(std::string_view text, std::size_t* from) const noexcept {
    const char* const first = text.data();
    const char* const last = first + text.size();
    std::size_t pos = *from;
    // Each hit is a "key=" (which cannot span lines: the key has no '\n');
    // the first one at a boundary is its line's field, as in find_field.
    while (!never_ && pos < text.size()) {
        const std::size_t at = find_key(text, pos);
        if (at == substring_searcher::npos) {
            break;
        }
        if (at != 0 && !key_boundary(first[at - 1])) {
            pos = at + 1; // `xkey=` or inside a value: a later one in the line may count
            continue;
        }
        const char* const value = first + at + key_eq_.needle().size();
        const char* end = value;
        while (end != last && !is_space(*end)) {
            ++end;
        }
        // The rest of the line is skipped: a second `key=` in it does not count.
        const void* nl = end == last ? nullptr : std::memchr(end, '\n', static_cast<std::size_t>(last - end));
        *from = nl == nullptr ? text.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - first) + 1;
        return std::string_view(value, static_cast<std::size_t>(end - value));
    }
    *from = text.size();
    return std::nullopt;
}

// ---- field_fold ------------------------------------------------------------------

namespace {

// field(key)(line), given the field's text: parse_number (lib/field.cpp),
// with its fast path for the usual value, [-]digits, inline: up to 15
// digits are an exact integer, so the double is the one parse_number gives.
// (A bool and an out-parameter, not an optional: GCC 12 spills the
// optional to the stack and reloads it whole, a store-forwarding stall per
// line that cost a third of the loop.)
bool parse_value(std::string_view token, double* out) noexcept {
    const char* p = token.data();
    const char* const last = p + token.size();
    const bool negative = p != last && *p == '-';
    p += negative ? 1 : 0;
    const char* const digits = p;
    std::uint64_t mantissa = 0;
    for (; p != last && *p >= '0' && *p <= '9'; ++p) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    }
    constexpr std::ptrdiff_t max_exact_digits = 15;
    if (p == last && p != digits && p - digits <= max_exact_digits) {
        const auto value = static_cast<double>(mantissa);
        *out = negative ? -value : value;
        return true;
    }
    const std::optional<double> value = parse_number(token);
    *out = value.value_or(0);
    return value.has_value();
}

template <class Number>
void append_number(std::string& out, Number value) {
    std::array<char, 128> text{}; // > any integer or floating type's shortest form
    const std::to_chars_result r = to_chars_shortest(text.data(), text.data() + text.size(), value);
    out.append(text.data(), static_cast<std::size_t>(r.ptr - text.data()));
}

} // namespace

struct field_fold::state {
    using kind = field_fold_spec::kind;

    kind what;
    bool final_only;
    std::optional<field_finder> finder; // all but count
    // The stages' own accumulators, so that the numbers are theirs.
    best_so_far<double, std::less<>> min;
    best_so_far<double, std::greater<>> max;
    sum_accumulator sum;
    avg_accumulator avg;
    count_accumulator count;
    // min/max: the current value as text, formatted when it changes and
    // then needed (most lines leave a running min as it was).
    std::array<char, 32> text{};
    std::size_t text_size = 0;
    bool text_stale = true;

    explicit state(const field_fold_spec& spec) : what(spec.what), final_only(spec.final_only) {
        if (what != kind::count) {
            finder.emplace(spec.key);
        }
    }

    template <class Better>
    void offer_best(best_so_far<double, Better>& acc, double v) noexcept {
        if (!acc.best || Better{}(v, *acc.best)) {
            text_stale = true;
        }
        acc.offer(v);
    }

    // A line whose field text is `value`: true if it counts (its value is a
    // number, as field(key) says; otherwise the stages skip the line).
    bool offer(std::string_view value) noexcept {
        double v = 0;
        if (!parse_value(value, &v)) {
            return false;
        }
        switch (what) {
        case kind::min:
            offer_best(min, v);
            break;
        case kind::max:
            offer_best(max, v);
            break;
        case kind::sum:
            sum.offer(v);
            break;
        case kind::avg:
            avg.offer(v);
            break;
        case kind::count:
            count.offer(v);
            break;
        }
        return true;
    }

    // As print writes the text that as_text made of the value.
    void write(std::string& out) {
        switch (what) {
        case kind::min:
        case kind::max: {
            if (text_stale) {
                const double best = what == kind::min ? *min.best : *max.best;
                const std::to_chars_result r = to_chars_shortest(text.data(), text.data() + text.size(), best);
                text_size = static_cast<std::size_t>(r.ptr - text.data());
                text_stale = false;
            }
            out.append(std::string_view(text.data(), text_size));
            break;
        }
        case kind::sum:
            append_number(out, sum.current());
            break;
        case kind::avg:
            append_number(out, avg.current());
            break;
        case kind::count:
            append_number(out, count.current());
            break;
        }
        out.push_back('\n');
    }

    bool has_final() const noexcept {
        switch (what) {
        case kind::min:
            return min.best.has_value();
        case kind::max:
            return max.best.has_value();
        case kind::sum:
            return sum.has_final();
        case kind::avg:
            return avg.has_final();
        case kind::count:
            break;
        }
        return count.has_final();
    }
};

field_fold::field_fold(const field_fold_spec& spec) : state_(std::make_unique<state>(spec)) {}
field_fold::field_fold(field_fold&&) noexcept = default;
field_fold& field_fold::operator=(field_fold&&) noexcept = default;
field_fold::~field_fold() = default;

std::size_t field_fold::feed(std::string_view text, const line_filter& filter, std::string& out) {
    state& s = *state_;
    std::size_t written = 0;
    auto take = [&](bool counts) {
        if (counts && !s.final_only) {
            s.write(out);
            ++written;
        }
    };
    if (!filter.passes_all()) {
        // The filter searches the text; the key is looked up in the lines that pass.
        line_filter::cursor lines(filter, text);
        while (const std::optional<std::string_view> line = lines.next()) {
            if (s.what == state::kind::count) {
                take(s.count.offer(*line));
            } else {
                std::size_t from = 0;
                if (const std::optional<std::string_view> value = s.finder->next(*line, &from)) {
                    take(s.offer(*value));
                }
            }
        }
        return written;
    }
    if (s.what != state::kind::count) {
        std::size_t from = 0;
        while (const std::optional<std::string_view> value = s.finder->next(text, &from)) {
            take(s.offer(*value));
        }
        return written;
    }
    // count: every line.
    if (s.final_only) {
        const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        s.count.current() += newlines + (!text.empty() && text.back() != '\n' ? 1 : 0);
        return 0;
    }
    for (std::size_t pos = 0; pos < text.size();) {
        const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
        pos = nl == nullptr ? text.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
        take(s.count.offer(pos));
    }
    return written;
}

std::size_t field_fold::finish(std::string& out) {
    state& s = *state_;
    if (!s.final_only || !s.has_final()) {
        return 0;
    }
    s.write(out);
    return 1;
}

// ---- line_blocks -----------------------------------------------------------------

std::optional<std::string_view> line_blocks::next() {
    reader_->consume(std::exchange(block_, 0));
    for (;;) {
        const std::string_view buf = reader_->buffered();
        if (buf.size() > newline_free_) {
            // Only the bytes read since the last look can hold a new '\n':
            // a line longer than a chunk costs linear time.
            if (const void* nl = ::memrchr(buf.data() + newline_free_, '\n', buf.size() - newline_free_)) {
                block_ = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
                newline_free_ = buf.size() - block_;
                return buf.substr(0, block_);
            }
            newline_free_ = buf.size();
        }
        if (!reader_->fill()) {
            newline_free_ = 0;
            block_ = reader_->buffered().size(); // the last line, without '\n'
            if (block_ == 0) {
                return std::nullopt;
            }
            return reader_->buffered();
        }
    }
}

} // namespace coropipe::detail
