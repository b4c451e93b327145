// detail::count_newlines against std::count, on every length and alignment
// around its 16-, 32- and 64-byte blocks (SSE2, AVX2, AVX-512BW: the CPU's
// widest) and their 255-block batches.

#include <coropipe/detail/count_lines.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>

using coropipe::detail::count_newlines;

TEST_CASE("count_newlines counts what std::count counts, at every length and offset", "[detail][count_lines]") {
    std::mt19937 rng(7);
    std::string text(255 * 64 * 3 + 40, 'x');
    for (char& c : text) {
        const auto r = std::uniform_int_distribution<int>(0, 9)(rng);
        c = r == 0 ? '\n' : r == 1 ? '\xff' : static_cast<char>('a' + r);
    }
    for (std::size_t offset = 0; offset < 65; ++offset) {
        for (std::size_t length : {0UL, 1UL, 15UL, 16UL, 17UL, 31UL, 32UL, 33UL, 63UL, 64UL, 65UL, 127UL, 255UL * 16,
                                   255UL * 16 + 1, 255UL * 16 * 2 + 31, 255UL * 32 + 1, 255UL * 64,
                                   255UL * 64 + 63, 255UL * 64 * 2 + 97, text.size() - offset}) {
            const std::string_view part = std::string_view(text).substr(offset, length);
            CAPTURE(offset, length);
            CHECK(count_newlines(part) == static_cast<std::uint64_t>(std::count(part.begin(), part.end(), '\n')));
        }
    }
}

TEST_CASE("count_newlines counts a text of newlines only, past the byte counters' 255", "[detail][count_lines]") {
    const std::string all(255 * 64 * 2 + 5, '\n');
    CHECK(count_newlines(all) == all.size());
    CHECK(count_newlines(std::string(100000, 'a')) == 0);
}
