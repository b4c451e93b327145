#include <coropipe/stages/format.hpp>

#include <coropipe/field_value.hpp>
#include <coropipe/syntax_error.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>

namespace coropipe {

namespace detail {

namespace {

constexpr bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// A name or $N for a message: short, and control bytes shown as '?'.
std::string quoted(std::string_view name) {
    constexpr std::size_t max_bytes = 40;
    std::string out = "'";
    for (char c : name.substr(0, max_bytes)) {
        out += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c;
    }
    out += name.size() > max_bytes ? "...'" : "'";
    return out;
}

// The FIELD of the placeholder `name` (between the braces), which starts at
// offset `at` of the format.
field_ref placeholder(std::string_view name, std::size_t at) {
    if (name.starts_with('$')) {
        std::string_view digits = name.substr(1);
        std::size_t n = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || n == 0) {
            throw format_string_error("bad column " + quoted(name), at, "columns are {$1}, {$2}, ...");
        }
    } else if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw format_string_error("bad field name " + quoted(name), at,
                                  "a column is {$" + std::string(name) + "}; {} is the whole line");
    } else if (!name.starts_with('.') && !name.starts_with('@') &&
               std::any_of(name.begin(), name.end(), [](char c) { return is_blank(c) || c == '='; })) {
        throw format_string_error("bad field name " + quoted(name), at, "a name has no blank or '='");
    }
    try {
        return field_ref::parse(name);
    } catch (const syntax_error& e) {
        throw format_string_error(e.reason(), at + e.position(), e.hint());
    }
}

} // namespace

line_format::line_format(std::string_view fmt) {
    auto add_literal = [&](std::string_view text) {
        if (!parts_.empty() && std::holds_alternative<literal>(parts_.back())) {
            std::get<literal>(parts_.back()).end += text.size(); // extends the last literal
        } else {
            parts_.emplace_back(literal{literals_.size(), literals_.size() + text.size()});
        }
        literals_ += text;
    };
    for (std::size_t i = 0; i < fmt.size();) {
        const std::size_t brace = fmt.find_first_of("{}", i);
        if (brace == std::string_view::npos) {
            add_literal(fmt.substr(i));
            break;
        }
        if (brace > i) {
            add_literal(fmt.substr(i, brace - i));
        }
        const char c = fmt[brace];
        if (brace + 1 < fmt.size() && fmt[brace + 1] == c) { // {{ or }}
            add_literal(fmt.substr(brace, 1));
            i = brace + 2;
            continue;
        }
        if (c == '}') {
            throw format_string_error("single '}'", brace, "write }} for a literal }");
        }
        const std::size_t close = fmt.find_first_of("{}", brace + 1);
        if (close == std::string_view::npos) {
            throw format_string_error("unterminated '{'", brace, "write {{ for a literal {");
        }
        if (fmt[close] == '{') {
            throw format_string_error("'{' in a placeholder", close, "write {{ for a literal {");
        }
        const std::string_view name = fmt.substr(brace + 1, close - brace - 1);
        if (name.empty()) {
            parts_.emplace_back(whole_line{});
        } else {
            parts_.emplace_back(placeholder(name, brace + 1));
        }
        i = close + 1;
    }
}

std::string_view& line_format::apply(std::string_view line) {
    out_.clear();
    for (const part& p : parts_) {
        if (const literal* text = std::get_if<literal>(&p)) {
            out_.append(literals_, text->begin, text->end - text->begin);
        } else if (std::holds_alternative<whole_line>(p)) {
            out_ += line;
        } else if (const std::optional<field_value> v = std::get<field_ref>(p).find(line, scratch_)) {
            out_ += v->text;
        }
    }
    formatted_ = out_;
    return formatted_;
}

} // namespace detail

} // namespace coropipe
