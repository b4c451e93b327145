// The group table of the grouped aggregates (lib/group_map.hpp, private to
// the library): found again, in order, and spread over its slots.
#include "../../lib/group_map.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

using coropipe::detail::group_key_hash;
using coropipe::detail::group_map;

namespace {

std::vector<std::string> numbered(const char* format, int n) {
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, format, i);
        keys.emplace_back(buffer);
    }
    return keys;
}

/// How many distinct slots of a table of `slots` the keys' hashes start at.
std::size_t home_slots(const std::vector<std::string>& keys, std::uint64_t slots) {
    std::set<std::uint64_t> homes;
    for (const std::string& k : keys) {
        homes.insert(group_key_hash(k) & (slots - 1));
    }
    return homes.size();
}

} // namespace

TEST_CASE("Keys that differ only in their last bytes start at different slots", "[detail][group_map]") {
    // web-00 ... web-29 once all started at one slot: every lookup probed ~15.
    CHECK(home_slots(numbered("web-%02d", 30), 64) >= 20);
    CHECK(home_slots(numbered("host%d", 1000), 2048) >= 700);
    CHECK(home_slots(numbered("u%d", 10000), 32768) >= 8000);
    CHECK(home_slots(numbered("10.0.0.%d", 250), 512) >= 180);
    CHECK(home_slots(numbered("/v1/items/%08d", 5000), 16384) >= 4000);
    CHECK(home_slots(numbered("%d", 100000), 262144) >= 80000);
}

TEST_CASE("Keys of every length are equal only byte for byte", "[detail][group_map]") {
    for (std::size_t n = 0; n <= 40; ++n) {
        const std::string a(n, 'k');
        CHECK(coropipe::detail::group_key_equal(a.data(), std::string(n, 'k').data(), n));
        for (std::size_t at = 0; at < n; ++at) {
            std::string b = a;
            b[at] = 'j';
            INFO("length " << n << ", differing at " << at);
            CHECK_FALSE(coropipe::detail::group_key_equal(a.data(), b.data(), n));
        }
    }
}

TEST_CASE("A group_map finds every key it holds, keeps them in arrival order and forgets them on clear",
          "[detail][group_map]") {
    group_map<int> map;
    const std::vector<std::string> keys = numbered("key-%d", 5000);
    CHECK(map.find("key-0") == nullptr);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        map.insert(keys[i], static_cast<int>(i));
    }
    map.insert("", -1); // the key of a line without the FIELD
    REQUIRE(map.size() == keys.size() + 1);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        REQUIRE(map.find(keys[i]) != nullptr);
        CHECK(*map.find(keys[i]) == static_cast<int>(i));
    }
    CHECK(*map.find("") == -1);
    CHECK(map.find("key-5000") == nullptr);
    CHECK(map.entries().front().key == "key-0");
    CHECK(map.entries().back().key.empty());
    map.clear();
    CHECK(map.size() == 0);
    CHECK(map.find("key-1") == nullptr);
    map.insert("key-1", 7);
    CHECK(*map.find("key-1") == 7);
}
