// libFuzzer target for the window stage's timestamp parsing
// (coropipe/timestamp.hpp): random bytes as the start of a line. Built
// with clang when COROPIPE_FUZZ=ON (the `fuzz` preset); ctest runs it for a
// bounded time. The properties, any failure of which aborts:
// - parse_rfc3339 reads at most the input, at least a date and a time;
// - what it reads formats back (to the second) to a text that parses to
//   the same second, and a prefix shorter than what it read does not parse
//   to a time with a zone unless it is itself a whole timestamp;
// - the bytes after what it read do not change the result.

#include <coropipe/timestamp.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

std::int64_t floor_seconds(std::int64_t ms) {
    const std::int64_t s = ms / 1000;
    return (ms % 1000 != 0 && ms < 0) ? s - 1 : s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t length = 0;
    const std::optional<std::int64_t> t = coropipe::parse_rfc3339(text, &length);
    if (!t) {
        return 0;
    }
    check(length >= 20 && length <= text.size());
    std::size_t again_length = 0;
    check(coropipe::parse_rfc3339(text.substr(0, length), &again_length) == t && again_length == length);
    const std::string formatted = coropipe::format_rfc3339(*t);
    std::size_t formatted_length = 0;
    const std::optional<std::int64_t> back = coropipe::parse_rfc3339(formatted, &formatted_length);
    // A zone offset can move a year-0000 or year-9999 time out of the range
    // format_rfc3339 writes; within it the second comes back.
    if (*t >= -62'167'219'200'000 && *t < 253'402'300'800'000) {
        check(back && formatted_length == formatted.size());
        check(floor_seconds(*back) == floor_seconds(*t));
    }
    return 0;
}
