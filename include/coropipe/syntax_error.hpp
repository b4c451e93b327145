#pragma once

#include <coropipe/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace coropipe {

/// A malformed piece of text that coropipe parses: a FIELD reference
/// (`field_ref::parse`), a `where` expression (`where_expr::parse`), a
/// `format` string. what() is one line,
/// `coropipe::where: unknown operator '=' at offset 7; write == to compare`:
/// the context, the `reason()`, the byte offset `position()` into the text
/// that was parsed and a `hint()` (may be empty). The three are kept apart
/// for callers that point at the spot themselves (a caret under the
/// pipeline text, shifted by where the parsed text starts in it).
class syntax_error : public error {
public:
    /// `context` names the parser (`coropipe::where`); it is only part of what().
    syntax_error(std::string_view context, const std::string& reason, std::size_t position,
                 const std::string& hint = {});

    /// What is wrong, without context or position: `unknown operator '='`.
    const std::string& reason() const noexcept { return reason_; }
    /// Byte offset into the parsed text; may equal its size (an error at the end).
    std::size_t position() const noexcept { return position_; }
    /// How to fix it, or empty: `write == to compare`.
    const std::string& hint() const noexcept { return hint_; }

private:
    std::string reason_;
    std::size_t position_;
    std::string hint_;
};

} // namespace coropipe
