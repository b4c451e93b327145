#include "record.hpp"

namespace coropipe::genlog {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15U);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9U;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebU;
    return z ^ (z >> 31);
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr std::array<std::string_view, host_count> hosts = {
    "web-00", "web-01", "web-02", "web-03", "web-04", "web-05", "web-06", "web-07", "web-08", "web-09",
    "web-10", "web-11", "web-12", "web-13", "web-14", "web-15", "web-16", "web-17", "web-18", "web-19",
    "web-20", "web-21", "web-22", "web-23", "db-00",  "db-01",  "db-02",  "db-03",  "db-04",  "db-05"};

constexpr std::array<std::string_view, app_count> apps = {"api", "auth", "cron", "nginx", "worker", "billing"};

constexpr std::array<message_template, message_count> messages = {{
    {"request served path=/v1/items/", "", true},
    {"db: query failed", "", false},
    {"cache miss key=session:", "", true},
    {"user login ok", "", false},
    {"payment declined code=", "", true},
    {"retrying upstream attempt=", "", true},
    {"GC pause", "", false},
    {"disk usage ", "%", true},
    {"connection reset by peer", "", false},
    {"caf\xc3\xa9 \xc3\xb3rdenes procesadas=", "", true}, // café órdenes, in UTF-8
}};

/// The level of a number in [0, 100): INFO 70%, DEBUG 15%, WARN 10%,
/// ERROR 4%, FATAL 1%.
level level_of(std::uint32_t percent) {
    if (percent < 70) {
        return level::info;
    }
    if (percent < 85) {
        return level::debug;
    }
    if (percent < 95) {
        return level::warn;
    }
    return percent < 99 ? level::error : level::fatal;
}

/// A request's status, from a number in [0, 100), in line with its level:
/// success for INFO and DEBUG, client errors for WARN, server errors above.
std::uint32_t status_of(level l, std::uint32_t percent) {
    switch (l) {
    case level::info:
    case level::debug: return percent < 85 ? 200 : percent < 92 ? 201 : 304;
    case level::warn: return percent < 60 ? 404 : percent < 80 ? 429 : 400;
    case level::error: return percent < 70 ? 500 : percent < 85 ? 502 : 503;
    case level::fatal: break;
    }
    return 503;
}

/// 2^(y / 2^16) in 16.16 fixed point for y in [0, 2^16): the Taylor series of
/// e^(f ln 2) to the fifth power, relative error below 2e-5. Integers only,
/// so the value is the same on every machine (no libm, no FMA contraction).
std::uint64_t exp2_fraction_q16(std::uint64_t f) {
    constexpr std::uint64_t c1 = 45426; // ln 2        × 2^16
    constexpr std::uint64_t c2 = 15743; // (ln 2)^2/2  × 2^16
    constexpr std::uint64_t c3 = 3638;  // (ln 2)^3/6  × 2^16
    constexpr std::uint64_t c4 = 630;   // (ln 2)^4/24 × 2^16
    constexpr std::uint64_t c5 = 87;    // (ln 2)^5/120 × 2^16
    std::uint64_t p = c5;
    p = c4 + ((p * f) >> 16);
    p = c3 + ((p * f) >> 16);
    p = c2 + ((p * f) >> 16);
    p = c1 + ((p * f) >> 16);
    return 65536 + ((p * f) >> 16);
}

} // namespace

random::random(std::uint64_t seed) {
    for (std::uint64_t& word : s_) {
        word = splitmix64(seed);
    }
}

std::uint64_t random::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::string_view host_name(std::uint32_t host) { return hosts.at(host); }
std::string_view app_name(std::uint32_t app) { return apps.at(app); }
message_template message_text(std::uint32_t message) { return messages.at(message); }

std::string_view level_name(level l) {
    switch (l) {
    case level::info: return "INFO";
    case level::debug: return "DEBUG";
    case level::warn: return "WARN";
    case level::error: return "ERROR";
    case level::fatal: break;
    }
    return "FATAL";
}

std::uint32_t severity(level l) {
    switch (l) {
    case level::info: return 6;
    case level::debug: return 7;
    case level::warn: return 4;
    case level::error: return 3;
    case level::fatal: break;
    }
    return 2;
}

civil_time to_civil(std::int64_t unix_seconds) {
    const std::int64_t days = (unix_seconds >= 0 ? unix_seconds : unix_seconds - 86399) / 86400;
    const auto of_day = static_cast<std::uint32_t>(unix_seconds - days * 86400);
    // days_from_civil's inverse, from http://howardhinnant.github.io/date_algorithms.html
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<std::uint32_t>(z - era * 146097);           // [0, 146096]
    const std::uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; // [0, 399]
    const std::uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);       // [0, 365]
    const std::uint32_t mp = (5 * doy + 2) / 153;                            // [0, 11]
    const std::uint32_t day = doy - (153 * mp + 2) / 5 + 1;                  // [1, 31]
    const std::uint32_t month = mp < 10 ? mp + 3 : mp - 9;                   // [1, 12]
    const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
    return {year, month, day, of_day / 3600, of_day / 60 % 60, of_day % 60};
}

/// Log-normal milliseconds, e^(3.5 + z) with z about N(0, 1) (median 33 ms,
/// mean 55 ms, at most about 13 s), in integers only: z is the Irwin-Hall sum
/// of 12 uniform 16-bit numbers, e^x is computed as 2^(x log2 e).
std::uint32_t generator::latency() {
    std::int64_t sum = 0;
    for (int word = 0; word < 3; ++word) {
        const std::uint64_t bits = random_.next();
        for (int part = 0; part < 4; ++part) {
            sum += static_cast<std::int64_t>((bits >> (16 * part)) & 0xffff);
        }
    }
    const std::int64_t z = sum - 6 * 65536;               // N(0, 1) × 2^16, in [-6, 6]
    const std::int64_t y = 330918 + ((z * 94548) >> 16);  // (3.5 + z) log2 e × 2^16
    const std::int64_t whole = y >> 16;                   // floor, in [-4, 13]
    const std::uint64_t mantissa = exp2_fraction_q16(static_cast<std::uint64_t>(y & 0xffff));
    const std::int64_t shift = 16 - whole;
    return shift >= 64 ? 0 : static_cast<std::uint32_t>(mantissa >> shift);
}

record generator::next() {
    record r;
    time_ += random_.below(10) < 3 ? 1 : 0;
    r.time = time_;
    r.millis = random_.below(1000);
    r.level = level_of(random_.below(100));
    r.message = random_.below(message_count);
    r.n = random_.below(100000);
    r.latency_ms = latency();
    r.host = random_.below(host_count);
    r.app = random_.below(app_count);
    r.pid = 1 + random_.below(65535);
    r.user = random_.below(10000);
    if (r.message == request_message) {
        r.status = status_of(r.level, random_.below(100));
    }
    const std::uint32_t odd = random_.below(100000);
    if (odd < 100) {
        r.oddity = oddity::long_trace;
        r.trace_bytes = 1000 + random_.below(19001);
    } else if (odd < 500) {
        r.oddity = oddity::tabs;
    } else if (odd < 700) {
        r.oddity = oddity::quotes;
    }
    return r;
}

} // namespace coropipe::genlog
