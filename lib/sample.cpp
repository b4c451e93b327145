#include <coropipe/stages/sample.hpp>

#include "group_key.hpp"

#include <cstdint>
#include <memory>

namespace coropipe {

namespace {

struct keyed {
    detail::group_key key;
    field_scratch scratch;
};

stage<std::string_view> every_nth(std::size_t n) {
    std::size_t seen = 0;
    while (std::string_view* line = co_await input) {
        if (seen++ % n == 0) {
            co_yield *line;
        }
    }
}

stage<std::string_view> by_key(std::size_t n, std::unique_ptr<keyed> k) {
    while (std::string_view* line = co_await input) {
        if (sample_keeps(k->key.of(*line, k->scratch, false), n)) {
            co_yield *line;
        }
    }
}

} // namespace

bool sample_keeps(std::string_view key, std::size_t n) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL; // FNV-1a
    for (char c : key) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33; // the low bits of FNV-1a are weak
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return n <= 1 || h % n == 0;
}

stage<std::string_view> sample(std::size_t n, std::vector<std::string> keys) {
    n = n == 0 ? 1 : n;
    if (keys.empty()) {
        return every_nth(n);
    }
    return by_key(n, std::make_unique<keyed>(keyed{detail::group_key(keys), {}}));
}

} // namespace coropipe
