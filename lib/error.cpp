#include <coropipe/error.hpp>

namespace coropipe::detail {

void throw_error(const std::string& message) { throw error(message); }

} // namespace coropipe::detail
