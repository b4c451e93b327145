#pragma once
// RFC 3339 timestamps read one after another, as a log's lines have them:
// lines of one minute share their first 16 bytes ("YYYY-MM-DDTHH:MM"), so
// the last minute read is kept and only the seconds on are read again
// (reading the date and counting its days was a fifth of `count by $2
// every 1m`). The usual line of that minute, second 0-59 in UTC with no
// fraction or milliseconds, is read inline. Private to the library: what
// `parse_rfc3339` (one per thread) and each windowed aggregate's clock use.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace coropipe::detail {

class rfc3339_reader {
public:
    /// As `parse_rfc3339` (coropipe/timestamp.hpp).
    std::optional<std::int64_t> parse(std::string_view text, std::size_t* length = nullptr) noexcept {
        if (text.size() >= 20 && of_kept_minute(text) && text[16] == ':') {
            const unsigned s1 = static_cast<unsigned char>(text[17]) - '0';
            const unsigned s2 = static_cast<unsigned char>(text[18]) - '0';
            if (s1 <= 5 && s2 <= 9) { // (a leap second: the full read)
                const std::int64_t at_second = minute_ms_ + (s1 * 10 + s2) * 1000;
                if (is_z(text[19])) {
                    return done(at_second, 20, length);
                }
                if (text[19] == '.' && text.size() >= 24 && is_z(text[23])) {
                    const unsigned d0 = static_cast<unsigned char>(text[20]) - '0';
                    const unsigned d1 = static_cast<unsigned char>(text[21]) - '0';
                    const unsigned d2 = static_cast<unsigned char>(text[22]) - '0';
                    if (d0 <= 9 && d1 <= 9 && d2 <= 9) {
                        return done(at_second + d0 * 100 + d1 * 10 + d2, 24, length);
                    }
                }
            }
        }
        return parse_in_full(text, length);
    }

private:
    static constexpr std::size_t minute_length = 16;

    static bool is_z(char c) noexcept { return c == 'Z' || c == 'z'; }
    /// Whether `text` (at least 16 bytes) starts with the minute kept.
    bool of_kept_minute(std::string_view text) const noexcept {
        return has_minute_ && std::memcmp(text.data(), minute_text_, minute_length) == 0;
    }
    static std::int64_t done(std::int64_t ms, std::size_t read, std::size_t* length) noexcept {
        if (length != nullptr) {
            *length = read;
        }
        return ms;
    }

    // Any other: the minute from the kept one if it is the same, else read
    // and kept. lib/timestamp.cpp.
    std::optional<std::int64_t> parse_in_full(std::string_view text, std::size_t* length) noexcept;

    char minute_text_[minute_length] = {};
    std::int64_t minute_ms_ = 0; // of minute_text_, in its own zone
    bool has_minute_ = false;
};

} // namespace coropipe::detail
