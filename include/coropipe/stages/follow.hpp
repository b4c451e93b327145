#pragma once

#include <coropipe/generator.hpp>

#include <filesystem>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

namespace coropipe {

/// Where `follow` starts in the file that is there when it begins.
enum class follow_start {
    beginning, ///< every line already in the file, then the new ones (`tail -F -n +1`)
    end,       ///< only lines written from now on (`tail -F -n 0`)
};

/// Something `follow` noticed about the followed path, reported through
/// `follow_options::on_event` (a CLI tells the user, as tail does).
enum class follow_event {
    missing,   ///< no file at the path when following began: waiting for one
    appeared,  ///< a file appeared where there was none: reading it from its start
    vanished,  ///< the path names no file any more: still reading the old one
    replaced,  ///< the path names another file (rotation): the old one was read
               ///< to its end, the new one is read from its start
    truncated, ///< the file shrank below what was read: reading it from its start
};

/// A short text for `event`, such as "file truncated; reading from the start".
const char* describe(follow_event event) noexcept;

/// Where a follower is in which file: to resume there after a restart.
struct file_position {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t offset = 0; ///< bytes of that file read so far
    bool operator==(const file_position&) const = default;
};

/// How `follow` follows.
struct follow_options {
    follow_start start = follow_start::beginning;
    /// Stop when this descriptor becomes readable (say the read end of a
    /// self-pipe that a SIGTERM handler writes to): the lines end there, as
    /// if the file had ended. -1: never stop by itself.
    int stop_fd = -1;
    /// Called each time everything available has been read, just before
    /// waiting: a consumer flushes its output here, so that followed lines
    /// go out promptly without line-buffering a large backlog.
    std::function<void()> on_idle;
    /// Called for each `follow_event`, with the path.
    std::function<void(follow_event, const std::filesystem::path&)> on_event;
    /// Resume at a saved position: if the file at the path is still that
    /// file (device and inode) and not shorter than `offset`, reading starts
    /// there, whatever `start` says; otherwise (rotated or truncated
    /// meanwhile) the file at the path is read from its start.
    std::optional<file_position> resume;
};

namespace detail {

// Defined in lib/follow.cpp; the following is detail::file_follower
// (coropipe/detail/follow.hpp).
generator<std::string_view> follow_path(std::filesystem::path path, follow_options options);

struct follow_fn {
    /// Follows the file at `path` (also a std::string or const char*).
    generator<std::string_view> operator()(std::filesystem::path path, follow_options options = {}) const {
        return follow_path(std::move(path), std::move(options));
    }
};

} // namespace detail

/// A source: the lines of a file as it grows, `tail -F`: it keeps reading
/// as lines are appended, and survives rotation and truncation.
///
/// ```
/// coropipe::follow("/var/log/app.log") | coropipe::grep("ERROR") | coropipe::print();
/// ```
///
/// - By default every line already in the file comes first (`tail -F -n +1`);
///   `follow_start::end` skips them (`tail -F -n 0`).
/// - Lines are views into the reader's buffer, as with `lines(path)`: valid
///   until the next increment; byte-exact, only the '\n' is stripped.
/// - A missing file is waited for. Rotation by rename and create: the old
///   file is read to its end (lines written to it until the new file is
///   noticed are not lost), then the new one from its start. Truncation
///   (copytruncate): reading starts again at 0. Each of these is reported
///   to `on_event`.
/// - Only whole lines come out: a line is passed once its '\n' is there, or
///   when a switch of file (rotation, truncation) ends it (it does not join
///   the next file's first line). When following stops, the bytes after the
///   last '\n' are dropped: they are a line still being written.
/// - Waits with inotify (on the file and its directory), or by polling once
///   a second where inotify is not available. While waiting, the thread is
///   blocked in poll(2): `follow` never ends by itself; it ends when
///   `options.stop_fd` becomes readable (checked between reads, so a large
///   backlog is not read first), or when the consumer stops pulling.
/// - Not handled, as in tail: lines written to the old file after the new
///   one was noticed; a truncation that the writer refills past the old size
///   before the follower looks; a file replaced twice between two looks.
/// - Lazy: nothing is opened until the first `begin()`. Read errors (other
///   than a missing file, which is waited for) surface from `begin()` or `++`
///   as `std::system_error` naming the path; so do exceptions thrown by the
///   callbacks.
/// - Destroying the generator, at any point, closes the file and the
///   inotify descriptor. `stop_fd` is not owned.
inline constexpr detail::follow_fn follow{};

} // namespace coropipe
