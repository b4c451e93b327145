#include <coropipe/detail/search.hpp>

#include <array>
#include <cstring>
#include <string.h> // memmem (glibc)

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace coropipe::detail {

namespace {

// How common each byte is in text and log lines: 0 for bytes that hardly
// occur, up to 255 for the space. A rough ranking is enough: it only decides
// which needle byte `memchr` looks for.
constexpr std::array<unsigned char, 256> byte_frequency = [] {
    std::array<unsigned char, 256> rank{};
    // Most frequent first.
    constexpr std::string_view common = " etaoinsrhldcu0m1f2pg.ywb:3-_=5496878vk/,\"x)(TASEIjqzNRCOLDPM[]";
    for (std::size_t i = 0; i < common.size(); ++i) {
        rank[static_cast<unsigned char>(common[i])] = static_cast<unsigned char>(255 - 3 * i);
    }
    return rank;
}();

// Fall back to memmem once candidates are this dense: more than one false
// candidate per this many scanned bytes (after a few free ones).
constexpr std::size_t bytes_per_false_candidate = 16;
constexpr std::size_t free_false_candidates = 4;

// True once candidates are dense: more false ones than the scanned bytes allow.
bool too_dense(std::size_t false_candidates, std::size_t scanned) noexcept {
    return false_candidates > free_false_candidates && false_candidates * bytes_per_false_candidate > scanned;
}

// The linear-time search of what is left, from `from` on: for dense candidates.
std::size_t find_from(std::string_view haystack, std::size_t from, std::string_view needle) noexcept {
    const void* found = ::memmem(haystack.data() + from, haystack.size() - from, needle.data(), needle.size());
    return found == nullptr ? std::string_view::npos
                            : static_cast<std::size_t>(static_cast<const char*>(found) - haystack.data());
}

} // namespace

substring_searcher::substring_searcher(std::string_view needle) : needle_(needle) {
    for (std::size_t i = 1; i < needle_.size(); ++i) {
        if (byte_frequency[static_cast<unsigned char>(needle_[i])] <
            byte_frequency[static_cast<unsigned char>(needle_[rare_])]) {
            rare_ = i;
        }
    }
}

std::size_t substring_searcher::find(std::string_view haystack) const noexcept {
    const std::size_t n = needle_.size();
    if (n == 0) {
        return 0;
    }
    if (haystack.size() < n) {
        return npos;
    }
    const char* const first = haystack.data();
    const char rare = needle_[rare_];
    std::size_t false_candidates = 0;
    const char* scan = first + rare_;
#if defined(__SSE2__)
    if (n >= 2) {
        // 16 possible starts at a time: those where the rare byte and one
        // more byte of the needle (its last, or its first if the rare one is
        // the last) are both in place; only those are compared whole. Two
        // bytes in place are far rarer than one (the rare byte of "ERROR" is
        // in most log lines, "E...R" hardly), and no call is made per
        // candidate byte.
        const std::size_t other = rare_ == n - 1 ? 0 : n - 1;
        const __m128i want_rare = _mm_set1_epi8(rare);
        const __m128i want_other = _mm_set1_epi8(needle_[other]);
        std::size_t start = 0;
        // Loads reach start + max(rare_, other) + 15 <= start + n + 14.
        for (; start + n + 15 <= haystack.size(); start += 16) {
            const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(first + start + rare_));
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(first + start + other));
            auto mask = static_cast<unsigned>(
                _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, want_rare), _mm_cmpeq_epi8(b, want_other))));
            while (mask != 0) {
                const std::size_t at = start + static_cast<std::size_t>(__builtin_ctz(mask));
                if (std::memcmp(first + at, needle_.data(), n) == 0) {
                    return at;
                }
                mask &= mask - 1;
                ++false_candidates;
            }
            if (too_dense(false_candidates, start + 16)) {
                return find_from(haystack, start + 16, needle_);
            }
        }
        scan = first + start + rare_; // the last starts, below
    }
#endif
    // Where the rare byte can sit: needle starts 0 .. size - n.
    const char* const scan_end = first + (haystack.size() - n) + rare_ + 1;
    while (scan < scan_end) {
        const void* hit = std::memchr(scan, rare, static_cast<std::size_t>(scan_end - scan));
        if (hit == nullptr) {
            return npos;
        }
        const char* start = static_cast<const char*>(hit) - rare_;
        if (std::memcmp(start, needle_.data(), n) == 0) {
            return static_cast<std::size_t>(start - first);
        }
        scan = static_cast<const char*>(hit) + 1;
        ++false_candidates;
        if (too_dense(false_candidates, static_cast<std::size_t>(scan - first))) {
            return find_from(haystack, static_cast<std::size_t>(start + 1 - first), needle_);
        }
    }
    return npos;
}

} // namespace coropipe::detail
