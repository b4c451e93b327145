#include <coropipe/duration.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <system_error>

namespace coropipe {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end == text.data() || text.front() == '-' || text.front() == '+') {
        return std::nullopt;
    }
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::int64_t scale = 0;
    if (unit == "ms") {
        scale = 1;
    } else if (unit == "s") {
        scale = 1000;
    } else if (unit == "m") {
        scale = 60'000;
    } else if (unit == "h") {
        scale = 3'600'000;
    } else if (unit == "d") {
        scale = 86'400'000;
    } else {
        return std::nullopt;
    }
    if (n > std::numeric_limits<std::int64_t>::max() / scale) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(n * scale);
}

} // namespace coropipe
