#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace coropipe {

/// A syslog severity, the low 3 bits of `<PRI>` (RFC 5424 6.2.1): 0 is the
/// most important. The names are syslog(3)'s and logger(1)'s.
enum class syslog_severity : std::uint8_t { emerg, alert, crit, err, warning, notice, info, debug };

// clang-format off
/// A syslog facility, `<PRI>` / 8 (RFC 5424 6.2.1). 12..15 are named as
/// RFC 5424 describes them (NTP, log audit, log alert, clock daemon).
enum class syslog_facility : std::uint8_t {
    kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, audit, console, clock,
    local0, local1, local2, local3, local4, local5, local6, local7
};
// clang-format on

/// Which syslog header a line carried.
enum class syslog_format : std::uint8_t {
    none,    ///< no valid `<PRI>`: the whole line is the message
    rfc3164, ///< `<PRI>` not followed by `1 `: BSD syslog, parsed leniently
    rfc5424, ///< `<PRI>1 `: the structured header of RFC 5424
};

/// One syslog line taken apart: views into the line `parse_syslog` was
/// given, valid as long as its bytes are. A field that is absent, or the
/// RFC 5424 NILVALUE `-`, is an empty view.
struct syslog_message {
    syslog_format format = syslog_format::none;
    std::int16_t priority = -1; ///< the `<PRI>` value, 0..191; -1 without one
    std::uint16_t version = 0;  ///< 1 for RFC 5424; 0 otherwise
    bool bom = false;           ///< RFC 5424: the MSG began with a UTF-8 BOM (not in `message`)
    std::string_view timestamp; ///< as written: `2024-05-01T12:00:00.5+02:00`, `Nov  3 12:00:00`
    std::string_view hostname;
    std::string_view app_name;        ///< RFC 5424 APP-NAME; RFC 3164 the tag before `[pid]:` or `:`
    std::string_view procid;          ///< RFC 5424 PROCID; RFC 3164 the pid in `tag[pid]:`
    std::string_view msgid;           ///< RFC 5424 only
    std::string_view structured_data; ///< RFC 5424: the `[id k="v"]...` elements, brackets included
    std::string_view message;         ///< the rest: free text, any bytes (NUL, invalid UTF-8) as they came

    /// The severity, or empty without a `<PRI>`.
    std::optional<syslog_severity> severity() const noexcept {
        if (priority < 0) {
            return std::nullopt;
        }
        return static_cast<syslog_severity>(priority & 7);
    }
    /// The facility, or empty without a `<PRI>`.
    std::optional<syslog_facility> facility() const noexcept {
        if (priority < 0) {
            return std::nullopt;
        }
        return static_cast<syslog_facility>(priority >> 3);
    }
};

/// Whether `parse_syslog` needs a `<PRI>` to see a header.
enum class syslog_pri : std::uint8_t {
    required, ///< a line without `<PRI>` is all message (raw network input)
    optional, ///< also the `TIMESTAMP HOST APP[PID]: MSG` of log files (no `<PRI>`)
};

/// Takes a syslog line apart (one message, without its framing: no
/// trailing '\n', no octet count). Never throws, whatever the bytes (it is
/// fed raw network input); linear time; allocates nothing. The accepted
/// forms, as docs/syslog.md details:
///
/// - `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [BOM]MSG`: RFC 5424. Fields
///   are split on single spaces (an empty field, as `logger -t ''` sends,
///   is an empty view); a line cut short leaves the later fields empty.
///   SD-ELEMENTs are scanned with their quoting (`\"`, `\]`).
/// - `<PRI>` then anything else: RFC 3164, leniently, like rsyslog: an
///   optional timestamp (`Nov  3 12:00:00`, `Nov 3 2024 12:00:00`, or ISO
///   8601 `2024-05-01T12:00:00.123+02:00`); after a timestamp, a hostname if
///   the next word looks like one (letters, digits, `.-_:%`, not ending in
///   `:`) and is followed by a space; then a tag if the next word ends in
///   `:` (`sshd:`, `sshd[42]:`, `:`), split into `app_name` and `procid`;
///   the rest is the message.
/// - no valid `<PRI>` (`<`, 1-3 digits, `>`, at most 191): format `none`,
///   every field empty but `message`, which is the whole line.
/// - with `syslog_pri::optional`, a line without `<PRI>` that starts with
///   a timestamp (BSD `Nov 23 10:15:32` or ISO 8601
///   `2026-11-23T10:15:32.123Z`), as syslog daemons write log files
///   (`Jun 14 15:16:01 combo sshd(pam_unix)[19939]: ...`): the RFC 3164
///   rules above from the timestamp on, format `rfc3164`, priority -1 (so
///   no severity or facility). Without a timestamp at its start, the line
///   is format `none` as above: a line of free text whose first word ends
///   in `:` is not taken for a tag.
syslog_message parse_syslog(std::string_view line, syslog_pri pri = syslog_pri::required) noexcept;

namespace detail {

inline constexpr std::string_view severity_names[] = {"emerg",   "alert",  "crit", "err",
                                                      "warning", "notice", "info", "debug"};
inline constexpr std::string_view facility_names[] = {"kern",   "user",   "mail",    "daemon", "auth",     "syslog",
                                                      "lpr",    "news",   "uucp",    "cron",   "authpriv", "ftp",
                                                      "ntp",    "audit",  "console", "clock",  "local0",   "local1",
                                                      "local2", "local3", "local4",  "local5", "local6",   "local7"};

constexpr bool equals_ascii_icase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        if (x != b[i]) { // b is lower case
            return false;
        }
    }
    return true;
}

// The index of `text` among `names`, or of the number `text` (1-2 digits)
// if it is below `names.size()`; -1 if neither.
template <std::size_t N>
constexpr int find_name(std::string_view text, const std::string_view (&names)[N]) noexcept {
    if (!text.empty() && text.size() <= 2 && text[0] >= '0' && text[0] <= '9' && text.back() >= '0' &&
        text.back() <= '9') {
        int n = 0;
        for (char c : text) {
            n = n * 10 + (c - '0');
        }
        return n < static_cast<int>(N) ? n : -1;
    }
    for (std::size_t i = 0; i < N; ++i) {
        if (equals_ascii_icase(text, names[i])) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

} // namespace detail

// The names are inline, not in lib/: the pipeline-text parser checks them
// and its fuzz targets compile only the sources they need.

/// `warning` for `syslog_severity::warning`: the names logger(1) takes.
constexpr std::string_view severity_name(syslog_severity s) noexcept {
    const auto i = static_cast<std::size_t>(s);
    return i < std::size(detail::severity_names) ? detail::severity_names[i] : std::string_view();
}

/// `local3` for `syslog_facility::local3`.
constexpr std::string_view facility_name(syslog_facility f) noexcept {
    const auto i = static_cast<std::size_t>(f);
    return i < std::size(detail::facility_names) ? detail::facility_names[i] : std::string_view();
}

/// A severity from its name (`warning`, ASCII case ignored; also logger's
/// aliases `panic`, `error`, `warn`) or its number (`0`..`7`); empty if it
/// is neither.
constexpr std::optional<syslog_severity> parse_severity(std::string_view text) noexcept {
    int i = detail::find_name(text, detail::severity_names);
    if (i < 0) {
        i = detail::equals_ascii_icase(text, "panic")   ? 0
            : detail::equals_ascii_icase(text, "error") ? 3
            : detail::equals_ascii_icase(text, "warn")  ? 4
                                                        : -1;
    }
    return i < 0 ? std::nullopt : std::optional(static_cast<syslog_severity>(i));
}

/// A facility from its name (`local3`, ASCII case ignored; also logger's
/// alias `security` for `auth`) or its number (`0`..`23`); empty if it is
/// neither.
constexpr std::optional<syslog_facility> parse_facility(std::string_view text) noexcept {
    int i = detail::find_name(text, detail::facility_names);
    if (i < 0 && detail::equals_ascii_icase(text, "security")) {
        i = 4;
    }
    return i < 0 ? std::nullopt : std::optional(static_cast<syslog_facility>(i));
}

} // namespace coropipe
