#pragma once

#include <coropipe/detail/syslog_filter.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/syslog.hpp>

#include <string_view>

namespace coropipe {

namespace detail {

struct severity_fn : syslog_stage_fn<severity_fn> {
    using syslog_stage_fn<severity_fn>::operator();

    /// `severity(syslog_severity::warning)`: a `stage<std::string_view>`.
    stage<std::string_view> operator()(syslog_severity level) const {
        return filter_syslog({syslog_filter::kind::severity, static_cast<std::uint8_t>(level), false, {}});
    }
    /// `severity(level, coropipe::pass_unknown)`: lines without `<PRI>` pass too.
    stage<std::string_view> operator()(syslog_severity level, pass_unknown_t) const {
        return filter_syslog({syslog_filter::kind::severity, static_cast<std::uint8_t>(level), true, {}});
    }
    /// `severity("warning")`, `severity("4")`: the name or number is read
    /// now; an unknown one throws `coropipe::error`.
    stage<std::string_view> operator()(std::string_view level) const {
        return (*this)(severity_argument("severity", level));
    }
    stage<std::string_view> operator()(std::string_view level, pass_unknown_t) const {
        return (*this)(severity_argument("severity", level), pass_unknown);
    }
};

} // namespace detail

/// Passes the syslog lines whose severity is at least as important as
/// `level` (numerically <= it): `severity("warning")` passes emerg, alert,
/// crit, err and warning, like syslog.conf's `*.warning`.
///
/// ```
/// lines(log) | severity(syslog_severity::err) | print(std::cout);
/// lines(log) | severity("warning", coropipe::pass_unknown) | print(std::cout);
/// ```
///
/// Each line is one raw syslog message (RFC 3164 or RFC 5424, see
/// `parse_syslog`). A line without a valid `<PRI>` has no known severity:
/// it is dropped, unless `coropipe::pass_unknown` is given, when it passes.
///
/// - `severity(level[, pass_unknown])`: a `stage<std::string_view>`;
///   `level` a `syslog_severity`, or its name or number as text (read at
///   the call: an unknown one throws `coropipe::error` there).
/// - `severity(source, level[, pass_unknown])`: `source | severity(...)`.
///
/// Lazy: pulls from upstream only when downstream asks, and yields the
/// upstream's line itself (no copy). Parsing allocates nothing and never
/// throws. An exception from upstream or downstream surfaces at the
/// consumer's resume point with its own type. Destroying the result
/// destroys upstream.
inline constexpr detail::severity_fn severity{};

} // namespace coropipe
