// The non-template part of coropipe/asio/run.hpp (no Boost needed here).
#include <coropipe/asio/run.hpp>

namespace coropipe::asio::detail {

coropipe::detail::syslog_framing to_syslog_framing(framing f) noexcept {
    switch (f) {
    case framing::octet_counting:
        return coropipe::detail::syslog_framing::octet_counting;
    case framing::automatic:
        return coropipe::detail::syslog_framing::automatic;
    case framing::newline:
        break;
    }
    return coropipe::detail::syslog_framing::newline;
}

} // namespace coropipe::asio::detail
