#include <coropipe/detail/count_lines.hpp>

#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace coropipe::detail {

namespace {

#if defined(__x86_64__)
// 32 bytes at a time where the CPU has AVX2 (chosen at run time: the
// library is built for baseline x86-64).
__attribute__((target("avx2"))) std::uint64_t count_avx2(const char* p, std::size_t n) noexcept {
    std::uint64_t total = 0;
    const __m256i newline = _mm256_set1_epi8('\n');
    while (n >= 32) {
        const std::size_t blocks = n / 32 < 255 ? n / 32 : 255;
        __m256i counters = _mm256_setzero_si256();
        for (std::size_t i = 0; i < blocks; ++i) {
            const __m256i chunk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * i));
            counters = _mm256_sub_epi8(counters, _mm256_cmpeq_epi8(chunk, newline));
        }
        const __m256i sums = _mm256_sad_epu8(counters, _mm256_setzero_si256()); // four 64-bit sums
        total += static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 0)) +
                 static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 1)) +
                 static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 2)) +
                 static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 3));
        p += 32 * blocks;
        n -= 32 * blocks;
    }
    for (; n != 0; --n, ++p) {
        total += *p == '\n' ? 1U : 0U;
    }
    return total;
}

// 64 bytes at a time where the CPU has AVX-512BW: a compare into a mask and
// a masked add per 64 bytes, half the AVX2 form's work per byte (the async
// driver counts every chunk's lines: one more pass over each socket read).
__attribute__((target("avx512bw"))) std::uint64_t count_avx512(const char* p, std::size_t n) noexcept {
    std::uint64_t total = 0;
    const __m512i newline = _mm512_set1_epi8('\n');
    const __m512i one = _mm512_set1_epi8(1);
    while (n >= 64) {
        const std::size_t blocks = n / 64 < 255 ? n / 64 : 255;
        __m512i counters = _mm512_setzero_si512();
        for (std::size_t i = 0; i < blocks; ++i) {
            const __m512i chunk = _mm512_loadu_si512(p + 64 * i);
            counters = _mm512_mask_add_epi8(counters, _mm512_cmpeq_epi8_mask(chunk, newline), counters, one);
        }
        // Eight 64-bit sums (not _mm512_reduce_add_epi64: GCC 12 warns in it).
        std::uint64_t sums[8];
        _mm512_storeu_si512(sums, _mm512_sad_epu8(counters, _mm512_setzero_si512()));
        for (const std::uint64_t sum : sums) {
            total += sum;
        }
        p += 64 * blocks;
        n -= 64 * blocks;
    }
    return total + count_avx2(p, n);
}

const bool has_avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") != 0);
const bool has_avx512 = __builtin_cpu_supports("avx512bw") != 0;
#endif

} // namespace

std::uint64_t count_newlines(std::string_view bytes) noexcept {
#if defined(__x86_64__)
    if (has_avx512) {
        return count_avx512(bytes.data(), bytes.size());
    }
    if (has_avx2) {
        return count_avx2(bytes.data(), bytes.size());
    }
#endif
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
