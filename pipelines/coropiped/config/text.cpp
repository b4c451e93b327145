#include "config/text.hpp"

#include <coropipe/suggest.hpp>

#include <algorithm>

namespace coropiped::loader {

std::string printable(std::string_view text, std::size_t max_shown) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < max_shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > max_shown) {
        out += "...";
    }
    return out;
}

std::string shown(std::string_view value) { return '\'' + printable(value) + '\''; }

bool is_bare_key(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::string key_path(std::string_view prefix, std::string_view name) {
    std::string out(prefix);
    if (!out.empty()) {
        out += '.';
    }
    if (is_bare_key(name)) {
        out += name;
    } else {
        out += '"' + printable(name) + '"';
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

std::string suggestion(std::string_view typed, const std::vector<std::string_view>& known) {
    const std::string_view best = coropipe::nearest_name(typed, known);
    return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

std::string quoted_list(const std::vector<std::string_view>& words) {
    std::string out;
    for (std::string_view w : words) {
        out += (out.empty() ? "\"" : ", \"") + std::string(w) + '"';
    }
    return out;
}

} // namespace coropiped::loader
