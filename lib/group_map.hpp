#pragma once
// The groups of an aggregate (`count by $2`): key → state, in one flat
// open-addressed table of slots (a key's hash and where its entry is), the
// entries themselves in a vector, in the order their keys came. A lookup costs one slot and one entry —
// against three dependent loads per lookup in std::unordered_map (bucket,
// the node before, the node), which made `count by $3` (393,209 groups)
// wait on memory for 70% of its time. Private to the library.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coropipe::detail {

/// The 128-bit product of `a` and `b`, its two halves folded: every bit of
/// the result depends on every bit of both (wyhash's "mum").
inline std::uint64_t group_key_mix(std::uint64_t a, std::uint64_t b) noexcept {
    __extension__ using u128 = unsigned __int128;
    const u128 p = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
}

/// Keys are short (hosts, levels, user ids): 8 bytes at a time, mixed by
/// one 64x64->128-bit multiply each, inline (std::hash's out-of-line murmur
/// was a sixth of `count by $2`). The table's slot is the hash's low bits:
/// a plain 64-bit multiply leaves them depending on the key's first bytes
/// only, and keys that differ at the end (`web-01`...`web-29`) all landed in
/// one slot — a probe of ~15 slots per line.
inline std::uint64_t group_key_hash(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    auto load = [](const char* at, auto word) {
        std::memcpy(&word, at, sizeof word);
        return static_cast<std::uint64_t>(word);
    };
    std::uint64_t last; // the last 8 bytes (overlapping), or all of a shorter key, in one word
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            h = group_key_mix(h ^ load(p + i, std::uint64_t{}), 0xbf58476d1ce4e5b9ULL);
        }
        last = load(p + n - 8, std::uint64_t{});
    } else if (n >= 4) {
        last = load(p, std::uint32_t{}) | load(p + n - 4, std::uint32_t{}) << 32;
    } else if (n != 0) {
        last = load(p, std::uint8_t{}) | load(p + n / 2, std::uint8_t{}) << 8 | load(p + n - 1, std::uint8_t{}) << 16;
    } else {
        last = 0;
    }
    return group_key_mix(h ^ last, 0x94d049bb133111ebULL);
}

/// Whether `a` and `b` (`n` bytes each) are equal: a short key (most are)
/// in two overlapping loads, not a call to memcmp (8% of `count by $2`).
inline bool group_key_equal(const char* a, const char* b, std::size_t n) noexcept {
    auto same = [a, b](std::size_t at, auto word) {
        auto other = word;
        std::memcpy(&word, a + at, sizeof word);
        std::memcpy(&other, b + at, sizeof other);
        return word == other;
    };
    if (n >= 8) {
        return n <= 16 ? same(0, std::uint64_t{}) && same(n - 8, std::uint64_t{}) : std::memcmp(a, b, n) == 0;
    }
    if (n >= 4) {
        return same(0, std::uint32_t{}) && same(n - 4, std::uint32_t{});
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

template <class State>
class group_map {
public:
    struct entry {
        std::string key;
        State state;
    };

    /// The state of `key`, or null.
    State* find(std::string_view key) noexcept {
        const std::uint64_t h = group_key_hash(key);
        if (slots_.empty()) {
            return nullptr;
        }
        for (std::size_t i = h & mask(); slots_[i] != 0; i = (i + 1) & mask()) {
            if ((slots_[i] >> 32) == (h >> 32)) {
                entry& e = entries_[(slots_[i] & 0xffff'ffff) - 1];
                if (e.key.size() == key.size() && group_key_equal(e.key.data(), key.data(), key.size())) {
                    return &e.state;
                }
            }
        }
        return nullptr;
    }

    /// Adds `key` (not in the map) with a state made from `args`.
    template <class... Args>
    State& insert(std::string_view key, Args&&... args) {
        if ((entries_.size() + 1) * 2 > slots_.size()) {
            grow();
        }
        entries_.push_back(entry{std::string(key), State(std::forward<Args>(args)...)});
        place(group_key_hash(key), entries_.size());
        return entries_.back().state;
    }

    std::size_t size() const noexcept { return entries_.size(); }
    /// A slot holds an entry's index in 32 bits.
    static constexpr std::size_t max_size() noexcept { return 0xffff'ffff; }
    /// In the order the keys came.
    const std::vector<entry>& entries() const noexcept { return entries_; }
    /// The entries, their states to change (not their keys).
    std::vector<entry>& entries() noexcept { return entries_; }

    /// Drops the entries whose state `drop` returns true for; the others
    /// keep their order.
    template <class Drop>
    void erase_if(Drop drop) {
        std::erase_if(entries_, [&drop](const entry& e) { return drop(e.state); });
        std::fill(slots_.begin(), slots_.end(), 0);
        place_all();
    }

    void clear() noexcept {
        entries_.clear();
        std::fill(slots_.begin(), slots_.end(), 0);
    }

private:
    std::size_t mask() const noexcept { return slots_.size() - 1; }

    // Slot: the hash's high 32 bits, then the entry's index + 1 (0: empty).
    void place(std::uint64_t h, std::size_t number) noexcept {
        std::size_t i = h & mask();
        while (slots_[i] != 0) {
            i = (i + 1) & mask();
        }
        slots_[i] = (h & 0xffff'ffff'0000'0000ULL) | static_cast<std::uint64_t>(number);
    }

    void grow() {
        slots_.assign(std::max<std::size_t>(16, slots_.size() * 2), 0);
        place_all();
    }

    // Every entry into the (empty) slots.
    void place_all() noexcept {
        std::size_t number = 0;
        for (const entry& e : entries_) {
            place(group_key_hash(e.key), ++number);
        }
    }

    std::vector<std::uint64_t> slots_; // a power of two, at most half full
    std::vector<entry> entries_;
};

} // namespace coropipe::detail
