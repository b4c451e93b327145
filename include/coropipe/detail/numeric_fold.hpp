#pragma once

#include <coropipe/field_ref.hpp>
#include <coropipe/field_scratch.hpp>
#include <coropipe/number.hpp>

#include <optional>

#include <cstdint>
#include <string>
#include <string_view>

namespace coropipe::detail {

/// The state of one numeric stage of the pipeline text (`min`, `max`,
/// `sum`, `avg` over a FIELD, `count`): what both of its forms — the
/// per-line stage and the whole-buffer `field_fold` — update and print, so
/// that they cannot write different bytes.
///
/// - Values are `coropipe::number`s: exact integers and decimals (see
///   number.hpp). A field whose text is not a number is skipped.
/// - `min`/`max` print the best value as it was written in the line (`1.50`
///   stays `1.50`, `12345678901234567890` stays itself); `sum`/`avg` print
///   the exact result (`0.1 + 0.2` is `0.3`), never with an exponent;
///   `count` the number of lines.
/// - `--final`: only the final value, at the end; none for a min, max or
///   avg of nothing, `0` for a sum or count of nothing.
///
/// Never throws but `std::bad_alloc`. Compiled in lib/numeric_fold.cpp
/// (no coroutine: fuzzed).
class numeric_fold {
public:
    enum class kind : unsigned char { min, max, sum, avg, count };

    numeric_fold(kind what, bool final_only) noexcept : what_(what), final_only_(final_only) {}

    /// A line with the field whose text is `value` (for `count`: any line,
    /// `value` unused). True if it counts (for all but `count`: the text is
    /// a number).
    bool offer(std::string_view value);

    /// Appends the current value as text, and '\n'. Only after an offer
    /// that counted (or `has_final()`).
    void write(std::string& out) const;

    /// Whether `--final` writes a value at the end.
    bool has_final() const noexcept;
    bool final_only() const noexcept { return final_only_; }
    kind what() const noexcept { return what_; }

private:
    kind what_;
    bool final_only_;
    bool has_value_ = false;
    number best_;          // min, max
    std::string best_text_; // ... as written
    number sum_;           // sum, avg
    std::uint64_t count_ = 0;
};

/// A `numeric_fold` fed from a FIELD of each line (`count`: from every
/// line): what the per-line numeric stages and `field_fold` both hold.
class field_numeric_fold {
public:
    /// `field`: a FIELD reference's text (ignored for `count`); a malformed
    /// one throws `syntax_error`.
    field_numeric_fold(numeric_fold::kind what, std::string_view field, bool final_only);

    /// A line: true if it counts (its field is a number; `count`: always).
    bool offer_line(std::string_view line);

    numeric_fold& fold() noexcept { return fold_; }
    const std::optional<field_ref>& ref() const noexcept { return ref_; }

private:
    numeric_fold fold_;
    std::optional<field_ref> ref_;
    field_scratch scratch_;
};

} // namespace coropipe::detail
