#include <coropipe/regex_error.hpp>

namespace coropipe {

regex_error::regex_error(const std::string& reason, std::size_t position, const std::string& hint)
    : error("coropipe::regex: invalid regex: " + reason + " at offset " + std::to_string(position) +
            (hint.empty() ? "" : "; ") + hint),
      reason_(reason),
      position_(position),
      hint_(hint) {}

} // namespace coropipe
