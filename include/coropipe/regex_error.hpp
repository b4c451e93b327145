#pragma once

#include <coropipe/error.hpp>

#include <cstddef>
#include <string>

namespace coropipe {

/// A regular expression that `grep -E` (or `where`'s `~`) cannot take: bad
/// POSIX ERE syntax (`a(b`, `[z-a]`), or a construct coropipe rejects
/// rather than give it another meaning than GNU grep -E does (a
/// back-reference, `\d`); see docs/regex.md.
///
/// what() is one line, `coropipe::regex: invalid regex: unmatched '(' at
/// offset 1`, plus `; ` and a hint when there is one. `reason()`,
/// `position()` (the byte offset in the pattern, may equal its size) and
/// `hint()` (may be empty) are kept apart for callers that point at the
/// spot themselves, as the pipeline-text parser does.
class regex_error : public error {
public:
    regex_error(const std::string& reason, std::size_t position, const std::string& hint = {});

    const std::string& reason() const noexcept { return reason_; }
    std::size_t position() const noexcept { return position_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    std::string reason_;
    std::size_t position_;
    std::string hint_;
};

} // namespace coropipe
