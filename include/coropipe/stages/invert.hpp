#pragma once

namespace coropipe {

/// Option for `grep` and `prefix`: pass the lines that do NOT match
/// (`grep -v`): `grep(pattern, coropipe::invert)`.
struct invert_t {
    explicit constexpr invert_t() = default;
};
inline constexpr invert_t invert{};

} // namespace coropipe
