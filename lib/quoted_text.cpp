#include "quoted_text.hpp"

#include <coropipe/syntax_error.hpp>

// No coroutine in this file: the fuzz targets compile it alone.

namespace coropipe::detail {

std::string read_quoted(std::string_view text, std::size_t open, std::size_t* end, std::string_view context) {
    const char quote = text[open];
    std::string out;
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        const char c = text[i];
        if (c == quote) {
            *end = i + 1;
            return out;
        }
        if (c != '\\') {
            out += c;
            continue;
        }
        if (i + 1 == text.size()) {
            break; // unterminated
        }
        switch (const char e = text[++i]) {
        case '"':
        case '\'':
        case '\\':
        case '/':
            out += e;
            break;
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case 'r':
            out += '\r';
            break;
        default:
            throw syntax_error(context, "unknown escape " + shown(text.substr(i - 1, 2)) + " in a quoted string", i - 1,
                               "the escapes are \\\" \\' \\\\ \\/ \\n \\t \\r; write \\\\ for a backslash");
        }
    }
    throw syntax_error(context, "unterminated string", open,
                       std::string("close it with ") + quote + " (a quote inside is \\" + quote + ")");
}

std::string shown(std::string_view text) {
    constexpr std::size_t max_bytes = 40;
    std::string out = "'";
    for (const char c : text.substr(0, max_bytes)) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7F) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 15];
        } else {
            out += c;
        }
    }
    out += text.size() > max_bytes ? "...'" : "'";
    return out;
}

} // namespace coropipe::detail
