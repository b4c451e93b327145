// libFuzzer target for the ERE translator (lib/ere.cpp) and the per-line
// matcher. Input: one byte of flags (bit 0: -i), then the pattern. The
// properties: translate_ere returns, or throws regex_error with a position
// inside the pattern and a one-line message; a pattern it translates builds
// a regex_matcher (or throws regex_error: RE2's size limit), and on a few
// lines made from the input regex_matcher (Hyperscan, RE2 where Hyperscan
// does not take the pattern) agrees with RE2 run on the translation alone.
// Anything else (a crash, a sanitizer report, another exception, a
// disagreement) is a finding.

#include <coropipe/detail/ere.hpp>
#include <coropipe/detail/regex.hpp>
#include <coropipe/regex_error.hpp>

#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const bool ignore_case = (data[0] & 1) != 0;
    const std::string_view pattern(reinterpret_cast<const char*>(data) + 1, size - 1);
    using coropipe::detail::ere_translation;
    std::optional<ere_translation> t;
    try {
        t = coropipe::detail::translate_ere(pattern, ignore_case);
    } catch (const coropipe::regex_error& e) {
        const std::string message = e.what();
        if (e.position() > pattern.size() || message.empty() || message.find('\n') != std::string::npos) {
            std::abort();
        }
        return 0;
    }
    std::optional<coropipe::detail::regex_matcher> matcher;
    try {
        matcher.emplace(pattern, ignore_case);
    } catch (const coropipe::regex_error&) {
        return 0; // too large for RE2
    }
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_log_errors(false);
    const RE2 re(t->engine_pattern, o);
    std::string lines[] = {std::string(pattern), std::string(pattern.rbegin(), pattern.rend()), "", "a word, ERROR 42",
                           std::string(pattern) + std::string(pattern)};
    for (std::string& line : lines) {
        std::erase(line, '\n'); // lines hold no newline
        const bool got = (*matcher)(line);
        if (t->what == ere_translation::shape::never || t->what == ere_translation::shape::always) {
            if (got != (t->what == ere_translation::shape::always)) {
                std::abort();
            }
            continue;
        }
        if (!re.ok()) {
            std::abort(); // the matcher compiled it
        }
        if (got != RE2::PartialMatch(line, re)) {
            std::abort();
        }
    }
    return 0;
}
