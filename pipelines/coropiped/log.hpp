#pragma once
// The daemon's log: one line per message on stderr, `coropiped: LEVEL: text`.

#include <coropipe/asio/queued_sink.hpp> // log_level

#include <string>

namespace coropiped {

using log_level = coropipe::asio::log_level;

/// Writes `coropiped: info|warning|error: message` to stderr (one write).
void log(log_level level, const std::string& message);

/// The same, as the library's components take it.
inline void log_to_stderr(log_level level, const std::string& message) {
    log(level, message);
}

} // namespace coropiped
