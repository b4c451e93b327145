#include <coropipe/detail/count_lines.hpp>

#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace coropipe::detail {

std::uint64_t count_newlines(std::string_view bytes) noexcept {
    const char* p = bytes.data();
    std::size_t n = bytes.size();
    std::uint64_t total = 0;
#if defined(__SSE2__)
    const __m128i newline = _mm_set1_epi8('\n');
    while (n >= 16) {
        // Up to 255 blocks of 16 bytes add their matches (0 or -1 per
        // byte) into 16 byte-wide counters, then those are summed.
        std::size_t blocks = n / 16 < 255 ? n / 16 : 255;
        __m128i counters = _mm_setzero_si128();
        for (std::size_t i = 0; i < blocks; ++i) {
            const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
            counters = _mm_sub_epi8(counters, _mm_cmpeq_epi8(chunk, newline));
        }
        const __m128i sums = _mm_sad_epu8(counters, _mm_setzero_si128()); // two 64-bit sums
        total += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums)) +
                 static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
        p += 16 * blocks;
        n -= 16 * blocks;
    }
#endif
    for (; n != 0; --n, ++p) {
        total += *p == '\n' ? 1U : 0U;
    }
    return total;
}

} // namespace coropipe::detail
