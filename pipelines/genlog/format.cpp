#include "format.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace coropipe::genlog {

namespace {

constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void put_uint(std::string& out, std::uint64_t v) {
    std::array<char, 20> digits{};
    std::size_t i = digits.size();
    do {
        digits[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    out.append(digits.data() + i, digits.size() - i);
}

/// `v` in exactly `width` digits, with leading `pad` characters.
void put_fixed(std::string& out, std::uint64_t v, std::size_t width, char pad = '0') {
    std::array<char, 20> digits{};
    std::size_t i = digits.size();
    do {
        digits[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0 && digits.size() - i < width);
    while (digits.size() - i < width) {
        digits[--i] = pad;
    }
    out.append(digits.data() + i, digits.size() - i);
}

/// 10:15:32
void put_clock(std::string& out, const civil_time& t) {
    put_fixed(out, t.hour, 2);
    out += ':';
    put_fixed(out, t.minute, 2);
    out += ':';
    put_fixed(out, t.second, 2);
}

/// 2026-11-23T10:15:32.123Z
void put_iso_time(std::string& out, const record& r) {
    const civil_time t = to_civil(r.time);
    put_fixed(out, static_cast<std::uint64_t>(t.year), 4);
    out += '-';
    put_fixed(out, t.month, 2);
    out += '-';
    put_fixed(out, t.day, 2);
    out += 'T';
    put_clock(out, t);
    out += '.';
    put_fixed(out, r.millis, 3);
    out += 'Z';
}

/// The message text: the template with its number, and the quoted tail of
/// oddity::quotes.
void put_message(std::string& out, const record& r) {
    const message_template m = message_text(r.message);
    out += m.before;
    if (m.numbered) {
        put_uint(out, r.n);
    }
    out += m.after;
    if (r.oddity == oddity::quotes) {
        out += quoted_tail;
    }
}

/// The key=value fields after the message, as plain and logfmt write them:
/// ` latency_ms=187 user=u5521`, a request's ` status=200`, and the long
/// trace or the tabs of those oddities.
void put_fields(std::string& out, const record& r) {
    out += " latency_ms=";
    put_uint(out, r.latency_ms);
    out += " user=u";
    put_uint(out, r.user);
    if (r.status != 0) {
        out += " status=";
        put_uint(out, r.status);
    }
    if (r.oddity == oddity::long_trace) {
        out += " trace=";
        out.append(r.trace_bytes, 'x');
    } else if (r.oddity == oddity::tabs) {
        out += "\textra\tfields"; // in logfmt, blanks between two bare keys
    }
}

/// The part of a line after its header, as plain, rfc3164 and rfc5424
/// write it: `ERROR db: query failed latency_ms=187 user=u5521`.
void put_plain_body(std::string& out, const record& r) {
    out += level_name(r.level);
    out += ' ';
    put_message(out, r);
    put_fields(out, r);
}

/// `s` in double quotes with `\"`, `\\`, `\n`, `\r`, `\t` and `\u00XX`
/// escapes: a JSON string, and a quoted logfmt value. Bytes from 0x80 up
/// pass as they are (the templates are UTF-8).
void put_quoted(std::string& out, std::string_view s) {
    static constexpr std::string_view hex = "0123456789abcdef";
    out += '"';
    for (const char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += hex[static_cast<unsigned char>(c) >> 4];
                out += hex[static_cast<unsigned char>(c) & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

/// `s` as a logfmt value: bare when it can be, else quoted.
void put_logfmt_value(std::string& out, std::string_view s) {
    const bool bare = !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '=' || c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
    });
    if (bare) {
        out += s;
    } else {
        put_quoted(out, s);
    }
}

/// The message of `r` in a buffer reused from line to line.
std::string_view message_of(const record& r) {
    thread_local std::string text;
    text.clear();
    put_message(text, r);
    return text;
}

/// What follows the time in plain and rfc3164:
/// ` web-07 api[4411]: ERROR db: query failed latency_ms=187 user=u5521`.
void put_tagged_body(std::string& out, const record& r) {
    out += ' ';
    out += host_name(r.host);
    out += ' ';
    out += app_name(r.app);
    out += '[';
    put_uint(out, r.pid);
    out += "]: ";
    put_plain_body(out, r);
}

void put_plain(std::string& out, const record& r) {
    put_iso_time(out, r);
    put_tagged_body(out, r);
}

/// What comes before each of the time, host, app and pid in a format that
/// writes them in that order, each value as it is.
struct header_marks {
    std::string_view time, host, app, pid;
};

void put_header(std::string& out, const record& r, const header_marks& marks) {
    out += marks.time;
    put_iso_time(out, r);
    out += marks.host;
    out += host_name(r.host);
    out += marks.app;
    out += app_name(r.app);
    out += marks.pid;
    put_uint(out, r.pid);
}

void put_logfmt(std::string& out, const record& r) {
    put_header(out, r, {"time=", " host=", " app=", " pid="});
    out += " level=";
    out += level_name(r.level);
    out += " msg=";
    put_logfmt_value(out, message_of(r));
    put_fields(out, r);
}

void put_json(std::string& out, const record& r) {
    put_header(out, r, {R"({"time":")", R"(","host":")", R"(","app":")", R"(","pid":)"});
    out += R"(,"level":")";
    out += level_name(r.level);
    out += R"(","msg":)";
    put_quoted(out, message_of(r));
    out += R"(,"latency_ms":)";
    put_uint(out, r.latency_ms);
    out += R"(,"user":"u)";
    put_uint(out, r.user);
    out += '"';
    if (r.status != 0) {
        out += R"(,"http":{"status":)";
        put_uint(out, r.status);
        out += R"(,"path":"/v1/items/)";
        put_uint(out, r.n);
        out += "\"}";
    }
    if (r.oddity == oddity::long_trace) {
        out += R"(,"trace":")";
        out.append(r.trace_bytes, 'x');
        out += '"';
    } else if (r.oddity == oddity::tabs) {
        out += ",\t\"note\":\"extra\\tfields\""; // a raw tab between tokens, an escaped one in the string
    }
    out += '}';
}

/// <PRI>: facility local0..local5 by app, severity by level.
void put_priority(std::string& out, const record& r) {
    out += '<';
    put_uint(out, (16 + r.app) * 8 + severity(r.level));
    out += '>';
}

/// <134>Nov 23 10:15:32 web-07 api[4411]: INFO ...
void put_rfc3164(std::string& out, const record& r) {
    const civil_time t = to_civil(r.time);
    put_priority(out, r);
    out += month_names.at(t.month - 1);
    out += ' ';
    put_fixed(out, t.day, 2, ' ');
    out += ' ';
    put_clock(out, t);
    put_tagged_body(out, r);
}

/// <134>1 2026-11-23T10:15:32.123Z web-07 api 4411 - - INFO ...
void put_rfc5424(std::string& out, const record& r) {
    put_priority(out, r);
    put_header(out, r, {"1 ", " ", " ", " "});
    out += " - - "; // no MSGID, no structured data
    put_plain_body(out, r);
}

} // namespace

std::optional<format> format_named(std::string_view name) {
    if (name == "plain") {
        return format::plain;
    }
    if (name == "logfmt") {
        return format::logfmt;
    }
    if (name == "json") {
        return format::json;
    }
    if (name == "rfc3164") {
        return format::rfc3164;
    }
    if (name == "rfc5424") {
        return format::rfc5424;
    }
    return std::nullopt;
}

void append_line(std::string& out, const record& r, format f) {
    switch (f) {
    case format::plain: put_plain(out, r); break;
    case format::logfmt: put_logfmt(out, r); break;
    case format::json: put_json(out, r); break;
    case format::rfc3164: put_rfc3164(out, r); break;
    case format::rfc5424: put_rfc5424(out, r); break;
    }
    out += '\n';
}

} // namespace coropipe::genlog
