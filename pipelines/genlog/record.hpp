#pragma once
// coropipe-genlog's log records: a seeded generator of the content of one
// line, before it is written in one of the formats (format.hpp).

#include <array>
#include <cstdint>
#include <string_view>

namespace coropipe::genlog {

/// xoshiro256** (Blackman and Vigna), seeded through splitmix64: the same
/// numbers for a seed on every machine, unlike the standard library's
/// distributions, whose algorithms are the implementation's.
class random {
public:
    explicit random(std::uint64_t seed);

    std::uint64_t next();

    /// A number in [0, n), n < 2^32, by Lemire's multiply-shift (a bias
    /// below n / 2^32, which does not matter here).
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }

private:
    std::array<std::uint64_t, 4> s_{};
};

/// The rare oddities of real logs, each on a small share of the lines.
enum class oddity : std::uint8_t {
    none,
    long_trace, ///< 0.1%: a ` trace=xxx...` field of 1,000 to 20,000 bytes
    tabs,       ///< 0.4%: tabs after the fields
    quotes,     ///< 0.2%: a message with double quotes and a backslash
};

enum class level : std::uint8_t { info, debug, warn, error, fatal };

/// One log line's content. Every format writes all of it.
struct record {
    std::int64_t time = 0;      ///< Unix time, seconds
    std::uint32_t millis = 0;   ///< 0..999
    std::uint32_t host = 0;     ///< index into host_name
    std::uint32_t app = 0;      ///< index into app_name
    std::uint32_t pid = 0;      ///< 1..65535
    genlog::level level = genlog::level::info;
    std::uint32_t message = 0;  ///< index into the message templates
    std::uint32_t n = 0;        ///< the template's number, 0..99999
    std::uint32_t latency_ms = 0;
    std::uint32_t user = 0;     ///< 0..9999, written u<user>
    std::uint32_t status = 0;   ///< HTTP status of a request line, else 0
    genlog::oddity oddity = genlog::oddity::none;
    std::uint32_t trace_bytes = 0; ///< the x's of a long_trace
};

inline constexpr std::uint32_t host_count = 30;
inline constexpr std::uint32_t app_count = 6;
inline constexpr std::uint32_t message_count = 10;

/// `web-00`..`web-23`, `db-00`..`db-05`.
std::string_view host_name(std::uint32_t host);
/// `api`, `auth`, `cron`, `nginx`, `worker`, `billing`.
std::string_view app_name(std::uint32_t app);
/// `INFO`, `DEBUG`, `WARN`, `ERROR`, `FATAL`.
std::string_view level_name(level l);
/// The syslog severity of a level: FATAL crit (2), ERROR err (3), WARN
/// warning (4), INFO info (6), DEBUG debug (7).
std::uint32_t severity(level l);

/// The message template `message` split at its number: `before` + n +
/// `after`, or `before` alone when `numbered` is false.
struct message_template {
    std::string_view before;
    std::string_view after;
    bool numbered;
};
message_template message_text(std::uint32_t message);

/// The template that is an HTTP request (`request served path=/v1/items/N`):
/// only its records have a status, and the path `/v1/items/N`.
inline constexpr std::uint32_t request_message = 0;
/// What a record with oddity::quotes adds to its message.
inline constexpr std::string_view quoted_tail = R"( (peer said "bye" via C:\net))";

/// Civil date and time of a Unix time (UTC), without the C library's
/// time zone code: Howard Hinnant's days-to-civil algorithm.
struct civil_time {
    std::int64_t year;
    std::uint32_t month; ///< 1..12
    std::uint32_t day;   ///< 1..31
    std::uint32_t hour, minute, second;
};
civil_time to_civil(std::int64_t unix_seconds);

/// The records of one seed, in order. Each record takes its random numbers
/// in one fixed order, so every format of a seed writes the same records.
class generator {
public:
    explicit generator(std::uint64_t seed) : random_(seed) {}

    record next();

private:
    std::uint32_t latency();

    genlog::random random_;
    std::int64_t time_ = 1795428000; // 2026-11-23T10:00:00Z
};

} // namespace coropipe::genlog
