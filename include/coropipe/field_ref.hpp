#pragma once

#include <coropipe/field_scratch.hpp>
#include <coropipe/field_value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe {

/// A parsed FIELD reference: which value of a log line a stage looks at
/// (docs/fields.md). Four forms:
///
/// | text | the value |
/// |---|---|
/// | `latency_ms` | logfmt: after the first `latency_ms=` that starts the line or follows a blank; up to the next
/// blank, or a `"quoted value"` | | `$3` | whitespace column 3 (1-based, awk's `$3`) | | `.a.b`, `.a[0]`, `."odd key"`
/// | a JSON path, in a line that is a JSON object | | `@host` `@app` `@pid` `@severity` `@facility` `@time` `@msg` |
/// the syslog header (`parse_syslog`, `<PRI>` optional) |
///
/// ```
/// const coropipe::field_ref level = coropipe::field_ref::parse(".level");
/// coropipe::field_scratch scratch;
/// if (std::optional<coropipe::field_value> v = level.find(line, scratch)) {
///     use(v->text); // "error" for {"level":"error",...}
/// }
/// ```
///
/// `parse` is eager and throws `syntax_error` on a malformed reference.
/// `find` never fails (it throws nothing but `std::bad_alloc`): a line
/// without the field has no value, and so has a JSON path in a line that
/// is not one whole JSON object (not JSON, malformed, cut short, invalid
/// UTF-8, NUL bytes); nesting deeper than the path is skipped. Memory is
/// the scratch's, bounded by the longest line. An immutable value type:
/// one `field_ref` may be used by many threads, each with its own scratch.
/// Compiled in lib/field_ref.cpp and lib/json_path.cpp (simdjson).
class field_ref {
public:
    /// Where the value comes from.
    enum class source : std::uint8_t { logfmt, whitespace_column, json, syslog };

    /// The syslog header fields, `@host` ... `@msg`.
    enum class syslog_field : std::uint8_t { host_name, app_name, proc_id, severity_code, facility_code, timestamp, message };

    /// Parses all of `text` as one FIELD. Throws `syntax_error` (context
    /// `coropipe::field`) at the first mistake, with its byte offset in
    /// `text` and a hint: an empty text, `$0`, `$x`, `.` or `.a.` (no key),
    /// `.a[x]`, an unterminated `"`, an unknown `@name` (with the nearest
    /// name), a blank, `=` or `"` in a logfmt key.
    static field_ref parse(std::string_view text);

    /// Parses the FIELD at the start of `text` and sets `*length` to its
    /// size, for grammars that embed FIELDs (`where`): a logfmt key stops
    /// before a blank or any of `=!<>~()&|,"'`; `$N` after its digits; a
    /// JSON path before the first byte that cannot continue it. Throws as
    /// `parse` does, offsets into `text`.
    static field_ref parse_prefix(std::string_view text, std::size_t* length);

    /// The value of this field in `line` (one line, without its '\n'), or
    /// empty if the line has none. See `field_value` for what the value
    /// holds and how long its text is valid. Throws nothing but
    /// `std::bad_alloc` (when the scratch grows).
    std::optional<field_value> find(std::string_view line, field_scratch& scratch) const;

    /// `find`, for another field of the same line (the same bytes at the
    /// same address) than the previous lookup with `scratch`: a JSON line
    /// is not parsed again, only walked again. It invalidates the text of
    /// the value the previous lookup gave, as `find` does. If the previous
    /// lookup was on another line, it is `find`.
    std::optional<field_value> find_in_same_line(std::string_view line, field_scratch& scratch) const;

    /// The text of `find` (or of `find_in_same_line` when `same_line`),
    /// without reading it as a number: for keys (`count by $2`), where only
    /// the bytes count.
    std::optional<std::string_view> find_text(std::string_view line, field_scratch& scratch,
                                              bool same_line = false) const;

    /// The text this was parsed from (`.a."b c"[2]`).
    std::string_view text() const noexcept { return text_; }
    source from() const noexcept { return source_; }
    /// The key of a logfmt field.
    std::string_view key() const noexcept {
        return source_ == source::logfmt ? std::string_view(key_eq_).substr(0, key_eq_.size() - 1) : std::string_view();
    }
    /// N of `$N` (0 for other sources).
    std::size_t column() const noexcept { return column_; }
    /// Which `@` field (meaningful for `source::syslog` only).
    syslog_field syslog() const noexcept { return syslog_; }

    /// Byte strings that every line holding this field contains, for
    /// prefilters: `key=` for a logfmt key; `"key"` for each key of a JSON
    /// path made only of printable ASCII other than `"`, `\` and `/`
    /// (assuming the producer did not write those keys with `\u`
    /// escapes: see `where_expr::prefilter`); none for columns and syslog.
    std::vector<std::string> required_literals() const;

    bool operator==(const field_ref& other) const noexcept { return text_ == other.text_; }

private:
    struct json_step {
        std::string key; // unescaped
        std::size_t index = 0;
        bool is_index = false;
        bool plain = false; // key has no '"' or '\\': compared with the raw key
    };

    field_ref() = default;
    static field_ref parse_any(std::string_view text, bool whole, std::size_t* length);
    std::optional<field_value> lookup(std::string_view line, field_scratch& scratch, bool same_line) const;
    // lib/json_path.cpp
    std::optional<field_value> find_json(std::string_view line, field_scratch& scratch, bool same_line) const;

    std::string text_;
    source source_ = source::logfmt;
    syslog_field syslog_ = syslog_field::message;
    std::size_t column_ = 0;
    std::string key_eq_;          // logfmt: "key="
    std::vector<json_step> path_; // json
};

} // namespace coropipe
