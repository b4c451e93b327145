#pragma once

#include <coropipe/number.hpp>

#include <cstdint>
#include <string_view>

namespace coropipe {

/// What a FIELD's value is (`field_ref::find`).
enum class field_kind : std::uint8_t {
    string,  ///< text: a JSON string, or untyped text that is not a number
    number,  ///< a JSON number, or untyped text that `number::parse` reads
    boolean, ///< JSON `true` or `false`
    null,    ///< JSON `null`
    object,  ///< a JSON object, as its raw text
    array,   ///< a JSON array, as its raw text
};

/// One FIELD's value in one line, as `field_ref::find` returns it.
///
/// - `text`: the value as text. For a JSON string or a quoted logfmt value,
///   unescaped; for a JSON number, `true`, `false` or `null`, the token as
///   written (`1.50`, `12345678901234567890`); for a JSON object or array,
///   its raw text; for logfmt, columns and syslog header fields, the bytes
///   as written.
/// - `kind`: see `field_kind`. logfmt values, columns and syslog header
///   fields are untyped: `number` when the whole text reads as a number,
///   else `string` (`@severity` and `@facility` are their names, strings).
/// - `numeric`: the number, when `kind` is `number` (else zero).
///
/// `text` is a view into the line, or into the `field_scratch` the lookup
/// used: valid while the line's bytes are and until the next lookup with
/// that scratch.
struct field_value {
    std::string_view text;
    field_kind kind = field_kind::string;
    number numeric;
};

} // namespace coropipe
