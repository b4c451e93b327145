#pragma once

#include <coropipe/detail/search.hpp>

#include <string>
#include <string_view>

namespace coropipe::detail {

/// ASCII lower case of `c`; any other byte (including 0x80 and above) as it is.
constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// Finds a fixed needle ignoring ASCII case (`grep -i` without a regex):
/// A-Z and a-z compare equal; every other byte, including those >= 0x80
/// (UTF-8 or Latin-1 letters), is compared exactly.
///
/// Each haystack is folded into a reused buffer and searched with
/// `substring_searcher`, so the search stays linear. Not thread-safe (the
/// buffer is shared by calls): one per pipeline, as `grep` builds it.
/// Compiled in lib/fold_case.cpp.
class ascii_icase_searcher {
public:
    explicit ascii_icase_searcher(std::string_view needle);

    /// True if the needle occurs in `haystack`, ignoring ASCII case.
    bool matches(std::string_view haystack) const;

private:
    substring_searcher folded_needle_;
    mutable std::string folded_; // the last haystack, folded; its capacity is reused
};

} // namespace coropipe::detail
