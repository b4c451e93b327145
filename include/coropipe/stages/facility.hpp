#pragma once

#include <coropipe/detail/syslog_filter.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/syslog.hpp>

#include <string_view>

namespace coropipe {

namespace detail {

struct facility_fn : syslog_stage_fn<facility_fn> {
    using syslog_stage_fn<facility_fn>::operator();

    /// `facility(syslog_facility::local3)`: a `stage<std::string_view>`.
    stage<std::string_view> operator()(syslog_facility name) const {
        return filter_syslog({syslog_filter::kind::facility, static_cast<std::uint8_t>(name), false, {}});
    }
    /// `facility(name, coropipe::pass_unknown)`: lines without `<PRI>` pass too.
    stage<std::string_view> operator()(syslog_facility name, pass_unknown_t) const {
        return filter_syslog({syslog_filter::kind::facility, static_cast<std::uint8_t>(name), true, {}});
    }
    /// `facility("local3")`, `facility("19")`: read now; an unknown name
    /// throws `coropipe::error`.
    stage<std::string_view> operator()(std::string_view name) const {
        return (*this)(facility_argument("facility", name));
    }
    stage<std::string_view> operator()(std::string_view name, pass_unknown_t) const {
        return (*this)(facility_argument("facility", name), pass_unknown);
    }
};

} // namespace detail

/// Passes the syslog lines of one facility: `facility("auth")` passes the
/// lines whose `<PRI>` / 8 is 4.
///
/// ```
/// lines(log) | facility(syslog_facility::local3) | print(std::cout);
/// ```
///
/// Each line is one raw syslog message (see `parse_syslog`). A line
/// without a valid `<PRI>` has no known facility: it is dropped, unless
/// `coropipe::pass_unknown` is given, when it passes.
///
/// - `facility(name[, pass_unknown])`: a `stage<std::string_view>`; `name`
///   a `syslog_facility`, or its name (`local3`, `security` for `auth`) or
///   number (0-23) as text (read at the call: an unknown one throws
///   `coropipe::error` there).
/// - `facility(source, name[, pass_unknown])`: `source | facility(...)`.
///
/// Lazy: pulls from upstream only when downstream asks, and yields the
/// upstream's line itself (no copy). Parsing allocates nothing and never
/// throws. An exception from upstream or downstream surfaces at the
/// consumer's resume point with its own type. Destroying the result
/// destroys upstream.
inline constexpr detail::facility_fn facility{};

} // namespace coropipe
