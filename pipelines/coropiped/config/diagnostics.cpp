// config_diagnostic, config_error, and placing a diagnostic found after
// loading.

#include "config.hpp"

namespace coropiped {

std::string config_diagnostic::to_string() const {
    std::string out = file;
    if (line != 0) {
        out += ':' + std::to_string(line) + ':' + std::to_string(column);
    }
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    return out + message;
}

namespace {

std::string join_lines(const std::vector<config_diagnostic>& errors) {
    std::string out;
    for (const config_diagnostic& d : errors) {
        if (!out.empty()) {
            out += '\n';
        }
        out += d.to_string();
    }
    return out;
}

} // namespace

config_error::config_error(std::vector<config_diagnostic> errors)
    : coropipe::error(join_lines(errors)),
      errors_(std::move(errors)) {}

config_diagnostic diagnostic_at(const daemon_config& config, std::string key, std::string message) {
    // The key, else its table (a name of a valid file is a bare key: no '.').
    std::string_view place = key;
    while (true) {
        if (const auto it = config.places.find(place); it != config.places.end()) {
            return {config.file.string(), it->second.line, it->second.column, std::move(key), std::move(message)};
        }
        const std::size_t dot = place.rfind('.');
        if (dot == std::string_view::npos) {
            break;
        }
        place = place.substr(0, dot);
    }
    return {config.file.string(), 0, 0, std::move(key), std::move(message)};
}

} // namespace coropiped
