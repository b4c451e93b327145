#pragma once

#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe {

/// Passes 1 line in `n` (`n` >= 1; 0 is taken as 1).
///
/// - Without `keys`: lines 1, n+1, 2n+1, ... of the input.
/// - With `keys` (FIELD references: `{"user"}`, `{"$2", "@app"}`): all the
///   lines of 1 key in n, chosen by a hash of the keys' texts (FNV-1a,
///   the same on every machine and every run): a user's lines are all kept
///   or all dropped. A line without a key FIELD has it empty.
///
/// The FIELDs are parsed when `sample` is called (`syntax_error`). Lazy,
/// passes the upstream's lines themselves (no copy). Exceptions from
/// upstream surface at the consumer's resume point; destroying it early
/// destroys upstream. lib/sample.cpp.
stage<std::string_view> sample(std::size_t n, std::vector<std::string> keys = {});

/// Whether `sample(n, keys)` keeps the lines whose key is `key` (the texts
/// of the key FIELDs joined as `group_key` does: one key's text as it is).
bool sample_keeps(std::string_view key, std::size_t n) noexcept;

} // namespace coropipe
