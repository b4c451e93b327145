#include "config/values.hpp"

#include "config/text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <span>
#include <system_error>
#include <utility>

namespace coropiped {

namespace loader {

std::optional<std::uint64_t> parse_decimal(std::string_view digits) {
    std::uint64_t value = 0;
    if (digits.empty() || digits.front() < '0' || digits.front() > '9') {
        return std::nullopt;
    }
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return value;
}

namespace {

// The one place the value parsers throw from.
[[noreturn]] void fail(const std::string& message) { throw coropipe::error(message); }

// Splits "64KiB" into "64" and "KiB".
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
    }
    return {text.substr(0, i), trim(text.substr(i))};
}

bool is_hostname(std::string_view host) {
    if (host.empty() || host.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = std::min(host.find('.', start), host.size());
        const std::string_view label = host.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
            !std::all_of(label.begin(), label.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            })) {
            // a trailing dot (a fully qualified name) is fine
            return label.empty() && dot == host.size() && start == host.size() && start != 0;
        }
        if (dot == host.size()) {
            return true;
        }
        start = dot + 1;
    }
}

struct unit_info {
    std::string_view name;
    std::uint64_t factor;
};
constexpr unit_info size_units[] = {
    {"", 1},
    {"B", 1},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000000000},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
};
constexpr unit_info duration_units[] = {{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}};

// A whole number and a unit of one kind.
struct unit_kind {
    std::string_view what; // "size"
    std::span<const unit_info> units;
    bool any_case;
    std::string_view units_shown; // in messages
    std::uint64_t max;
    std::string_view too_much;
};
constexpr unit_kind sizes = {"size",
                             size_units,
                             true,
                             "(B, KB, MB, GB, KiB, MiB, GiB), e.g. \"64KiB\"",
                             std::numeric_limits<std::size_t>::max(),
                             "too large"};
constexpr unit_kind durations = {"duration",
                                 duration_units,
                                 false,
                                 "(ms, s, m, h), e.g. \"5s\" or \"250ms\"",
                                 static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
                                 "too long"};

// "64KiB": 64 times the factor of "KiB", at most `kind.max`.
std::uint64_t with_unit(std::string_view text, const unit_kind& kind) {
    const std::pair<std::string_view, std::string_view> parts = split_number(trim(text));
    const std::string_view digits = parts.first; // (no structured binding: clang 14 cannot capture one)
    const std::string_view unit = parts.second;
    const std::string expected = "expected a whole number and a unit " + std::string(kind.units_shown);
    const std::string not_one = shown(text) + " is not a " + std::string(kind.what) + ": ";
    if (digits.empty()) {
        fail(not_one + expected);
    }
    const auto it = std::find_if(kind.units.begin(), kind.units.end(), [&](const unit_info& u) {
        return kind.any_case ? iequals(u.name, unit) : u.name == unit;
    });
    if (it == kind.units.end()) {
        fail(not_one + (unit.empty() ? std::string("no unit") : "unknown unit " + shown(unit)) + "; " + expected);
    }
    const std::optional<std::uint64_t> n = parse_decimal(digits);
    if (!n || *n > kind.max / it->factor) {
        fail(shown(text) + " is " + std::string(kind.too_much));
    }
    return *n * it->factor;
}

} // namespace

unsigned parse_mode(std::string_view text) {
    const std::string expected = "expected octal digits, e.g. \"0640\"";
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        fail(shown(text) + " is not a mode: " + expected);
    }
    unsigned mode = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (ec != std::errc() || end != text.data() + text.size() || mode > 0777) {
        fail(shown(text) + " is more than 0777 (setuid, setgid and sticky bits are not allowed)");
    }
    return mode;
}

std::string parse_account(std::string_view text) {
    if (text.empty()) {
        fail("must not be empty");
    }
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const std::optional<std::uint64_t> id = parse_decimal(text);
        if (!id || *id >= std::numeric_limits<std::uint32_t>::max()) {
            fail(shown(text) + " is not a user or group number (0 to 4294967294)");
        }
        return std::string(text);
    }
    if (text.front() == '-' || std::any_of(text.begin(), text.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u <= 0x20 || u == 0x7f || c == ':' || c == '/';
        })) {
        fail(shown(text) + " is not a user or group name (no blank, ':', '/' or control character, no '-' first)");
    }
    return std::string(text);
}

std::string format_size(std::uint64_t bytes) {
    for (std::string_view unit : {"GiB", "MiB", "KiB"}) {
        const auto u = std::find_if(std::begin(size_units), std::end(size_units),
                                    [&](const unit_info& i) { return i.name == unit; });
        if (bytes != 0 && bytes % u->factor == 0) {
            return std::to_string(bytes / u->factor) + std::string(unit);
        }
    }
    return std::to_string(bytes) + "B";
}

std::string format_duration(std::chrono::milliseconds d) {
    if (d.count() == 0) {
        return "0s";
    }
    for (auto u = std::rbegin(duration_units); u != std::rend(duration_units); ++u) {
        if (d.count() % static_cast<std::int64_t>(u->factor) == 0) {
            return std::to_string(d.count() / static_cast<std::int64_t>(u->factor)) + std::string(u->name);
        }
    }
    return std::to_string(d.count()) + "ms"; // not reached: ms divides all
}

std::string format_mode(unsigned mode) {
    char out[8] = {};
    out[0] = '0';
    const auto [end, ec] = std::to_chars(out + 1, out + sizeof out - 1, mode, 8);
    (void)ec;
    return std::string(out, end);
}

} // namespace loader

using loader::shown;

std::size_t parse_size(std::string_view text) {
    return static_cast<std::size_t>(loader::with_unit(text, loader::sizes));
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(loader::with_unit(text, loader::durations)));
}

endpoint parse_endpoint(std::string_view text, bool allow_port_zero) {
    const std::string expected = "expected HOST:PORT or [IPv6]:PORT, e.g. \"127.0.0.1:5140\"";
    auto fail = [&](const std::string& why) { loader::fail(shown(text) + " is not an address: " + why); };
    endpoint out;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            fail("no ']' after the IPv6 address; " + expected);
        }
        const std::string_view host = text.substr(1, close - 1);
        const std::string_view address = host.substr(0, host.find('%')); // fe80::1%eth0: a zone
        const std::string zone(host.substr(address.size()));
        in6_addr ignored{};
        if (::inet_pton(AF_INET6, std::string(address).c_str(), &ignored) != 1 || zone == "%" ||
            !loader::is_bare_key(zone.empty() ? "x" : zone.substr(1))) {
            fail(shown(host) + " is not an IPv6 address");
        }
        if (close + 1 >= text.size() || text[close + 1] != ':') {
            fail("no ':PORT' after ']'; " + expected);
        }
        out.host = host;
        port = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            fail("no ':PORT'; " + expected);
        }
        const std::string_view host = text.substr(0, colon);
        if (host.empty()) {
            fail("no host (0.0.0.0 or [::] listen on every interface); " + expected);
        }
        if (host.find(':') != std::string_view::npos) {
            fail("an IPv6 address needs brackets: [" + loader::printable(host) + "]:PORT");
        }
        const bool dotted_digits =
            std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
        in_addr ignored{};
        if (dotted_digits ? ::inet_pton(AF_INET, std::string(host).c_str(), &ignored) != 1
                          : !loader::is_hostname(host)) {
            fail(shown(host) + " is not " + (dotted_digits ? "an IPv4 address" : "a host name"));
        }
        out.host = host;
        port = text.substr(colon + 1);
    }
    const std::optional<std::uint64_t> n = loader::parse_decimal(port);
    if (!n || *n > 65535 || (*n == 0 && !allow_port_zero)) {
        fail(shown(port) + " is not a port (" + (allow_port_zero ? "0" : "1") + " to 65535)");
    }
    out.port = static_cast<std::uint16_t>(*n);
    return out;
}

} // namespace coropiped
