#include <coropipe/detail/search.hpp>

#include <array>
#include <cstring>
#include <string.h> // memmem (glibc)

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
    // Where the rare byte can sit: needle starts 0 .. size - n.
    const char* scan = first + rare_;
    const char* const scan_end = first + (haystack.size() - n) + rare_ + 1;
    std::size_t false_candidates = 0;
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
        if (false_candidates > free_false_candidates &&
            false_candidates * bytes_per_false_candidate > static_cast<std::size_t>(scan - first)) {
            // Candidates are dense: hand the rest to the linear-time search.
            const char* rest = start + 1;
            const void* found =
                ::memmem(rest, static_cast<std::size_t>(first + haystack.size() - rest), needle_.data(), n);
            return found == nullptr ? npos : static_cast<std::size_t>(static_cast<const char*>(found) - first);
        }
    }
    return npos;
}

} // namespace coropipe::detail
