#include <coropipe/detail/syslog_filter.hpp>

#include <coropipe/error.hpp>

#include <string>

namespace coropipe::detail {

bool syslog_filter::passes(std::string_view line) const noexcept {
    // host and app also read a log file's line, which has no <PRI>
    // (`TIMESTAMP HOST APP[PID]: MSG`), as @host and @app do.
    const bool header_only = what == kind::host || what == kind::app;
    const syslog_message m = parse_syslog(line, header_only ? syslog_pri::optional : syslog_pri::required);
    switch (what) {
    case kind::severity:
        if (m.priority < 0) {
            return pass_unknown;
        }
        return static_cast<std::uint8_t>(*m.severity()) <= value;
    case kind::facility:
        if (m.priority < 0) {
            return pass_unknown;
        }
        return static_cast<std::uint8_t>(*m.facility()) == value;
    case kind::host:
        return m.hostname == name;
    case kind::app:
        return m.app_name == name;
    }
    return false;
}

syslog_severity severity_argument(std::string_view stage, std::string_view level) {
    if (std::optional<syslog_severity> s = parse_severity(level)) {
        return *s;
    }
    throw_error(std::string(stage) + ": unknown severity '" + std::string(level) +
                "' (emerg alert crit err warning notice info debug, or 0-7)");
}

syslog_facility facility_argument(std::string_view stage, std::string_view name) {
    if (std::optional<syslog_facility> f = parse_facility(name)) {
        return *f;
    }
    throw_error(std::string(stage) + ": unknown facility '" + std::string(name) +
                "' (kern user mail daemon auth syslog lpr news uucp cron authpriv ftp ntp audit console clock "
                "local0-local7, or 0-23)");
}

} // namespace coropipe::detail
