#pragma once

#include <coropipe/detail/line_reader.hpp>
#include <coropipe/stages/follow.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <sys/types.h>

namespace coropipe::detail {

/// Follows the file at a path, `tail -F` style, without ever blocking: the
/// non-blocking core of `coropipe::follow`, for a blocking adapter
/// (`follow_source`) or an event loop (wait on `wait_handle()`).
///
/// - A missing file is waited for: each `read_available` tries to open it.
/// - At the end of the data, it looks at the file (fstat) and at the path
///   (stat): a file smaller than what was read was truncated (read again
///   from 0); a path naming another file (dev/inode) was rotated: the old
///   descriptor is read to its end, then the new file from 0. Each is
///   reported to `on_event`.
/// - When a switch of file (or a truncation) comes after a last line
///   without '\n', a '\n' is read first, so that line ends there.
/// - Errors other than a missing file throw `std::system_error` naming the
///   path.
///
/// Owns its descriptors (the file, the inotify instance) and closes them on
/// destruction. Not thread-safe; not copyable or movable (an event loop may
/// keep `wait_handle()`).
class file_follower {
public:
    /// Where inotify is not available, how long to wait before looking
    /// again, in milliseconds (tail's --sleep-interval).
    static constexpr int poll_interval_ms = 1000;

    /// Opens `path` if it is there (nothing is read yet), and sets up the
    /// inotify watches. With `follow_start::end`, reading starts at the
    /// current end of a file that is there now.
    explicit file_follower(std::filesystem::path path, follow_start start = follow_start::beginning,
                           std::function<void(follow_event, const std::filesystem::path&)> on_event = {},
                           std::optional<file_position> resume = std::nullopt);
    file_follower(const file_follower&) = delete;
    file_follower& operator=(const file_follower&) = delete;
    ~file_follower();

    /// Reads up to `size` bytes that are there now into `dest`; 0 when there
    /// is nothing more for the moment (then wait on `wait_handle()`).
    /// Never blocks (it reads a regular file); throws on a read error.
    std::size_t read_available(char* dest, std::size_t size);

    /// A descriptor that becomes readable when the file or its directory may
    /// have changed (inotify: modify, attrib, move or delete of the file;
    /// create or move-to in its directory); -1 when inotify is not available
    /// (then look again every `poll_interval_ms`). Call `drain_events()`
    /// once it is readable, before `read_available`.
    int wait_handle() const noexcept { return inotify_fd_; }

    /// Empties `wait_handle()` (non-blocking).
    void drain_events() noexcept;

    /// How many truncations and file switches (rotations) were seen so far.
    std::size_t truncations() const noexcept { return truncations_; }
    std::size_t rotations() const noexcept { return rotations_; }

    const std::filesystem::path& path() const noexcept { return path_; }
    /// The file being read and how far (offset 0 when none is open yet).
    file_position position() const noexcept {
        return {static_cast<std::uint64_t>(dev_), static_cast<std::uint64_t>(ino_),
                static_cast<std::int64_t>(offset_)};
    }

private:
    bool try_open(bool at_end, const std::optional<file_position>& resume = std::nullopt);
    void close_file() noexcept;
    void watch_file() noexcept;
    std::size_t read_fd(char* dest, std::size_t size);
    std::size_t check_at_end(char* dest, std::size_t size);
    std::size_t end_last_line(char* dest);
    void report(follow_event event);
    [[noreturn]] void throw_error(int err, const char* what) const;

    std::filesystem::path path_;
    std::function<void(follow_event, const std::filesystem::path&)> on_event_;
    int fd_ = -1;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    off_t offset_ = 0;
    bool last_was_newline_ = true; // the last byte read was '\n' (or nothing was read)
    bool vanished_ = false;        // reported that the path names no file
    bool reported_missing_ = false;
    int inotify_fd_ = -1;
    int dir_watch_ = -1;
    int file_watch_ = -1;
    std::size_t truncations_ = 0;
    std::size_t rotations_ = 0;
};

/// A blocking `byte_source` over a `file_follower`, for a `line_reader`:
/// reads what is there; when there is nothing, calls `on_idle`, then waits
/// in poll(2) on the follower's `wait_handle()` (and `stop_fd`), at most
/// `poll_interval_ms`, and tries again. Returns 0 (the end) only once
/// `stop_fd` is readable, which is checked before every read.
class follow_source final : public byte_source {
public:
    follow_source(std::filesystem::path path, follow_options options);
    std::size_t read_some(char* dest, std::size_t size) override;

    file_follower& follower() noexcept { return follower_; }

private:
    bool stop_requested() const;

    file_follower follower_;
    int stop_fd_;
    std::function<void()> on_idle_;
};

} // namespace coropipe::detail
