#pragma once

#include <coropipe/detail/search.hpp> // line_range
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/syslog.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace coropipe {

/// Option for `severity` and `facility`: also pass the lines that have no
/// `<PRI>` (whose severity and facility are unknown). Without it they are
/// dropped.
struct pass_unknown_t {
    explicit constexpr pass_unknown_t() = default;
};
inline constexpr pass_unknown_t pass_unknown{};

namespace detail {

/// The test of one syslog stage (`severity`, `facility`, `host`, `app`), as
/// data. `passes` parses the line with `parse_syslog` (no allocation) and
/// compares one field; compiled in lib/syslog_filter.cpp.
struct syslog_filter {
    enum class kind : std::uint8_t {
        severity, ///< severity <= `value` (at least as important)
        facility, ///< facility == `value`
        host,     ///< hostname == `name`
        app,      ///< app_name == `name`
    };
    kind what = kind::severity;
    std::uint8_t value = 0;
    bool pass_unknown = false; ///< severity, facility: pass lines without `<PRI>`
    std::string name;          ///< host, app: compared byte for byte

    bool passes(std::string_view line) const noexcept;
};

/// The stage every syslog filter is: passes the lines `filter` passes.
/// The filter lives on the heap and the message is parsed in `passes`, not
/// kept in the frame: the frame stays within 128 bytes (as `grep`'s).
inline stage<std::string_view> filter_syslog(std::unique_ptr<const syslog_filter> filter) {
    while (std::string_view* line = co_await input) {
        if (filter->passes(*line)) {
            co_yield *line;
        }
    }
}

/// `filter_syslog`, the filter moved to the heap.
inline stage<std::string_view> filter_syslog(syslog_filter filter) {
    return filter_syslog(std::make_unique<const syslog_filter>(std::move(filter)));
}

/// `LEVEL` as `parse_severity` reads it, or `coropipe::error` naming `stage`.
syslog_severity severity_argument(std::string_view stage, std::string_view level);
/// `NAME` as `parse_facility` reads it, or `coropipe::error` naming `stage`.
syslog_facility facility_argument(std::string_view stage, std::string_view name);

/// The forms shared by the syslog stages: `fn(args...)` is a stage, and
/// `fn(source, args...)` is `source | fn(args...)`.
template <class Derived>
struct syslog_stage_fn {
    template <line_range Source, class... Args>
        requires std::invocable<const Derived&, Args...>
    auto operator()(Source&& source, Args&&... args) const {
        return std::forward<Source>(source) | static_cast<const Derived&>(*this)(std::forward<Args>(args)...);
    }
};

} // namespace detail

} // namespace coropipe
