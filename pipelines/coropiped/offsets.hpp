#pragma once
// Followed files' read offsets: the state file ([daemon] state_file).

#include <coropipe/stages/follow.hpp> // file_position

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace coropiped {

/// The offsets of the followed files, by source name: read at start,
/// updated as the sinks confirm lines (checkpoints) and at the end of each
/// run, saved atomically (a temporary file, fsync, rename; mode 0600).
/// Thread-safe.
class offsets {
public:
    /// Reads `file` (no file: nothing saved yet; an empty path: offsets are
    /// not kept). A malformed line is skipped.
    explicit offsets(std::filesystem::path file);

    std::optional<coropipe::file_position> get(const std::string& source) const;
    void set(const std::string& source, coropipe::file_position at);

    /// Writes the state file if anything changed since the last save.
    /// Returns false (with `error`) if it could not be written.
    bool save(std::string* error);

    bool enabled() const noexcept { return !file_.empty(); }

private:
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    std::map<std::string, coropipe::file_position> at_;
    bool dirty_ = false;
};

} // namespace coropiped
