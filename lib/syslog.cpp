#include <coropipe/syslog.hpp>

#include <array>
#include <cstddef>
#include <string_view>

// No coroutine in this file: the fuzz target (tests/fuzz.cmake) compiles it
// alone with clang's fuzzer coverage, which rejects the library's coroutines.

namespace coropipe {

namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Reads bytes off the front of the line; never reads past its end.
class cursor {
public:
    explicit cursor(std::string_view s) noexcept : s_(s) {}

    bool at_end() const noexcept { return i_ >= s_.size(); }
    char peek(std::size_t ahead = 0) const noexcept { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
    std::size_t position() const noexcept { return i_; }
    void advance(std::size_t n) noexcept { i_ = i_ + n < s_.size() ? i_ + n : s_.size(); }
    void go_to(std::size_t at) noexcept { i_ = at < s_.size() ? at : s_.size(); }
    std::string_view rest() const noexcept { return s_.substr(i_); }
    std::string_view from(std::size_t at) const noexcept { return s_.substr(at, i_ - at); }

    // The bytes up to the next space (or the end); past the space.
    std::string_view word() noexcept {
        const std::size_t begin = i_;
        const std::size_t space = s_.find(' ', i_);
        i_ = space == std::string_view::npos ? s_.size() : space;
        std::string_view w = s_.substr(begin, i_ - begin);
        if (i_ < s_.size()) {
            ++i_;
        }
        return w;
    }

    // `n` digits here (no more bytes are read)?
    bool digits(std::size_t n) const noexcept {
        for (std::size_t k = 0; k < n; ++k) {
            if (!is_digit(peek(k))) {
                return false;
            }
        }
        return true;
    }
    // Skips `n` digits, if they are there.
    bool take_digits(std::size_t n) noexcept {
        if (!digits(n)) {
            return false;
        }
        advance(n);
        return true;
    }
    bool take(char c) noexcept {
        if (peek() != c || at_end()) {
            return false;
        }
        advance(1);
        return true;
    }
    void skip_digits() noexcept {
        while (!at_end() && is_digit(peek())) {
            advance(1);
        }
    }

private:
    std::string_view s_;
    std::size_t i_ = 0;
};

// `<PRI>`: '<', 1 to 3 digits, '>', value <= 191 (leading zeros accepted,
// as rsyslog does). Returns the value and moves past it, or -1.
int take_priority(cursor& c) noexcept {
    if (!c.take('<')) {
        return -1;
    }
    int value = 0;
    std::size_t n = 0;
    while (n < 3 && is_digit(c.peek(n)) && !c.at_end()) {
        value = value * 10 + (c.peek(n) - '0');
        ++n;
    }
    if (n == 0 || c.peek(n) != '>' || value > 191) {
        return -1;
    }
    c.advance(n + 1);
    return value;
}

// RFC 5424 NILVALUE '-' is "absent".
std::string_view nil_to_empty(std::string_view field) noexcept { return field == "-" ? std::string_view() : field; }

void parse_5424(cursor& c, syslog_message& m) {
    m.format = syslog_format::rfc5424;
    m.version = 1;
    m.message = {};
    std::string_view* const header[] = {&m.timestamp, &m.hostname, &m.app_name, &m.procid, &m.msgid};
    for (std::string_view* field : header) {
        if (c.at_end()) {
            return; // cut short: the later fields stay empty
        }
        *field = nil_to_empty(c.word());
    }
    if (c.at_end()) {
        return;
    }
    const std::size_t sd_begin = c.position();
    if (c.peek() == '-' && (c.peek(1) == ' ' || c.rest().size() == 1)) {
        c.advance(1); // NILVALUE
    } else if (c.peek() == '[') {
        // SD-ELEMENTs: '[' ... ']', repeated; inside a quoted PARAM-VALUE,
        // backslash escapes the next byte and ']' does not close.
        while (!c.at_end() && c.peek() == '[') {
            c.advance(1);
            bool quoted = false;
            for (;;) {
                if (c.at_end()) {
                    m.structured_data = c.from(sd_begin); // unterminated: all of it, no MSG
                    return;
                }
                const char b = c.peek();
                c.advance(1);
                if (quoted) {
                    if (b == '\\') {
                        c.advance(1);
                    } else if (b == '"') {
                        quoted = false;
                    }
                } else if (b == '"') {
                    quoted = true;
                } else if (b == ']') {
                    break;
                }
            }
        }
        m.structured_data = c.from(sd_begin);
    }
    // else no SD at all (not RFC 5424; lenient): the rest is the message.
    c.take(' ');
    std::string_view msg = c.rest();
    if (msg.starts_with("\xEF\xBB\xBF")) {
        msg.remove_prefix(3);
        m.bom = true;
    }
    m.message = msg;
}

constexpr std::array<std::string_view, 12> months{"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};

// `hh:mm:ss` and an optional `.fraction`.
bool take_time(cursor& c) noexcept {
    if (!(c.take_digits(2) && c.take(':') && c.take_digits(2) && c.take(':') && c.take_digits(2))) {
        return false;
    }
    if (c.peek() == '.' && is_digit(c.peek(1))) {
        c.advance(1);
        c.skip_digits();
    }
    return true;
}

// A timestamp ends at a space or the end of the line.
bool ends_word(const cursor& c) noexcept { return c.at_end() || c.peek() == ' '; }

// `Mmm dd hh:mm:ss`, with the day as ` 3`, `03` or `3`, and an optional
// year before the time (`Nov  3 2024 12:00:00`, as some routers send).
bool take_bsd_timestamp(cursor& c) noexcept {
    const std::string_view r = c.rest();
    if (r.size() < 4 || !is_alpha(r[0]) || r[3] != ' ') {
        return false;
    }
    bool month = false;
    for (std::string_view m : months) {
        month = month || detail::equals_ascii_icase(r.substr(0, 3), m);
    }
    if (!month) {
        return false;
    }
    c.advance(4);
    c.take(' '); // day padded with a space
    if (!c.take_digits(1)) {
        return false;
    }
    c.take_digits(1);
    if (!c.take(' ')) {
        return false;
    }
    if (c.digits(4) && c.peek(4) == ' ') {
        c.advance(5);
    }
    return take_time(c) && ends_word(c);
}

// ISO 8601 as RFC 5424 and rsyslog's high-precision format write it:
// `YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|-hh:mm]`.
bool take_iso_timestamp(cursor& c) noexcept {
    if (!(c.take_digits(4) && c.take('-') && c.take_digits(2) && c.take('-') && c.take_digits(2) && c.take('T') &&
          take_time(c))) {
        return false;
    }
    if (!c.take('Z') && (c.peek() == '+' || c.peek() == '-')) {
        c.advance(1);
        if (!(c.take_digits(2) && c.take(':') && c.take_digits(2))) {
            return false;
        }
    }
    return ends_word(c);
}

bool is_hostname_byte(char b) noexcept {
    return is_alpha(b) || is_digit(b) || b == '.' || b == '-' || b == '_' || b == ':' || b == '%';
}

// A word that can only be a hostname: not a tag (`app:`), not free text.
bool looks_like_hostname(std::string_view w) noexcept {
    if (w.empty() || w.size() > 255 || w.back() == ':') {
        return false;
    }
    for (char b : w) {
        if (!is_hostname_byte(b)) {
            return false;
        }
    }
    return true;
}

// The RFC 3164 header after `<PRI>` (or at the start of a file line
// without one): an optional timestamp, a hostname, a tag. With
// `needs_timestamp`, a line that does not start with a timestamp is left
// as it is (format none) and false is returned.
bool parse_3164(cursor& c, syslog_message& m, bool needs_timestamp) {
    const std::size_t begin = c.position();
    bool has_timestamp = take_bsd_timestamp(c);
    if (!has_timestamp) {
        c.go_to(begin);
        has_timestamp = take_iso_timestamp(c);
    }
    if (!has_timestamp && needs_timestamp) {
        return false;
    }
    m.format = syslog_format::rfc3164;
    if (has_timestamp) {
        m.timestamp = c.from(begin);
        c.take(' ');
        // A hostname only after a timestamp (as RFC 3164 orders them), and
        // only if a space follows: a lone last word is the message.
        const std::size_t at = c.position();
        const std::string_view w = c.word();
        if (looks_like_hostname(w) && c.position() > at + w.size()) {
            m.hostname = w;
        } else {
            c.go_to(at);
        }
    } else {
        c.go_to(begin);
    }
    // The tag: a word ending in ':' (`app:`, `app[pid]:`, or `:` alone).
    const std::size_t at = c.position();
    std::string_view tag = c.word();
    if (!tag.empty() && tag.back() == ':') {
        tag.remove_suffix(1);
        const std::size_t open = tag.find('[');
        if (open != std::string_view::npos && tag.back() == ']') {
            m.procid = tag.substr(open + 1, tag.size() - open - 2);
            tag = tag.substr(0, open);
        }
        m.app_name = tag;
    } else {
        c.go_to(at);
    }
    m.message = c.rest();
    return true;
}

} // namespace

syslog_message parse_syslog(std::string_view line, syslog_pri pri) noexcept {
    syslog_message m;
    m.message = line;
    cursor c(line);
    const int priority = take_priority(c);
    if (priority < 0) {
        if (pri == syslog_pri::optional) {
            cursor from_start(line);
            parse_3164(from_start, m, true);
        }
        return m;
    }
    m.priority = static_cast<std::int16_t>(priority);
    if (c.peek() == '1' && c.peek(1) == ' ') {
        c.advance(2);
        parse_5424(c, m);
    } else {
        parse_3164(c, m, false);
    }
    return m;
}

} // namespace coropipe
