// field_ref's JSON paths, walked with simdjson's On-Demand API: the one
// file that includes simdjson (a large header).

#include <coropipe/field_ref.hpp>

#include "field_scratch_impl.hpp"

#include <simdjson.h>

#include <cstring>
#include <memory>
#include <string>

// No coroutine in this file: the fuzz targets compile it alone.

namespace coropipe {

namespace ondemand = simdjson::ondemand;

namespace detail {

// The padded copy of the line last parsed and its document. simdjson reads
// up to SIMDJSON_PADDING bytes past the end of its input, which a line in
// someone else's buffer does not promise: every line is copied here (a
// memcpy is a small part of the cost of a parse), into a buffer that grows
// to the longest line and is then reused.
struct json_document {
    ondemand::parser parser;
    ondemand::document doc;
    std::unique_ptr<char[]> padded;
    std::size_t capacity = 0; // of `padded`, padding included
    // The line `doc` was parsed from, while `parsed`.
    const char* line_data = nullptr;
    std::size_t line_size = 0;
    bool parsed = false;
    std::string closers; // nested_well's stack, reused
};

void json_document_deleter::operator()(json_document* doc) const noexcept { delete doc; }

} // namespace detail

namespace {

using detail::json_document;

constexpr bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_end(std::string_view s) noexcept {
    while (!s.empty() && is_json_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// Parses `line` into `j.doc` (a copy of it, padded); false if simdjson
// rejects it (stage 1: not UTF-8, an unclosed string, empty, too large).
bool parse_line(json_document& j, std::string_view line) {
    j.parsed = false;
    const std::size_t needed = line.size() + simdjson::SIMDJSON_PADDING;
    if (needed > j.capacity) {
        // Whole pages, so that a few longer lines do not each reallocate.
        constexpr std::size_t page = 4096;
        const std::size_t capacity = std::max((needed + page - 1) / page * page, j.capacity * 2);
        j.padded = std::make_unique<char[]>(capacity);
        j.capacity = capacity;
    }
    if (!line.empty()) {
        std::memcpy(j.padded.get(), line.data(), line.size());
    }
    // Spaces for padding: defined bytes after the end, and JSON whitespace.
    std::memset(j.padded.get() + line.size(), ' ', simdjson::SIMDJSON_PADDING);
    if (j.parser.iterate(j.padded.get(), line.size(), j.capacity).get(j.doc) != simdjson::SUCCESS) {
        return false;
    }
    j.line_data = line.data();
    j.line_size = line.size();
    j.parsed = true;
    return true;
}

// Whether the raw text of an object or array nests its brackets properly
// (strings skipped). On-Demand skips a container by counting brackets of
// either kind, so in a malformed line (`[1}`) its raw text may not be one.
bool nested_well(std::string_view raw, std::string& closers) {
    closers.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        switch (raw[i]) {
        case '"':
            for (++i; i < raw.size() && raw[i] != '"'; ++i) {
                i += raw[i] == '\\' ? 1 : 0;
            }
            break;
        case '{':
            closers += '}';
            break;
        case '[':
            closers += ']';
            break;
        case '}':
        case ']':
            if (closers.empty() || closers.back() != raw[i]) {
                return false;
            }
            closers.pop_back();
            if (closers.empty() && i + 1 != raw.size()) {
                return false;
            }
            break;
        default:
            break;
        }
    }
    return closers.empty();
}

// The text `s` (inside the padded copy) as a view of the same bytes in
// `line`, or empty if it is not all inside the line's copy (which valid
// input never gives, but the padding is no one's text).
std::optional<std::string_view> in_line(const json_document& j, std::string_view line, std::string_view s) noexcept {
    const char* const first = j.padded.get();
    if (s.data() < first || static_cast<std::size_t>(s.data() - first) > line.size() ||
        s.size() > line.size() - static_cast<std::size_t>(s.data() - first)) {
        return std::nullopt;
    }
    return line.substr(static_cast<std::size_t>(s.data() - first), s.size());
}

std::optional<field_value> make_value(std::optional<std::string_view> text, field_kind kind, number n = {}) noexcept {
    if (!text) {
        return std::nullopt;
    }
    return field_value{*text, kind, n};
}

} // namespace

// Whether the key of `field` is `want` (unescaped). A plain `want` (no
// '"' or '\') is compared with the raw key in place: equal bytes up to a
// closing '"' is a match; a backslash before a difference means an escape,
// and only then is the key unescaped (into simdjson's string buffer).
static bool key_is(ondemand::field& field, std::string_view want, bool plain, const char* buffer_end) {
    if (plain) {
        const char* raw = field.key().raw();
        const std::size_t room = static_cast<std::size_t>(buffer_end - raw);
        std::size_t i = 0;
        while (i < want.size() && i < room && raw[i] == want[i]) {
            ++i;
        }
        if (i >= room) {
            return false;
        }
        if (i == want.size()) {
            return raw[i] == '"';
        }
        if (raw[i] != '\\') {
            return false;
        }
    }
    std::string_view key;
    return field.unescaped_key().get(key) == simdjson::SUCCESS && key == want;
}

std::optional<field_value> field_ref::find_json(std::string_view line, field_scratch& scratch, bool same_line) const {
    auto& slot = scratch.get().json;
    if (!slot) {
        slot.reset(new json_document);
    }
    json_document& j = *slot;
    if (same_line && j.parsed && j.line_data == line.data() && j.line_size == line.size()) {
        j.doc.rewind();
    } else if (!parse_line(j, line)) {
        return std::nullopt;
    }
    // Any failure below may leave the document unusable for a rewind (a
    // fatal error abandons it): the next lookup parses again.
    j.parsed = false;
    const char* const buffer_end = j.padded.get() + j.capacity;

    // Without a backslash in the line no key is escaped: simdjson's search
    // of the raw keys (the first match, in order) is then exact, and faster
    // than taking each field apart.
    const bool escapes = std::memchr(line.data(), '\\', line.size()) != nullptr;
    ondemand::value value;
    bool at_root = true;
    for (const json_step& step : path_) {
        if (step.is_index) {
            ondemand::array array;
            if (value.get_array().get(array) != simdjson::SUCCESS) {
                return std::nullopt;
            }
            std::size_t i = 0;
            bool found = false;
            for (auto element : array) {
                if (element.error() != simdjson::SUCCESS) {
                    return std::nullopt;
                }
                if (i++ == step.index) {
                    if (std::move(element).get(value) != simdjson::SUCCESS) {
                        return std::nullopt;
                    }
                    found = true;
                    break;
                }
            }
            if (!found) {
                return std::nullopt;
            }
            continue;
        }
        ondemand::object object;
        const simdjson::error_code e = at_root ? j.doc.get_object().get(object) : value.get_object().get(object);
        if (e != simdjson::SUCCESS) {
            return std::nullopt;
        }
        at_root = false;
        if (!escapes) {
            if (object.find_field_unordered(step.key).get(value) != simdjson::SUCCESS) {
                return std::nullopt;
            }
            continue;
        }
        bool found = false;
        for (auto result : object) {
            ondemand::field field;
            if (std::move(result).get(field) != simdjson::SUCCESS) {
                return std::nullopt;
            }
            if (key_is(field, step.key, step.plain, buffer_end)) {
                value = field.value();
                found = true;
                break; // the first of duplicate keys
            }
        }
        if (!found) {
            return std::nullopt;
        }
    }

    ondemand::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    std::optional<field_value> result;
    switch (type) {
    case ondemand::json_type::object:
    case ondemand::json_type::array: {
        std::string_view raw;
        simdjson::error_code e = simdjson::SUCCESS;
        if (type == ondemand::json_type::object) {
            ondemand::object object;
            e = value.get_object().get(object);
            e = e != simdjson::SUCCESS ? e : object.raw_json().get(raw);
        } else {
            ondemand::array array;
            e = value.get_array().get(array);
            e = e != simdjson::SUCCESS ? e : array.raw_json().get(raw);
        }
        raw = trim_end(raw);
        if (e != simdjson::SUCCESS || !nested_well(raw, j.closers)) {
            return std::nullopt;
        }
        result = make_value(in_line(j, line, raw),
                            type == ondemand::json_type::object ? field_kind::object : field_kind::array);
        break;
    }
    case ondemand::json_type::string: {
        std::string_view token = trim_end(value.raw_json_token());
        if (token.size() < 2 || token.front() != '"' || token.back() != '"') {
            return std::nullopt;
        }
        if (token.find('\\') == std::string_view::npos) {
            result = make_value(in_line(j, line, token.substr(1, token.size() - 2)), field_kind::string);
            break;
        }
        std::string_view text; // unescaped into simdjson's string buffer, in the scratch
        if (value.get_string().get(text) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        result = field_value{text, field_kind::string, {}};
        break;
    }
    case ondemand::json_type::number: {
        std::string_view token = trim_end(value.raw_json_token());
        const std::optional<number> n = number::parse(token);
        if (!n) {
            return std::nullopt; // `12abc`: On-Demand only looked at the first byte
        }
        result = make_value(in_line(j, line, token), field_kind::number, *n);
        break;
    }
    case ondemand::json_type::boolean:
    case ondemand::json_type::null: {
        std::string_view token = trim_end(value.raw_json_token());
        if (type == ondemand::json_type::null ? token != "null" : token != "true" && token != "false") {
            return std::nullopt;
        }
        result = make_value(in_line(j, line, token),
                            type == ondemand::json_type::null ? field_kind::null : field_kind::boolean);
        break;
    }
    }
    j.parsed = result.has_value();
    return result;
}

} // namespace coropipe
