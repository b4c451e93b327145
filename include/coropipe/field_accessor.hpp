#pragma once

#include <coropipe/field_ref.hpp>
#include <coropipe/field_scratch.hpp>
#include <coropipe/field_value.hpp>
#include <coropipe/number.hpp>

#include <optional>
#include <string_view>
#include <utility>

namespace coropipe {

/// A FIELD of log lines, for a user's own stage: `field_ref` and the
/// scratch it looks values up with, in one callable.
///
/// ```
/// coropipe::field_accessor user(".user.id"), latency("latency_ms");
/// for (std::string_view line : lines(log)) {
///     if (auto ms = latency.numeric(line); ms && *ms > coropipe::number::from_int(500)) {
///         std::cout << user.text(line).value_or("?") << '\n';
///     }
/// }
/// ```
///
/// - `acc(line)`: the `field_value` (text, kind, number), or empty when the
///   line lacks the field. Its text is valid until the next call on this
///   accessor (or while the line's bytes are, for most values).
/// - `acc.text(line)`: only the text; `acc.numeric(line)`: the number, empty
///   when missing or not numeric.
///
/// Constructing parses the FIELD (a malformed one throws `syntax_error`);
/// a call never throws but `std::bad_alloc`. The accessor owns working
/// memory that calls reuse: use one accessor per thread (a copy has its own
/// memory). Header-only over lib/field_ref.cpp.
class field_accessor {
public:
    explicit field_accessor(std::string_view field) : ref_(field_ref::parse(field)) {}
    explicit field_accessor(field_ref ref) noexcept : ref_(std::move(ref)) {}

    std::optional<field_value> operator()(std::string_view line) const { return ref_.find(line, scratch_); }

    std::optional<std::string_view> text(std::string_view line) const {
        const std::optional<field_value> v = (*this)(line);
        return v ? std::optional(v->text) : std::nullopt;
    }

    std::optional<number> numeric(std::string_view line) const {
        const std::optional<field_value> v = (*this)(line);
        return v && v->kind == field_kind::number ? std::optional(v->numeric) : std::nullopt;
    }

    const field_ref& ref() const noexcept { return ref_; }

private:
    field_ref ref_;
    mutable field_scratch scratch_; // working memory, not state
};

} // namespace coropipe
