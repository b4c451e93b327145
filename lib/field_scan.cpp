#include <coropipe/detail/field_scan.hpp>

#include <coropipe/detail/count_lines.hpp>
#include <coropipe/detail/line_reader.hpp>
#include <coropipe/detail/output_buffer.hpp>
#include <coropipe/error.hpp>
#include <coropipe/detail/numeric_fold.hpp>
#include <coropipe/stages/field.hpp>

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

struct field_fold::state {
    field_numeric_fold f;
    std::optional<field_finder> finder; // a logfmt key: searched for over whole buffers

    explicit state(const field_fold_spec& spec)
        : f(static_cast<numeric_fold::kind>(spec.what), spec.key, spec.final_only) {
        if (f.ref() && f.ref()->from() == field_ref::source::logfmt) {
            finder.emplace(f.ref()->key());
        }
    }

    // The value `field_finder` found at `value`, in `text`: as the per-line
    // lookup would read it (a quoted value is read by field_ref, unquoted).
    bool offer_found(std::string_view text, std::string_view value) {
        if (!value.starts_with('"')) {
            return f.fold().offer(value);
        }
        const auto at = static_cast<std::size_t>(value.data() - text.data());
        const std::size_t nl = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
        const std::size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
        const std::size_t end = std::min(text.find('\n', at), text.size());
        return f.offer_line(text.substr(begin, end - begin));
    }
};

field_fold::field_fold(const field_fold_spec& spec) : state_(std::make_unique<state>(spec)) {}
field_fold::field_fold(field_fold&&) noexcept = default;
field_fold& field_fold::operator=(field_fold&&) noexcept = default;
field_fold::~field_fold() = default;

std::size_t field_fold::feed(std::string_view text, const line_filter& filter, std::string& out) {
    return feed(text, filter, {}, out);
}

std::size_t field_fold::feed(std::string_view text, const line_filter& filter, const line_test& test,
                             std::string& out) {
    state& s = *state_;
    std::size_t written = 0;
    numeric_fold& fold = s.f.fold();
    auto take = [&](bool counts) {
        if (counts && !fold.final_only()) {
            fold.write(out);
            ++written;
        }
    };
    if (!filter.passes_all() || test || (s.f.ref() && !s.finder)) {
        // The filter searches the text; the field is looked up in the lines that pass.
        line_filter::cursor lines(filter, text);
        while (const std::optional<std::string_view> line = lines.next()) {
            if (!test || test(*line)) {
                take(s.f.offer_line(*line));
            }
        }
        return written;
    }
    if (s.finder) {
        std::size_t from = 0;
        while (const std::optional<std::string_view> value = s.finder->next(text, &from)) {
            take(s.offer_found(text, *value));
        }
        return written;
    }
    // count: every line.
    if (fold.final_only()) {
        const auto newlines = static_cast<std::size_t>(coropipe::detail::count_newlines(text));
        const std::size_t lines = newlines + (!text.empty() && text.back() != '\n' ? 1 : 0);
        for (std::size_t i = 0; i < lines; ++i) {
            fold.offer({});
        }
        return 0;
    }
    for (std::size_t pos = 0; pos < text.size();) {
        const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
        pos = nl == nullptr ? text.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
        take(fold.offer({}));
    }
    return written;
}

std::size_t field_fold::finish(std::string& out) {
    numeric_fold& fold = state_->f.fold();
    if (!fold.final_only() || !fold.has_final()) {
        return 0;
    }
    fold.write(out);
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
