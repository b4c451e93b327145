#include "log.hpp"

#include <unistd.h>

namespace coropiped {

void log(log_level level, const std::string& message) {
    const char* name = level == log_level::error ? "error" : level == log_level::warning ? "warning" : "info";
    std::string line = "coropiped: ";
    line += name;
    line += ": ";
    line += message;
    line += '\n';
    // One write(2): lines from several threads do not interleave.
    for (std::size_t done = 0; done < line.size();) {
        const ssize_t n = ::write(2, line.data() + done, line.size() - done);
        if (n <= 0) {
            return; // nowhere to report it
        }
        done += static_cast<std::size_t>(n);
    }
}

} // namespace coropiped
