#pragma once
// Help lines shared by the syslog stages of the pipeline text.

#include "registry.hpp"

#include <string_view>

namespace coropipe::text {

inline constexpr option_info unknown_options[] = {
    {"-u", "also pass the lines that have no <PRI> (severity and facility unknown)"},
};

inline constexpr std::string_view severity_notes[] = {
    "LEVEL is emerg alert crit err warning notice info debug, or 0-7; warning passes emerg..warning",
};

inline constexpr std::string_view facility_notes[] = {
    "NAME is kern user mail daemon auth syslog lpr news uucp cron authpriv ftp ntp audit console clock "
    "local0..local7, or 0-23",
};

} // namespace coropipe::text
