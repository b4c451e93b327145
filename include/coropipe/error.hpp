#pragma once

#include <stdexcept>
#include <string>

namespace coropipe {

/// The one exception type coropipe throws for misuse and bad input (a send to
/// a finished coroutine, a malformed pipeline text, ...). I/O failures are
/// `std::system_error` with the errno and the file or socket named in what().
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {
/// The choke point every `coropipe::error` goes through.
[[noreturn]] void throw_error(const std::string& message);
} // namespace detail

} // namespace coropipe
