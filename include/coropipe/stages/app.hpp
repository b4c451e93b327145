#pragma once

#include <coropipe/detail/syslog_filter.hpp>
#include <coropipe/stage.hpp>

#include <string>
#include <string_view>

namespace coropipe {

namespace detail {

struct app_fn : syslog_stage_fn<app_fn> {
    using syslog_stage_fn<app_fn>::operator();

    /// `app(name)`: a `stage<std::string_view>`; `name` is copied.
    stage<std::string_view> operator()(std::string_view name) const {
        return filter_syslog({syslog_filter::kind::app, 0, false, std::string(name)});
    }
};

} // namespace detail

/// Passes the syslog lines sent by one program: their `app_name` (RFC 5424
/// APP-NAME; in RFC 3164, the tag before `[pid]:` or `:`) equals `name`,
/// byte for byte (case matters).
///
/// ```
/// lines(log) | app("sshd") | print(std::cout);
/// ```
///
/// Each line is one raw syslog message, or a line of a log file as syslog
/// daemons store it, without `<PRI>` (`Nov  3 12:00:00 web1 sshd[1]: msg`;
/// see `parse_syslog` with `syslog_pri::optional`). A line without that
/// field (RFC 5424 `-`, or none found) has an empty one: it passes only
/// `app("")`.
///
/// - `app(name)`: a `stage<std::string_view>`.
/// - `app(source, name)`: `source | app(name)`.
///
/// Lazy: pulls from upstream only when downstream asks, and yields the
/// upstream's line itself (no copy). Parsing allocates nothing and never
/// throws. An exception from upstream or downstream surfaces at the
/// consumer's resume point with its own type. Destroying the result
/// destroys upstream.
inline constexpr detail::app_fn app{};

} // namespace coropipe
