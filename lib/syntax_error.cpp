#include <coropipe/syntax_error.hpp>

namespace coropipe {

syntax_error::syntax_error(std::string_view context, const std::string& reason, std::size_t position,
                           const std::string& hint)
    : error(std::string(context) + ": " + reason + " at offset " + std::to_string(position) +
            (hint.empty() ? "" : "; ") + hint),
      reason_(reason),
      position_(position),
      hint_(hint) {}

} // namespace coropipe
