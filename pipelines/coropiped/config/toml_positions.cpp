#include "config/toml_positions.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>

namespace coropiped::loader {

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xc0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xe0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    }
}

} // namespace

std::optional<std::size_t> offset_of(std::string_view text, position p) {
    std::size_t i = 0;
    for (std::uint32_t line = 1; line < p.line; ++line) {
        i = text.find('\n', i);
        if (i == std::string_view::npos) {
            return std::nullopt;
        }
        ++i;
    }
    for (std::uint32_t column = 1; column < p.column; ++column) {
        if (i >= text.size() || text[i] == '\n') {
            return std::nullopt;
        }
        ++i;
        while (i < text.size() && is_continuation(text[i])) {
            ++i;
        }
    }
    return i;
}

position position_of(std::string_view text, std::size_t offset) {
    position p;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else if (!is_continuation(text[i])) {
            ++p.column;
        }
    }
    return p;
}

std::optional<std::vector<std::size_t>> value_offsets(std::string_view text, std::size_t start,
                                                      std::string_view value) {
    if (start >= text.size() || (text[start] != '"' && text[start] != '\'')) {
        return std::nullopt;
    }
    const char quote = text[start];
    const bool literal = quote == '\'';
    const bool multi_line = text.substr(start, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''");
    std::size_t i = start + (multi_line ? 3 : 1);
    if (multi_line && text.substr(i, 2) == "\r\n") {
        i += 2; // a newline right after the opening quotes is not part of the value
    } else if (multi_line && i < text.size() && text[i] == '\n') {
        ++i;
    }
    std::vector<std::size_t> out;
    out.reserve(value.size() + 1);
    std::string decoded;
    while (out.size() < value.size()) {
        if (i >= text.size()) {
            return std::nullopt;
        }
        if (literal || text[i] != '\\') {
            if (text[i] != value[out.size()]) {
                return std::nullopt;
            }
            out.push_back(i++);
            continue;
        }
        const std::size_t escape = i++;
        if (i >= text.size()) {
            return std::nullopt;
        }
        decoded.clear();
        const char e = text[i++];
        // TOML's one-letter escapes, as pairs: the letter, the byte it stands for.
        constexpr std::string_view simple = "b\bt\tn\nf\fr\re\x1b\"\"\\\\";
        std::size_t k = 0;
        while (k < simple.size() && simple[k] != e) {
            k += 2;
        }
        if (k < simple.size()) {
            decoded = simple[k + 1];
        } else if (e == 'u' || e == 'U') {
            const std::size_t n = e == 'u' ? 4 : 8;
            std::uint32_t code = 0;
            const std::string_view hex = text.substr(i, n);
            const auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), code, 16);
            if (hex.size() != n || ec != std::errc() || end != hex.data() + hex.size() || code > 0x10ffff) {
                return std::nullopt;
            }
            append_utf8(decoded, static_cast<char32_t>(code));
            i += n;
        } else { // a line-ending backslash: the blanks and newlines after it go
            if (!multi_line || (e != ' ' && e != '\t' && e != '\r' && e != '\n')) {
                return std::nullopt;
            }
            i = escape + 1;
            while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
                ++i;
            }
            continue;
        }
        if (value.substr(out.size(), decoded.size()) != decoded) {
            return std::nullopt;
        }
        out.insert(out.end(), decoded.size(), escape);
    }
    out.push_back(i);
    return out;
}

std::optional<std::pair<std::size_t, std::string_view>> refuse_non_ascii(std::string_view text) {
    enum class context { top, header, array, inline_table };
    std::vector<context> stack{context::top};
    char last = '\n'; // the last significant byte: '=', '[', ',', '{', '\n', ...
    auto is_ascii = [&](std::size_t at) { return static_cast<unsigned char>(text[at]) < 0x80; };
    auto is_blank = [&](std::size_t at) {
        return text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n';
    };
    constexpr std::string_view outside = "a non-ASCII character outside a string value or a comment";
    std::size_t i = text.starts_with("\xef\xbb\xbf") ? 3 : 0; // a byte order mark
    while (i < text.size()) {
        const char c = text[i];
        if (!is_ascii(i)) {
            return std::pair(i, outside);
        }
        if (c == '#') {
            i = std::min(text.find('\n', i), text.size()); // anything goes in a comment
            continue;
        }
        if (c == '"' || c == '\'') {
            // A string is a value after '=', and in an array after '[' or ','.
            const bool value = last == '=' || (stack.back() == context::array && (last == '[' || last == ','));
            const std::string_view triple = c == '"' ? "\"\"\"" : "'''";
            const bool multi_line = text.substr(i).starts_with(triple);
            const std::string_view close = multi_line ? triple : triple.substr(0, 1);
            i += close.size();
            bool skipping = false; // after a line-ending backslash
            while (i < text.size() && !text.substr(i).starts_with(close) && (multi_line || text[i] != '\n')) {
                if (!is_ascii(i) && (!value || skipping)) {
                    return std::pair(i, value ? std::string_view("a non-ASCII character right after a line-ending "
                                                                 "backslash (toml++ 3.3 cannot read it)")
                                              : outside);
                }
                if (c == '"' && text[i] == '\\' && i + 1 < text.size()) {
                    skipping = multi_line && is_blank(i + 1);
                    i += skipping ? 1 : 2;
                    continue;
                }
                skipping = skipping && is_blank(i);
                ++i;
            }
            i += close.size(); // past the end even if unterminated: toml++ reports that
            last = 'v';
            continue;
        }
        if (c == '[') {
            if (stack.back() == context::top && last == '\n') {
                stack.push_back(context::header);
            } else if (stack.back() != context::header) { // in a header: the second '[' of `[[`
                stack.push_back(context::array);
            }
        } else if (c == '{') {
            stack.push_back(context::inline_table);
        } else if ((c == ']' || c == '}') && stack.size() > 1) {
            stack.pop_back();
        }
        // An array may span lines: a newline in one keeps the '[' or ','.
        if (!is_blank(i) || (c == '\n' && stack.back() != context::array)) {
            last = c;
        }
        ++i;
    }
    return std::nullopt;
}

} // namespace coropiped::loader
