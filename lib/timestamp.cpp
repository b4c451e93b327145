#include <coropipe/timestamp.hpp>

#include "rfc3339_reader.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace coropipe {

namespace {

// `n` decimal digits at `at`, or -1.
int digits(std::string_view text, std::size_t at, std::size_t n) noexcept {
    if (at + n > text.size()) {
        return -1;
    }
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

bool is(std::string_view text, std::size_t at, char c) noexcept {
    return at < text.size() && text[at] == c;
}

constexpr std::int64_t ms_per_day = 86'400'000;

// Floor division (times before 1970 are negative).
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

} // namespace

namespace {

// "YYYY-MM-DDTHH:MM" as milliseconds since the epoch, checked; -1 if it is none.
std::int64_t minute_of(std::string_view text) noexcept {
    using namespace std::chrono;
    const int y = digits(text, 0, 4);
    const int mo = digits(text, 5, 2);
    const int d = digits(text, 8, 2);
    if (y < 0 || mo < 0 || d < 0 || !is(text, 4, '-') || !is(text, 7, '-')) {
        return -1;
    }
    if (!(is(text, 10, 'T') || is(text, 10, 't') || is(text, 10, ' '))) {
        return -1;
    }
    const int h = digits(text, 11, 2);
    const int mi = digits(text, 14, 2);
    if (h < 0 || mi < 0 || !is(text, 13, ':') || h > 23 || mi > 59) {
        return -1;
    }
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok()) {
        return -1;
    }
    const std::int64_t days = sys_days(date).time_since_epoch().count();
    // (a multiple of 60,000: never -1)
    return days * ms_per_day + (h * 60 + mi) * 60'000LL;
}

} // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view text, std::size_t* length) noexcept {
    thread_local detail::rfc3339_reader reader;
    return reader.parse(text, length);
}

std::optional<std::int64_t> detail::rfc3339_reader::parse_in_full(std::string_view text,
                                                                  std::size_t* length) noexcept {
    std::int64_t minute = 0;
    if (text.size() >= minute_length && of_kept_minute(text)) {
        minute = minute_ms_;
    } else {
        minute = minute_of(text);
        if (minute == -1) {
            return std::nullopt;
        }
        std::memcpy(minute_text_, text.data(), minute_length);
        minute_ms_ = minute;
        has_minute_ = true;
    }
    const int s = digits(text, 17, 2);
    if (s < 0 || !is(text, 16, ':') || s > 60) {
        return std::nullopt;
    }
    std::size_t at = 19;
    std::int64_t ms = 0;
    if (is(text, at, '.')) {
        ++at;
        const std::size_t first = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (at - first < 3) { // milliseconds: the first three digits (a division per digit was a third of this)
                ms = ms * 10 + (text[at] - '0');
            }
            ++at;
        }
        if (at == first) {
            return std::nullopt;
        }
        for (std::size_t k = at - first; k < 3; ++k) {
            ms *= 10; // .5 is 500 ms
        }
    }
    std::int64_t offset_ms = 0;
    if (is(text, at, 'Z') || is(text, at, 'z')) {
        ++at;
    } else if (is(text, at, '+') || is(text, at, '-')) {
        const int oh = digits(text, at + 1, 2);
        const int om = digits(text, at + 4, 2);
        if (oh < 0 || om < 0 || !is(text, at + 3, ':') || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_ms = (oh * 60 + om) * 60'000LL * (text[at] == '-' ? -1 : 1);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (length != nullptr) {
        *length = at;
    }
    return minute + s * 1000LL + ms - offset_ms;
}

std::string format_rfc3339(std::int64_t ms) {
    using namespace std::chrono;
    const std::int64_t days = floor_div(ms, ms_per_day);
    const std::int64_t in_day = ms - days * ms_per_day;
    const year_month_day date{sys_days{std::chrono::days{days}}};
    const std::int64_t secs = in_day / 1000;
    // "YYYY-MM-DDTHH:MM:SSZ" by hand: snprintf per window showed in `every 1m`.
    std::string out = "0000-00-00T00:00:00Z";
    auto put = [&out](std::size_t at, std::size_t width, long long v) {
        for (std::size_t i = at + width; i-- > at;) {
            out[i] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
    };
    const int y = static_cast<int>(date.year());
    if (y < 0 || y > 9999) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, static_cast<unsigned>(date.month()),
                      static_cast<unsigned>(date.day()), static_cast<int>(secs / 3600),
                      static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
        return buffer;
    }
    put(0, 4, y);
    put(5, 2, static_cast<unsigned>(date.month()));
    put(8, 2, static_cast<unsigned>(date.day()));
    put(11, 2, secs / 3600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    return out;
}

} // namespace coropipe
