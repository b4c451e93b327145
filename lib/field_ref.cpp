#include <coropipe/field_ref.hpp>

#include "field_scratch_impl.hpp"
#include "quoted_text.hpp"

#include <coropipe/detail/edit_distance.hpp>
#include <coropipe/stages/field.hpp>
#include <coropipe/syntax_error.hpp>
#include <coropipe/syslog.hpp>

#include <charconv>
#include <iterator>

// No coroutine in this file: the fuzz targets compile it alone.

namespace coropipe {

// ---- field_scratch ---------------------------------------------------------------

field_scratch::field_scratch() noexcept = default;
field_scratch::field_scratch(const field_scratch&) noexcept {}
field_scratch& field_scratch::operator=(const field_scratch&) noexcept { return *this; }
field_scratch::field_scratch(field_scratch&&) noexcept = default;
field_scratch& field_scratch::operator=(field_scratch&&) noexcept = default;
field_scratch::~field_scratch() = default;

field_scratch::impl& field_scratch::get() {
    if (!impl_) {
        impl_ = std::make_unique<impl>();
    }
    return *impl_;
}

// ---- parsing -----------------------------------------------------------------------

namespace {

constexpr std::string_view context = "coropipe::field";

constexpr std::string_view syslog_names[] = {"host", "app", "pid", "severity", "facility", "time", "msg"};

[[noreturn]] void fail(const std::string& reason, std::size_t at, const std::string& hint = {}) {
    throw syntax_error(context, reason, at, hint);
}

constexpr bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Where a logfmt key ends inside a larger grammar (`where`).
constexpr bool ends_embedded_key(char c) noexcept {
    return is_blank(c) || std::string_view("=!<>~()&|,\"'").find(c) != std::string_view::npos;
}

constexpr bool is_ident(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           static_cast<unsigned char>(c) >= 0x80;
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string syslog_name_list() {
    std::string list;
    for (std::string_view name : syslog_names) {
        list += list.empty() ? "@" : " @";
        list += name;
    }
    return list;
}

// Decimal digits at text[pos...] as a size_t; *end past them.
std::size_t read_index(std::string_view text, std::size_t pos, std::size_t* end, const char* what) {
    std::size_t last = pos;
    while (last < text.size() && is_digit(text[last])) {
        ++last;
    }
    std::size_t n = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + last, n);
    if (ec == std::errc::result_out_of_range) {
        fail(std::string(what) + " " + detail::shown(text.substr(pos, last - pos)) + " is too large", pos);
    }
    *end = last;
    return n;
}

} // namespace

field_ref field_ref::parse(std::string_view text) {
    std::size_t length = 0;
    return parse_any(text, true, &length);
}

field_ref field_ref::parse_prefix(std::string_view text, std::size_t* length) { return parse_any(text, false, length); }

field_ref field_ref::parse_any(std::string_view text, bool whole, std::size_t* length) {
    if (text.empty()) {
        fail("empty FIELD", 0, "a FIELD is a key, $N, .json.path or @host-style syslog field");
    }
    field_ref f;
    std::size_t pos = 0;
    switch (text[0]) {
    case '$': {
        f.source_ = source::whitespace_column;
        if (text.size() < 2 || !is_digit(text[1])) {
            fail("expected a column number after '$'", 1, "columns are $1, $2, ...");
        }
        f.column_ = read_index(text, 1, &pos, "column");
        if (f.column_ == 0) {
            fail("columns are numbered from 1", 1, "$1 is the first column");
        }
        break;
    }
    case '@': {
        f.source_ = source::syslog;
        pos = 1;
        while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') {
            ++pos;
        }
        const std::string_view name = text.substr(1, pos - 1);
        const auto* found = std::find(std::begin(syslog_names), std::end(syslog_names), name);
        if (found == std::end(syslog_names)) {
            // Unknown: name the nearest, over the whole word a user typed.
            std::size_t word_end = pos;
            while (word_end < text.size() && !is_blank(text[word_end]) &&
                   (whole || !ends_embedded_key(text[word_end]))) {
                ++word_end;
            }
            const std::string_view typed = text.substr(1, word_end - 1);
            const std::string_view nearest = detail::nearest_name(typed, syslog_names);
            fail("unknown syslog field " + detail::shown(text.substr(0, word_end)), 0,
                 (nearest.empty() ? std::string() : "did you mean @" + std::string(nearest) + "? ") +
                     "the fields are " + syslog_name_list());
        }
        f.syslog_ = static_cast<syslog_field>(found - std::begin(syslog_names));
        break;
    }
    case '.': {
        f.source_ = source::json;
        while (pos < text.size() && (text[pos] == '.' || text[pos] == '[')) {
            json_step step;
            if (text[pos] == '.') {
                ++pos;
                if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
                    step.key = detail::read_quoted(text, pos, &pos, context);
                } else if (pos < text.size() && is_ident(text[pos])) {
                    const std::size_t begin = pos;
                    while (pos < text.size() && is_ident(text[pos])) {
                        ++pos;
                    }
                    step.key = text.substr(begin, pos - begin);
                } else {
                    fail("expected a key after '.'", pos,
                         pos == 1 && pos < text.size() && text[pos] == '['
                             ? "a JSON line is an object: start with a key, .items[0]"
                             : "write .name, or .\"odd key\" for a key with other characters");
                }
            } else { // '['
                if (f.path_.empty()) {
                    fail("expected a key before '['", pos, "a JSON line is an object: start with a key, .items[0]");
                }
                const std::size_t open = pos++;
                if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
                    step.key = detail::read_quoted(text, pos, &pos, context); // .a["odd key"], as jq
                } else if (pos < text.size() && is_digit(text[pos])) {
                    step.index = read_index(text, pos, &pos, "index");
                    step.is_index = true;
                } else {
                    fail("expected an index after '['", pos,
                         pos < text.size() && text[pos] == '-' ? "negative indexes are not supported; [0] is the first"
                                                               : "write [0] for the first element");
                }
                if (pos >= text.size() || text[pos] != ']') {
                    fail("expected ']'", pos, "to close the '[' at offset " + std::to_string(open));
                }
                ++pos;
            }
            step.plain = step.key.find_first_of("\"\\") == std::string::npos;
            f.path_.push_back(std::move(step));
        }
        break;
    }
    default: {
        f.source_ = source::logfmt;
        if (whole) {
            pos = text.size();
            const std::size_t bad = text.find_first_of(" \t\n\r\v\f=\"");
            if (bad != std::string_view::npos) {
                fail("a key has no blank, '=' or '\"'", bad,
                     text[bad] == '=' ? "write the key alone: latency_ms, not latency_ms=..." : std::string());
            }
        } else {
            while (pos < text.size() && !ends_embedded_key(text[pos])) {
                ++pos;
            }
            if (pos == 0) {
                fail("expected a FIELD", 0, "a FIELD is a key, $N, .json.path or @host-style syslog field");
            }
        }
        f.key_eq_ = std::string(text.substr(0, pos)) + '=';
        break;
    }
    }
    if (whole && pos != text.size()) {
        fail("unexpected " + detail::shown(text.substr(pos, 1)) + " after the FIELD " +
                 detail::shown(text.substr(0, pos)),
             pos);
    }
    f.text_ = text.substr(0, pos);
    *length = pos;
    return f;
}

std::vector<std::string> field_ref::required_literals() const {
    std::vector<std::string> out;
    if (source_ == source::logfmt) {
        out.push_back(key_eq_);
    } else if (source_ == source::json) {
        for (const json_step& step : path_) {
            const bool safe =
                !step.is_index && !step.key.empty() && std::all_of(step.key.begin(), step.key.end(), [](char c) {
                    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '/';
                });
            if (safe) {
                out.push_back('"' + step.key + '"');
            }
        }
    }
    return out;
}

// ---- lookups -----------------------------------------------------------------------

namespace {

// Untyped text (logfmt, columns, syslog): a number if it reads as one.
field_value untyped(std::string_view text) noexcept {
    field_value v{text, field_kind::string, {}};
    if (const std::optional<number> n = number::parse(text)) {
        v.kind = field_kind::number;
        v.numeric = *n;
    }
    return v;
}

std::optional<field_value> present(std::string_view text) noexcept {
    return text.empty() ? std::nullopt : std::optional(untyped(text));
}

} // namespace

std::optional<field_value> field_ref::find(std::string_view line, field_scratch& scratch) const {
    return lookup(line, scratch, false);
}

std::optional<field_value> field_ref::find_in_same_line(std::string_view line, field_scratch& scratch) const {
    return lookup(line, scratch, true);
}

std::optional<std::string_view> field_ref::find_text(std::string_view line, field_scratch& scratch,
                                                     bool same_line) const {
    if (source_ == source::whitespace_column) { // the common key ($2): no number read
        return detail::find_column(line, column_);
    }
    std::optional<field_value> v = lookup(line, scratch, same_line);
    return v ? std::optional(v->text) : std::nullopt;
}

std::optional<field_value> field_ref::lookup(std::string_view line, field_scratch& scratch, bool same_line) const {
    switch (source_) {
    case source::logfmt: {
        bool escaped = false;
        const std::optional<std::string_view> raw = detail::find_logfmt_field(line, key_eq_, &escaped);
        if (!raw) {
            return std::nullopt;
        }
        if (!escaped) {
            return untyped(*raw);
        }
        // \" and \\ undone; any other backslash stays.
        std::string& out = scratch.get().unescaped;
        out.clear();
        for (std::size_t i = 0; i < raw->size(); ++i) {
            if ((*raw)[i] == '\\' && i + 1 < raw->size() && ((*raw)[i + 1] == '"' || (*raw)[i + 1] == '\\')) {
                ++i;
            }
            out += (*raw)[i];
        }
        return untyped(out);
    }
    case source::whitespace_column: {
        const std::optional<std::string_view> text = detail::find_column(line, column_);
        return text ? std::optional(untyped(*text)) : std::nullopt;
    }
    case source::syslog: {
        const syslog_message m = parse_syslog(line, syslog_pri::optional);
        switch (syslog_) {
        case syslog_field::host_name:
            return present(m.hostname);
        case syslog_field::app_name:
            return present(m.app_name);
        case syslog_field::proc_id:
            return present(m.procid);
        case syslog_field::timestamp:
            return present(m.timestamp);
        case syslog_field::message:
            return untyped(m.message);
        case syslog_field::severity_code:
            if (const std::optional<syslog_severity> s = m.severity()) {
                return field_value{severity_name(*s), field_kind::string, {}};
            }
            return std::nullopt;
        case syslog_field::facility_code:
            if (const std::optional<syslog_facility> f = m.facility()) {
                return field_value{facility_name(*f), field_kind::string, {}};
            }
            return std::nullopt;
        }
        return std::nullopt;
    }
    case source::json:
        return find_json(line, scratch, same_line);
    }
    return std::nullopt;
}

} // namespace coropipe
