#include "config.hpp"

#include <coropipe/detail/edit_distance.hpp>

#include <toml++/toml.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <system_error>
#include <utility>

namespace coropiped {

// ---- diagnostics -----------------------------------------------------------

std::string config_diagnostic::to_string() const {
    std::string out = file;
    if (line != 0) {
        out += ':' + std::to_string(line) + ':' + std::to_string(column);
    }
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    return out + message;
}

namespace {

std::string join_lines(const std::vector<config_diagnostic>& errors) {
    std::string out;
    for (const config_diagnostic& d : errors) {
        if (!out.empty()) {
            out += '\n';
        }
        out += d.to_string();
    }
    return out;
}

} // namespace

config_error::config_error(std::vector<config_diagnostic> errors)
    : coropipe::error(join_lines(errors)),
      errors_(std::move(errors)) {}

namespace {

// ---- small text helpers ----------------------------------------------------

// Bytes from the file shown inside a one-line message: control bytes
// escaped, cut after 60 bytes, so a diagnostic always stays one line.
std::string printable(std::string_view text, std::size_t max_shown = 60) {
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

// `prefix.name`, the name in TOML's double quotes when it is not a bare key.
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

// " (did you mean 'listen'?)" for the nearest of `known`; else empty.
template <class Names>
std::string suggestion(std::string_view typed, const Names& known) {
    const std::string_view best = coropipe::detail::nearest_name(typed, known);
    return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// A decimal integer that is the whole of `digits`; nullopt when it is not
// one or does not fit.
std::optional<std::uint64_t> parse_decimal(std::string_view digits) {
    std::uint64_t value = 0;
    if (digits.empty() || digits.front() < '0' || digits.front() > '9') {
        return std::nullopt;
    }
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return value;
}

// Splits "64KiB" into "64" and "KiB".
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
    }
    return {text.substr(0, i), trim(text.substr(i))};
}

bool is_hostname(std::string_view host) {
    if (host.empty() || host.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = std::min(host.find('.', start), host.size());
        const std::string_view label = host.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
            !std::all_of(label.begin(), label.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            })) {
            // a trailing dot (a fully qualified name) is fine
            return label.empty() && dot == host.size() && start == host.size() && start != 0;
        }
        if (dot == host.size()) {
            return true;
        }
        start = dot + 1;
    }
}

} // namespace

// ---- values ----------------------------------------------------------------

std::size_t parse_size(std::string_view text) {
    const std::pair<std::string_view, std::string_view> parts = split_number(trim(text));
    const std::string_view digits = parts.first; // (no structured binding: clang 14 cannot capture one)
    const std::string_view unit = parts.second;
    const std::string expected = "expected a whole number and a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. \"64KiB\"";
    if (digits.empty()) {
        coropipe::detail::throw_error(shown(text) + " is not a size: " + expected);
    }
    struct unit_info {
        std::string_view name;
        std::uint64_t factor;
    };
    static constexpr unit_info units[] = {
        {"", 1},
        {"B", 1},
        {"KB", 1000},
        {"MB", 1000 * 1000},
        {"GB", 1000000000},
        {"KiB", 1ULL << 10},
        {"MiB", 1ULL << 20},
        {"GiB", 1ULL << 30},
    };
    const auto it =
        std::find_if(std::begin(units), std::end(units), [&](const unit_info& u) { return iequals(u.name, unit); });
    if (it == std::end(units)) {
        coropipe::detail::throw_error(shown(text) + " is not a size: unknown unit " + shown(unit) + "; " + expected);
    }
    const std::optional<std::uint64_t> n = parse_decimal(digits);
    constexpr std::uint64_t max = std::numeric_limits<std::size_t>::max();
    if (!n || *n > max / it->factor) {
        coropipe::detail::throw_error(shown(text) + " is too large");
    }
    return static_cast<std::size_t>(*n * it->factor);
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    const std::pair<std::string_view, std::string_view> parts = split_number(trim(text));
    const std::string_view digits = parts.first; // (no structured binding: clang 14 cannot capture one)
    const std::string_view unit = parts.second;
    const std::string expected = "expected a whole number and a unit (ms, s, m, h), e.g. \"5s\" or \"250ms\"";
    if (digits.empty()) {
        coropipe::detail::throw_error(shown(text) + " is not a duration: " + expected);
    }
    struct unit_info {
        std::string_view name;
        std::int64_t factor; // ms
    };
    static constexpr unit_info units[] = {{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}};
    const auto it =
        std::find_if(std::begin(units), std::end(units), [&](const unit_info& u) { return u.name == unit; });
    if (it == std::end(units)) {
        coropipe::detail::throw_error(shown(text) + " is not a duration: " +
                                      (unit.empty() ? std::string("no unit") : "unknown unit " + shown(unit)) + "; " +
                                      expected);
    }
    const std::optional<std::uint64_t> n = parse_decimal(digits);
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!n || *n > max / static_cast<std::uint64_t>(it->factor)) {
        coropipe::detail::throw_error(shown(text) + " is too long");
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(*n) * it->factor);
}

endpoint parse_endpoint(std::string_view text, bool allow_port_zero) {
    const std::string expected = "expected HOST:PORT or [IPv6]:PORT, e.g. \"127.0.0.1:5140\"";
    auto fail = [&](const std::string& why) {
        coropipe::detail::throw_error(shown(text) + " is not an address: " + why);
    };
    endpoint out;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            fail("no ']' after the IPv6 address; " + expected);
        }
        const std::string_view host = text.substr(1, close - 1);
        const std::string_view address = host.substr(0, host.find('%')); // fe80::1%eth0: a zone
        const std::string zone(host.substr(address.size()));
        in6_addr ignored{};
        if (::inet_pton(AF_INET6, std::string(address).c_str(), &ignored) != 1 || zone == "%" ||
            !is_bare_key(zone.empty() ? "x" : zone.substr(1))) {
            fail(shown(host) + " is not an IPv6 address");
        }
        if (close + 1 >= text.size() || text[close + 1] != ':') {
            fail("no ':PORT' after ']'; " + expected);
        }
        out.host = host;
        port = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            fail("no ':PORT'; " + expected);
        }
        const std::string_view host = text.substr(0, colon);
        if (host.empty()) {
            fail("no host (0.0.0.0 or [::] listen on every interface); " + expected);
        }
        if (host.find(':') != std::string_view::npos) {
            fail("an IPv6 address needs brackets: [" + printable(host) + "]:PORT");
        }
        const bool dotted_digits =
            std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
        in_addr ignored{};
        if (dotted_digits ? ::inet_pton(AF_INET, std::string(host).c_str(), &ignored) != 1 : !is_hostname(host)) {
            fail(shown(host) + " is not " + (dotted_digits ? "an IPv4 address" : "a host name"));
        }
        out.host = host;
        port = text.substr(colon + 1);
    }
    const std::optional<std::uint64_t> n = parse_decimal(port);
    if (!n || *n > 65535 || (*n == 0 && !allow_port_zero)) {
        fail(shown(port) + " is not a port (" + (allow_port_zero ? "0" : "1") + " to 65535)");
    }
    out.port = static_cast<std::uint16_t>(*n);
    return out;
}

namespace {

// ---- positions in the file -------------------------------------------------

struct position {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    friend bool operator<(position a, position b) { return a.line != b.line ? a.line < b.line : a.column < b.column; }
};

position at(const toml::source_region& region) {
    if (region.begin.line == 0) {
        return {}; // toml++ made the node without a place: the top of the file
    }
    return {region.begin.line, region.begin.column};
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// Byte offset of a toml++ position: lines counted by '\n', columns in code
// points (as toml++ counts them). nullopt if the text has no such place.
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

// Where each byte of a TOML string's value is written in the file: for the
// string token at `start` (its opening quote) whose parsed value is `value`,
// the offset in `text` of the source of value[i], and at [value.size()] the
// offset just after the last one (the closing quote). An escape is the source
// of all the bytes it makes. nullopt if the token does not decode to `value`
// (then the caller points at the string as a whole).
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

// ---- before toml++ ---------------------------------------------------------

// HACK(toml++ 3.3): toml++ classifies a code point from U+00A1 to U+0499 (é,
// ü, Ж...) or from U+FBF6 to U+FEFE met outside a string value (in a quoted
// key, or where whitespace may be) by reaching __builtin_unreachable():
// undefined behaviour (https://github.com/marzer/tomlplusplus/issues/190 and
// #295, fixed upstream by PR #305, after Debian 12's 3.3.0). No key or name
// of this schema may hold such a character anyway, so such input is refused
// before toml++ sees it: non-ASCII passes only in comments and string values.
// Returns the offset of the first refused byte and why, or nullopt.
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

// ---- the checker -----------------------------------------------------------

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

struct named_position {
    std::string name;
    position where;
};

// Reads one file: the TOML, then each table, then the references between
// them; collects every problem on the way.
class checker {
public:
    checker(std::string_view text, std::string file, const run_check& check)
        : text_(text),
          file_(std::move(file)),
          check_(check) {
        base_ = std::filesystem::path(file_).parent_path();
    }

    void error(position where, std::string key, std::string message) {
        errors_.push_back({file_, where.line, where.column, std::move(key), std::move(message)});
    }
    void warning(position where, const std::string& key, const std::string& message) {
        warnings_.push_back({file_, where.line, where.column, "warning: " + key, message});
    }

    std::filesystem::path resolve(const std::string& path) const {
        const std::filesystem::path p(path);
        return p.is_absolute() || base_.empty() ? p : base_ / p;
    }

    daemon_config run();

private:
    void read_daemon(const toml::node& node, daemon_config& config);
    void read_source(const std::string& name, const toml::node& node, const daemon_config& defaults,
                     daemon_config& config);
    void read_pipeline(const std::string& name, const toml::node& node, const daemon_config& defaults,
                       daemon_config& config);
    void read_sink(const std::string& name, const toml::node& node, const daemon_config& defaults,
                   daemon_config& config);
    void cross_check(daemon_config& config);
    std::vector<std::string> read_names(const toml::node* node, const std::string& key,
                                        const std::map<std::string, position>& existing, std::string_view what);
    void check_run(const toml::node& node, const std::string& key, pipeline_config& pipeline);

    std::string_view text_;
    std::string file_;
    const run_check& check_;
    std::filesystem::path base_;
    std::vector<config_diagnostic> errors_;
    std::vector<config_diagnostic> warnings_;
    // where each thing was defined, for cross references
    std::map<std::string, position> source_at_, sink_at_;
    // What may be used only once: "tcp 127.0.0.1:5140", "file /var/log/a.log",
    // "stdin"... by a key; cross_check reports all but the first in the file.
    struct claim_info {
        std::string what;
        std::string_view thing; // "address", for the message
        named_position by;
    };
    std::vector<claim_info> claims_;
    void claim(std::string what, std::string_view thing, std::string key, position where) {
        claims_.push_back({std::move(what), thing, {std::move(key), where}});
    }
    std::map<std::string, position> pipeline_at_, pipeline_buffer_at_;
    std::set<std::string> used_sources_, used_sinks_;
};

// One TOML table being read: hands out the values of its keys, then reports
// the keys nobody asked for. `known` are the keys any table of its kind may
// have (a source's `listen`); those of them not taken are "not used by a udp
// source", the others unknown.
class table_reader {
public:
    table_reader(checker& c, const toml::table& table, std::string path, std::span<const std::string_view> known)
        : c_(c),
          table_(table),
          path_(std::move(path)),
          known_(known) {}

    position where() const { return at(table_.source()); }
    std::string key(std::string_view name) const { return key_path(path_, name); }

    /// The value of `name`, or null; `name` must be one of `known`.
    const toml::node* get(std::string_view name) {
        taken_.push_back(name);
        return table_.get(name);
    }

    /// Reports every key not taken: unknown ones (with a suggestion), and
    /// known ones the table's kind does not use, saying `why`.
    void finish(const std::string& why) {
        for (auto&& [k, v] : table_) {
            const std::string_view name = k.str();
            if (std::find(taken_.begin(), taken_.end(), name) != taken_.end()) {
                continue;
            }
            const position p = at(k.source());
            if (std::find(known_.begin(), known_.end(), name) != known_.end()) {
                c_.error(p, key(name), "not used " + why);
            } else {
                c_.error(p, key(name), "unknown key" + suggestion(name, known_));
            }
        }
    }

    // Typed getters: each reports a wrong type or value and returns nullopt.
    std::optional<std::string> string(std::string_view name) {
        const toml::node* node = get(name);
        if (!node) {
            return std::nullopt;
        }
        if (!node->is_string()) {
            c_.error(at(node->source()), key(name), "expected a string, got " + std::string(type_name(*node)));
            return std::nullopt;
        }
        return node->as_string()->get();
    }

    std::optional<std::uint64_t> integer(std::string_view name, std::uint64_t min, std::uint64_t max) {
        const toml::node* node = get(name);
        if (!node) {
            return std::nullopt;
        }
        if (!node->is_integer()) {
            c_.error(at(node->source()), key(name), "expected an integer, got " + std::string(type_name(*node)));
            return std::nullopt;
        }
        const std::int64_t v = node->as_integer()->get();
        if (v < 0 || static_cast<std::uint64_t>(v) < min || static_cast<std::uint64_t>(v) > max) {
            c_.error(at(node->source()), key(name),
                     std::to_string(v) + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) +
                         ")");
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(v);
    }

    std::optional<std::size_t> size(std::string_view name, std::size_t min) {
        const toml::node* node = get(name);
        if (!node) {
            return std::nullopt;
        }
        std::size_t bytes = 0;
        if (node->is_integer()) {
            const std::int64_t v = node->as_integer()->get();
            if (v < 0) {
                c_.error(at(node->source()), key(name), std::to_string(v) + " is not a size: it is negative");
                return std::nullopt;
            }
            bytes = static_cast<std::size_t>(v);
        } else if (node->is_string()) {
            try {
                bytes = parse_size(node->as_string()->get());
            } catch (const coropipe::error& e) {
                c_.error(at(node->source()), key(name), e.what());
                return std::nullopt;
            }
        } else {
            c_.error(at(node->source()), key(name),
                     "expected a size (bytes, or a string such as \"64KiB\"), got " + std::string(type_name(*node)));
            return std::nullopt;
        }
        if (bytes < min) {
            c_.error(at(node->source()), key(name), "must be at least " + std::to_string(min) + " bytes");
            return std::nullopt;
        }
        return bytes;
    }

    std::optional<std::chrono::milliseconds> duration(std::string_view name, std::chrono::milliseconds min,
                                                      std::chrono::milliseconds max) {
        const toml::node* node = get(name);
        if (!node) {
            return std::nullopt;
        }
        if (!node->is_string()) {
            c_.error(at(node->source()), key(name),
                     "expected a duration as a string such as \"5s\" or \"250ms\", got " +
                         std::string(type_name(*node)));
            return std::nullopt;
        }
        std::chrono::milliseconds d{};
        try {
            d = parse_duration(node->as_string()->get());
        } catch (const coropipe::error& e) {
            c_.error(at(node->source()), key(name), e.what());
            return std::nullopt;
        }
        if (d < min || d > max) {
            c_.error(at(node->source()), key(name),
                     "must be from " + std::to_string(min.count()) + "ms to " + std::to_string(max.count()) + "ms");
            return std::nullopt;
        }
        return d;
    }

    std::optional<endpoint> address(std::string_view name, bool allow_port_zero) {
        const std::optional<std::string> text = string(name);
        if (!text) {
            return std::nullopt;
        }
        try {
            return parse_endpoint(*text, allow_port_zero);
        } catch (const coropipe::error& e) {
            c_.error(at(table_.get(name)->source()), key(name), e.what());
            return std::nullopt;
        }
    }

    std::optional<std::filesystem::path> path(std::string_view name) {
        const std::optional<std::string> text = string(name);
        if (!text) {
            return std::nullopt;
        }
        if (text->empty() || text->find('\0') != std::string::npos) {
            c_.error(at(table_.get(name)->source()), key(name),
                     text->empty() ? "must not be empty" : "a path cannot contain a NUL byte");
            return std::nullopt;
        }
        return c_.resolve(*text);
    }

    // One of `choices` ({spelling, value}); the error lists them.
    template <class Enum, std::size_t N>
    std::optional<Enum> choice(std::string_view name, const std::pair<std::string_view, Enum> (&choices)[N]) {
        const std::optional<std::string> text = string(name);
        if (!text) {
            return std::nullopt;
        }
        std::vector<std::string_view> spellings;
        for (const auto& [spelling, value] : choices) {
            if (spelling == *text) {
                return value;
            }
            spellings.push_back(spelling);
        }
        std::string list;
        for (std::string_view s : spellings) {
            list += (list.empty() ? "\"" : ", \"") + std::string(s) + '"';
        }
        c_.error(at(table_.get(name)->source()), key(name),
                 "unknown value " + shown(*text) + suggestion(*text, spellings) + "; expected one of " + list);
        return std::nullopt;
    }

    void missing(std::string_view name, const std::string& hint) { c_.error(where(), key(name), "missing: " + hint); }

private:
    checker& c_;
    const toml::table& table_;
    std::string path_;
    std::span<const std::string_view> known_;
    std::vector<std::string_view> taken_;
};

// ---- the schema ------------------------------------------------------------

constexpr std::string_view top_keys[] = {"daemon", "source", "pipeline", "sink"};
constexpr std::string_view daemon_keys[] = {"threads",       "shutdown_timeout", "metrics_listen",
                                            "state_file",    "max_line",         "max_connections",
                                            "source_buffer", "pipeline_buffer",  "sink_buffer"};
constexpr std::string_view source_keys[] = {"type",     "listen",          "path",         "framing",
                                            "max_line", "max_connections", "buffer_bytes", "start"};
constexpr std::string_view pipeline_keys[] = {"from", "run", "to", "buffer_bytes"};
constexpr std::string_view sink_keys[] = {"type", "path", "address", "buffer_bytes", "backoff_min", "backoff_max"};

using source_kind = source_config::kind;
using sink_kind = sink_config::kind;

constexpr std::pair<std::string_view, source_kind> source_types[] = {{"tcp", source_kind::tcp},
                                                                     {"udp", source_kind::udp},
                                                                     {"unix", source_kind::unix_stream},
                                                                     {"stdin", source_kind::stdin_},
                                                                     {"file", source_kind::file}};
constexpr std::pair<std::string_view, source_config::framing> framings[] = {
    {"newline", source_config::framing::newline},
    {"octet", source_config::framing::octet},
    {"auto", source_config::framing::automatic}};
constexpr std::pair<std::string_view, source_config::position> starts[] = {
    {"end", source_config::position::end}, {"beginning", source_config::position::beginning}};
constexpr std::pair<std::string_view, sink_kind> sink_types[] = {
    {"file", sink_kind::file}, {"stdout", sink_kind::stdout_}, {"tcp", sink_kind::tcp}};

std::string_view spelling(source_kind k) {
    for (const auto& [s, v] : source_types) {
        if (v == k) {
            return s;
        }
    }
    return {};
}

bool one_of(source_kind k, std::initializer_list<source_kind> kinds) {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

constexpr std::uint64_t max_threads = 1024;
constexpr std::uint64_t max_connections_limit = 1'000'000;
constexpr std::chrono::milliseconds max_timeout = std::chrono::hours(24);
// sun_path holds 108 bytes with the terminating NUL.
constexpr std::size_t max_unix_path = 107;

const toml::table* as_table(checker& c, const toml::node& node, const std::string& key, std::string_view hint) {
    if (const toml::table* t = node.as_table()) {
        return t;
    }
    c.error(at(node.source()), key, "expected a table" + std::string(hint) + ", got " + std::string(type_name(node)));
    return nullptr;
}

daemon_config checker::run() {
    daemon_config config;
    config.file = file_;
    if (const auto refused = refuse_non_ascii(text_)) {
        error(position_of(text_, refused->first), {}, "TOML syntax: " + std::string(refused->second));
        throw config_error(std::move(errors_));
    }
    toml::table root;
    try {
        root = toml::parse(text_, std::string_view(file_));
    } catch (const toml::parse_error& e) {
        position p = at(e.source());
        std::string what(e.description());
        // toml++ words: "Error while parsing key-value pair: cannot redefine ..."
        error(p, {}, "TOML syntax: " + printable(what, 300));
        throw config_error(std::move(errors_));
    }

    // [daemon] first: its values are the defaults of the other tables.
    if (const toml::node* d = root.get("daemon")) {
        read_daemon(*d, config);
    }
    const daemon_config defaults = config;

    // Names first, so that `from`/`to` can refer to tables read later.
    for (std::string_view kind : {"source", "sink"}) {
        const toml::node* node = root.get(kind);
        if (const toml::table* t = node ? node->as_table() : nullptr) {
            for (auto&& [k, v] : *t) {
                (kind == "source" ? source_at_ : sink_at_)[std::string(k.str())] = at(v.source());
            }
        }
    }
    for (auto&& [k, v] : root) {
        const std::string_view name = k.str();
        if (std::find(std::begin(top_keys), std::end(top_keys), name) == std::end(top_keys)) {
            error(at(k.source()), key_path({}, name),
                  "unknown table" + suggestion(name, top_keys) +
                      "; expected [daemon], [source.NAME], [pipeline.NAME] or "
                      "[sink.NAME]");
            continue;
        }
        if (name == "daemon") {
            continue;
        }
        const std::string hint = " of [" + std::string(name) + ".NAME] tables";
        const toml::table* t = as_table(*this, v, std::string(name), hint);
        if (!t) {
            continue;
        }
        for (auto&& [item_key, item] : *t) {
            const std::string item_name(item_key.str());
            const std::string path = key_path(name, item_name);
            if (!is_bare_key(item_name)) {
                error(at(item_key.source()), path, "a name may have only letters, digits, '_' and '-'");
            }
            if (name == "source") {
                read_source(item_name, item, defaults, config);
            } else if (name == "pipeline") {
                read_pipeline(item_name, item, defaults, config);
            } else {
                read_sink(item_name, item, defaults, config);
            }
        }
    }
    cross_check(config);

    auto by_position = [](const config_diagnostic& a, const config_diagnostic& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    };
    std::stable_sort(errors_.begin(), errors_.end(), by_position);
    if (!errors_.empty()) {
        throw config_error(std::move(errors_));
    }
    std::stable_sort(warnings_.begin(), warnings_.end(), by_position);
    for (const config_diagnostic& w : warnings_) {
        config.warnings.push_back(w.to_string());
    }
    return config;
}

void checker::read_daemon(const toml::node& node, daemon_config& config) {
    const toml::table* t = as_table(*this, node, "daemon", "");
    if (!t) {
        return;
    }
    table_reader r(*this, *t, "daemon", daemon_keys);
    if (auto v = r.integer("threads", 0, max_threads)) {
        config.threads = static_cast<unsigned>(*v);
    }
    if (auto v = r.duration("shutdown_timeout", std::chrono::milliseconds(0), max_timeout)) {
        config.shutdown_timeout = *v;
    }
    if (auto v = r.address("metrics_listen", true)) {
        config.metrics_enabled = true;
        config.metrics_listen = *v;
        if (v->port != 0) {
            claim("tcp " + v->host + ':' + std::to_string(v->port), "address", "daemon.metrics_listen",
                  at(t->get("metrics_listen")->source()));
        }
    }
    if (auto v = r.path("state_file")) {
        config.state_file = *v;
    }
    if (auto v = r.size("max_line", 1)) {
        config.max_line = *v;
    }
    if (auto v = r.integer("max_connections", 1, max_connections_limit)) {
        config.max_connections = static_cast<std::size_t>(*v);
    }
    if (auto v = r.size("source_buffer", 1)) {
        config.source_buffer = *v;
    }
    if (auto v = r.size("pipeline_buffer", 1)) {
        config.pipeline_buffer = *v;
    }
    if (auto v = r.size("sink_buffer", 1)) {
        config.sink_buffer = *v;
    }
    r.finish("");
}

void checker::read_source(const std::string& name, const toml::node& node, const daemon_config& defaults,
                          daemon_config& config) {
    const std::string path = key_path("source", name);
    const toml::table* t = as_table(*this, node, path, " (type = \"tcp\", ...)");
    if (!t) {
        return;
    }
    table_reader r(*this, *t, path, source_keys);
    source_config s;
    s.name = name;
    s.max_line = defaults.max_line;
    s.max_connections = defaults.max_connections;
    s.buffer_bytes = defaults.source_buffer;
    const std::optional<source_kind> type = r.choice("type", source_types);
    if (!type) {
        if (!t->get("type")) {
            r.missing("type", "one of \"tcp\", \"udp\", \"unix\", \"stdin\", \"file\"");
        }
        // The other keys' values are still checked, but which apply is unknown.
        for (std::string_view k : source_keys) {
            (void)r.get(k);
        }
        return;
    }
    s.type = *type;
    using enum source_config::kind;
    const std::string why = "by a " + std::string(spelling(s.type)) + " source";

    if (one_of(s.type, {tcp, udp})) {
        if (auto v = r.address("listen", true)) {
            s.listen = *v;
            const std::string id = std::string(spelling(s.type)) + ' ' + v->host + ':' + std::to_string(v->port);
            const position p = at(t->get("listen")->source());
            if (v->port != 0) {
                claim(id, "address", r.key("listen"), p);
            }
        } else if (!t->get("listen")) {
            r.missing("listen", "the address to listen on, e.g. listen = \"127.0.0.1:5140\"");
        }
    }
    if (one_of(s.type, {unix_stream, file})) {
        if (auto v = r.path("path")) {
            s.path = *v;
            const position p = at(t->get("path")->source());
            if (s.type == unix_stream && s.path.native().size() > max_unix_path) {
                error(p, r.key("path"),
                      "the socket's path is " + std::to_string(s.path.native().size()) + " bytes, more than the " +
                          std::to_string(max_unix_path) + " a unix socket address holds");
            }
            const std::string id = std::string(s.type == file ? "file " : "unix ") + s.path.lexically_normal().string();
            claim(id, "path", r.key("path"), p);
        } else if (!t->get("path")) {
            r.missing("path", s.type == file ? "the file to follow, e.g. path = \"/var/log/app.log\""
                                             : "the socket to listen on, e.g. path = \"/run/coropiped.sock\"");
        }
    }
    if (one_of(s.type, {tcp, unix_stream, stdin_})) {
        s.frames = s.type == stdin_ ? source_config::framing::newline : source_config::framing::automatic;
        if (auto v = r.choice("framing", framings)) {
            s.frames = *v;
        }
    }
    if (one_of(s.type, {tcp, unix_stream})) {
        if (auto v = r.integer("max_connections", 1, max_connections_limit)) {
            s.max_connections = static_cast<std::size_t>(*v);
        }
    }
    if (s.type == file) {
        if (auto v = r.choice("start", starts)) {
            s.start = *v;
        }
    }
    if (s.type == stdin_) {
        claim("stdin", "standard input", r.key("type"), at(t->get("type")->source()));
    }
    const std::optional<std::size_t> max_line = r.size("max_line", 1);
    if (max_line) {
        s.max_line = *max_line;
    }
    const std::optional<std::size_t> buffer = r.size("buffer_bytes", 1);
    if (buffer) {
        s.buffer_bytes = *buffer;
    }
    if ((max_line || buffer) && s.max_line > s.buffer_bytes) {
        error(at(t->get(buffer ? "buffer_bytes" : "max_line")->source()), r.key(buffer ? "buffer_bytes" : "max_line"),
              "buffer_bytes (" + std::to_string(s.buffer_bytes) + ") is less than max_line (" +
                  std::to_string(s.max_line) + "): a longest line must fit");
    }
    r.finish(why);
    config.sources.push_back(std::move(s));
}

std::vector<std::string> checker::read_names(const toml::node* node, const std::string& key,
                                             const std::map<std::string, position>& existing, std::string_view what) {
    std::vector<std::string> names;
    const toml::array* array = node->as_array();
    if (!array) {
        error(at(node->source()), key,
              "expected an array of " + std::string(what) + " names, e.g. [\"app\"], got " +
                  std::string(type_name(*node)));
        return names;
    }
    if (array->empty()) {
        error(at(node->source()), key, "names no " + std::string(what) + "; at least one is needed");
    }
    std::vector<std::string_view> known;
    for (const auto& [name, p] : existing) {
        known.push_back(name);
    }
    for (const toml::node& item : *array) {
        const position p = at(item.source());
        if (!item.is_string()) {
            error(p, key, "expected " + std::string(what) + " names (strings), got " + std::string(type_name(item)));
            continue;
        }
        const std::string& name = item.as_string()->get();
        if (!existing.contains(name)) {
            error(p, key,
                  "no " + std::string(what) + ' ' + shown(name) + suggestion(name, known) + "; define it as [" +
                      std::string(what) + '.' + printable(name) + ']');
        } else if (std::find(names.begin(), names.end(), name) != names.end()) {
            error(p, key, shown(name) + " is listed twice");
        } else {
            names.push_back(name);
        }
    }
    return names;
}

void checker::check_run(const toml::node& node, const std::string& key, pipeline_config& pipeline) {
    try {
        pipeline.stages = coropipe::parse_pipeline(pipeline.run);
        if (check_) {
            check_(pipeline);
        }
    } catch (const coropipe::pipeline_text_error& e) {
        // Point at the offending byte in the file when the string's token can
        // be mapped back (escapes and all); else at the string.
        position p = at(node.source());
        if (const std::optional<std::size_t> start = offset_of(text_, p)) {
            if (const auto offsets = value_offsets(text_, *start, pipeline.run)) {
                p = position_of(text_, (*offsets)[std::min(e.position(), pipeline.run.size())]);
            }
        }
        std::string what = e.what();
        constexpr std::string_view prefix = "coropipe: ";
        if (what.starts_with(prefix)) {
            what.erase(0, prefix.size());
        }
        error(p, key, printable(what, 300));
    }
}

void checker::read_pipeline(const std::string& name, const toml::node& node, const daemon_config& defaults,
                            daemon_config& config) {
    const std::string path = key_path("pipeline", name);
    const toml::table* t = as_table(*this, node, path, " (from = [...], run = \"...\", to = [...])");
    if (!t) {
        return;
    }
    table_reader r(*this, *t, path, pipeline_keys);
    pipeline_config p;
    p.name = name;
    p.buffer_bytes = defaults.pipeline_buffer;
    pipeline_at_[name] = r.where();
    if (const toml::node* from = r.get("from")) {
        p.from = read_names(from, r.key("from"), source_at_, "source");
    } else {
        r.missing("from", "the sources to read, e.g. from = [\"app\"]");
    }
    const toml::node* run = r.get("run");
    const std::optional<std::string> run_text = r.string("run");
    if (!run) {
        r.missing("run", "the pipeline text, e.g. run = \"grep ERROR\"");
    }
    if (const toml::node* to = r.get("to")) {
        p.to = read_names(to, r.key("to"), sink_at_, "sink");
    } else {
        r.missing("to", "the sinks to write, e.g. to = [\"errors\"]");
    }
    if (auto v = r.size("buffer_bytes", 1)) {
        p.buffer_bytes = *v;
        pipeline_buffer_at_[name] = at(t->get("buffer_bytes")->source());
    }
    if (run_text) { // last, so that check_ sees the rest of the pipeline filled in
        p.run = *run_text;
        check_run(*run, r.key("run"), p);
    }
    r.finish("");
    used_sources_.insert(p.from.begin(), p.from.end());
    used_sinks_.insert(p.to.begin(), p.to.end());
    config.pipelines.push_back(std::move(p));
}

void checker::read_sink(const std::string& name, const toml::node& node, const daemon_config& defaults,
                        daemon_config& config) {
    const std::string path = key_path("sink", name);
    const toml::table* t = as_table(*this, node, path, " (type = \"file\", ...)");
    if (!t) {
        return;
    }
    table_reader r(*this, *t, path, sink_keys);
    sink_config s;
    s.name = name;
    s.buffer_bytes = defaults.sink_buffer;
    s.backoff_min = std::chrono::milliseconds(100);
    s.backoff_max = std::chrono::milliseconds(10'000);
    const std::optional<sink_kind> type = r.choice("type", sink_types);
    if (!type) {
        if (!t->get("type")) {
            r.missing("type", "one of \"file\", \"stdout\", \"tcp\"");
        }
        for (std::string_view k : sink_keys) {
            (void)r.get(k);
        }
        return;
    }
    s.type = *type;
    std::string why = "by a ";
    for (const auto& [spelled, value] : sink_types) {
        if (value == s.type) {
            why += std::string(spelled) + " sink";
        }
    }
    if (s.type == sink_kind::file) {
        if (auto v = r.path("path")) {
            s.path = *v;
            const position p = at(t->get("path")->source());
            const std::string normal = s.path.lexically_normal().string();
            claim("sink " + normal, "path", r.key("path"), p);
        } else if (!t->get("path")) {
            r.missing("path", "the file to append to, e.g. path = \"/var/log/coropipe/errors.log\"");
        }
    }
    if (s.type == sink_kind::tcp) {
        if (auto v = r.address("address", false)) {
            s.address = *v;
        } else if (!t->get("address")) {
            r.missing("address", "the peer to forward to, e.g. address = \"logs.example.com:5140\"");
        }
        const auto min = r.duration("backoff_min", std::chrono::milliseconds(1), max_timeout);
        const auto max = r.duration("backoff_max", std::chrono::milliseconds(1), max_timeout);
        if (min) {
            s.backoff_min = *min;
        }
        if (max) {
            s.backoff_max = *max;
        }
        if ((min || max) && s.backoff_min > s.backoff_max) {
            const char* k = max ? "backoff_max" : "backoff_min";
            error(at(t->get(k)->source()), r.key(k),
                  "backoff_max (" + std::to_string(s.backoff_max.count()) + "ms) is less than backoff_min (" +
                      std::to_string(s.backoff_min.count()) + "ms)");
        }
    }
    if (auto v = r.size("buffer_bytes", 1)) {
        s.buffer_bytes = *v;
    }
    r.finish(why);
    config.sinks.push_back(std::move(s));
}

void checker::cross_check(daemon_config& config) {
    if (pipeline_at_.empty()) {
        error({}, "pipeline",
              "no pipeline: the daemon needs at least one [pipeline.NAME] table (from = [...], run = \"...\", to = "
              "[...])");
    }
    // A pipeline's buffer must hold the longest line of each of its sources.
    for (const pipeline_config& p : config.pipelines) {
        for (const std::string& from : p.from) {
            const auto s = std::find_if(config.sources.begin(), config.sources.end(),
                                        [&](const source_config& c) { return c.name == from; });
            if (s != config.sources.end() && s->max_line > p.buffer_bytes) {
                const auto written = pipeline_buffer_at_.find(p.name);
                error(written != pipeline_buffer_at_.end() ? written->second : pipeline_at_[p.name],
                      key_path(key_path("pipeline", p.name), "buffer_bytes"),
                      std::to_string(p.buffer_bytes) + " bytes cannot hold a line of source " + shown(from) +
                          " (max_line " + std::to_string(s->max_line) + ")");
                break;
            }
        }
    }
    for (const source_config& s : config.sources) {
        if (!used_sources_.contains(s.name)) {
            warning(source_at_[s.name], key_path("source", s.name), "no pipeline reads this source");
        }
    }
    // Each address, path and stdin used once, the first in the file wins.
    std::stable_sort(claims_.begin(), claims_.end(),
                     [](const claim_info& a, const claim_info& b) { return a.by.where < b.by.where; });
    std::map<std::string_view, const named_position*> first;
    for (const claim_info& c : claims_) {
        if (auto [it, fresh] = first.emplace(c.what, &c.by); !fresh) {
            error(c.by.where, c.by.name,
                  std::string(c.thing) + " already used by " + it->second->name + " (line " +
                      std::to_string(it->second->where.line) + ")");
        }
    }
    // A file sink that a file source follows feeds itself.
    for (const claim_info& c : claims_) {
        if (c.what.starts_with("sink ")) {
            if (const auto tailed = first.find("file " + c.what.substr(5)); tailed != first.end()) {
                error(c.by.where, c.by.name,
                      "also followed by " + tailed->second->name + " (line " +
                          std::to_string(tailed->second->where.line) + "): the output would come back as input");
            }
        }
    }
    for (const sink_config& s : config.sinks) {
        if (!used_sinks_.contains(s.name)) {
            warning(sink_at_[s.name], key_path("sink", s.name), "no pipeline writes to this sink");
        }
        if (s.type == sink_kind::tcp) {
            for (const source_config& src : config.sources) {
                if (src.type == source_kind::tcp && src.listen.port == s.address.port &&
                    (src.listen.host == s.address.host || src.listen.host == "0.0.0.0" || src.listen.host == "::")) {
                    warning(sink_at_[s.name], key_path("sink", s.name),
                            "forwards to this daemon's own source " + shown(src.name) +
                                ": a loop if a pipeline reads it and writes here");
                }
            }
        }
    }
}

} // namespace

daemon_config parse_config(std::string_view text, std::string file_name, const run_check& check) {
    return checker(text, std::move(file_name), check).run();
}

daemon_config load_config(const std::filesystem::path& file, const run_check& check) {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
    auto fail = [&](int err) -> config_error {
        return config_error({{file.string(), 0, 0, {}, "cannot read: " + std::generic_category().message(err)}});
    };
    if (!f) {
        throw fail(errno);
    }
    std::string text;
    char buffer[65536];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, f.get())) {
        text.append(buffer, n);
    }
    if (std::ferror(f.get())) {
        throw fail(errno);
    }
    return parse_config(text, file.string(), check);
}

} // namespace coropiped
