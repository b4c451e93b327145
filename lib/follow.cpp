#include <coropipe/detail/follow.hpp>

#include <coropipe/detail/line_reader.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/stages/follow.hpp>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coropipe {

const char* describe(follow_event event) noexcept {
    switch (event) {
    case follow_event::missing:
        return "no such file yet; waiting for it";
    case follow_event::appeared:
        return "file appeared; following it";
    case follow_event::vanished:
        return "file removed or renamed; reading it until a new one appears";
    case follow_event::replaced:
        return "file replaced; following the new file";
    case follow_event::truncated:
        return "file truncated; reading from the start";
    }
    return "?";
}

namespace detail {

namespace {

constexpr std::uint32_t file_events = IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF;
constexpr std::uint32_t dir_events = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;

std::filesystem::path directory_of(const std::filesystem::path& path) {
    std::filesystem::path dir = path.parent_path();
    return dir.empty() ? std::filesystem::path(".") : dir;
}

} // namespace

file_follower::file_follower(std::filesystem::path path, follow_start start,
                             std::function<void(follow_event, const std::filesystem::path&)> on_event,
                             std::optional<file_position> resume)
    : path_(std::move(path)),
      on_event_(std::move(on_event)) {
    // Without inotify (or without the directory), the caller's poll times
    // out every poll_interval_ms instead: slower, still correct.
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ >= 0) {
        dir_watch_ = ::inotify_add_watch(inotify_fd_, directory_of(path_).c_str(), dir_events);
    }
    try {
        if (!try_open(start == follow_start::end, resume)) {
            reported_missing_ = true;
            report(follow_event::missing);
        }
    } catch (...) {
        close_file();
        if (inotify_fd_ >= 0) {
            ::close(inotify_fd_);
        }
        throw;
    }
}

file_follower::~file_follower() {
    close_file();
    if (inotify_fd_ >= 0) {
        ::close(inotify_fd_); // removes the watches
    }
}

bool file_follower::try_open(bool at_end, const std::optional<file_position>& resume) {
    int fd = -1;
    do {
        fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == ENOENT) {
            return false;
        }
        throw_error(errno, "cannot open");
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw_error(err, "cannot stat");
    }
    fd_ = fd;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = 0;
    last_was_newline_ = true;
    vanished_ = false;
    if (resume && S_ISREG(st.st_mode) && resume->device == static_cast<std::uint64_t>(st.st_dev) &&
        resume->inode == static_cast<std::uint64_t>(st.st_ino) && resume->offset <= st.st_size) {
        offset_ = ::lseek(fd_, static_cast<off_t>(resume->offset), SEEK_SET);
        if (offset_ < 0) {
            throw_error(errno, "cannot seek");
        }
    } else if (resume && S_ISREG(st.st_mode)) {
        // Another file (rotated meanwhile) or a shorter one: from its start.
    } else if (at_end && S_ISREG(st.st_mode)) {
        offset_ = ::lseek(fd_, 0, SEEK_END);
        if (offset_ < 0) {
            throw_error(errno, "cannot seek");
        }
    }
    watch_file();
    return true;
}

void file_follower::watch_file() noexcept {
    if (inotify_fd_ < 0) {
        return;
    }
    if (file_watch_ >= 0) {
        // Fails harmlessly if the old file is gone and took its watch along.
        ::inotify_rm_watch(inotify_fd_, file_watch_);
    }
    // By path: if the path was replaced since the open, this watches the new
    // file; the next look at the end (stat vs fstat) switches to it.
    file_watch_ = ::inotify_add_watch(inotify_fd_, path_.c_str(), file_events);
    if (dir_watch_ < 0) { // the directory was missing at first
        dir_watch_ = ::inotify_add_watch(inotify_fd_, directory_of(path_).c_str(), dir_events);
    }
}

void file_follower::close_file() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void file_follower::drain_events() noexcept {
    if (inotify_fd_ < 0) {
        return;
    }
    // The events are not looked at: every wake-up looks at the file itself.
    alignas(inotify_event) char buffer[4096];
    while (::read(inotify_fd_, buffer, sizeof buffer) > 0 || errno == EINTR) {
    }
}

std::size_t file_follower::read_fd(char* dest, std::size_t size) {
    for (;;) {
        const ssize_t n = ::read(fd_, dest, size);
        if (n > 0) {
            offset_ += n;
            last_was_newline_ = dest[n - 1] == '\n';
            return static_cast<std::size_t>(n);
        }
        if (n == 0) {
            return 0;
        }
        if (errno != EINTR) {
            throw_error(errno, "cannot read");
        }
    }
}

std::size_t file_follower::read_available(char* dest, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    if (fd_ < 0) {
        if (!try_open(false)) {
            return 0; // still missing
        }
        report(follow_event::appeared);
    }
    if (const std::size_t n = read_fd(dest, size)) {
        return n;
    }
    return check_at_end(dest, size);
}

std::size_t file_follower::end_last_line(char* dest) {
    dest[0] = '\n';
    last_was_newline_ = true;
    return 1;
}

// At the end of the data: truncated? rotated? Otherwise there is just
// nothing new yet.
std::size_t file_follower::check_at_end(char* dest, std::size_t size) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        throw_error(errno, "cannot stat");
    }
    if (S_ISREG(st.st_mode) && st.st_size < offset_) {
        if (!last_was_newline_) {
            return end_last_line(dest);
        }
        if (::lseek(fd_, 0, SEEK_SET) < 0) {
            throw_error(errno, "cannot seek");
        }
        offset_ = 0;
        ++truncations_;
        report(follow_event::truncated);
        return read_fd(dest, size);
    }
    struct stat now {};
    if (::stat(path_.c_str(), &now) != 0) {
        if (errno != ENOENT) {
            throw_error(errno, "cannot stat");
        }
        // Renamed away or removed: whoever still writes to it may go on
        // until a new file appears.
        if (!vanished_) {
            vanished_ = true;
            report(follow_event::vanished);
        }
        return 0;
    }
    vanished_ = false;
    if (now.st_dev == dev_ && now.st_ino == ino_) {
        return 0;
    }
    // Rotated. What was written to the old file between the read that
    // returned 0 and the rename is still to be read: drain it first.
    if (const std::size_t n = read_fd(dest, size)) {
        return n;
    }
    if (!last_was_newline_) {
        return end_last_line(dest);
    }
    close_file();
    if (!try_open(false)) {
        return 0; // gone again already: read_available waits for the next one
    }
    ++rotations_;
    report(follow_event::replaced);
    return read_fd(dest, size);
}

void file_follower::report(follow_event event) {
    if (on_event_) {
        on_event_(event, path_);
    }
}

void file_follower::throw_error(int err, const char* what) const {
    throw std::system_error(err, std::system_category(), std::string("follow: ") + what + " '" + path_.string() + "'");
}

// ---- follow_source -----------------------------------------------------------

follow_source::follow_source(std::filesystem::path path, follow_options options)
    : follower_(std::move(path), options.start, std::move(options.on_event), options.resume),
      stop_fd_(options.stop_fd),
      on_idle_(std::move(options.on_idle)) {}

bool follow_source::stop_requested() const {
    if (stop_fd_ < 0) {
        return false;
    }
    pollfd p{stop_fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

std::size_t follow_source::read_some(char* dest, std::size_t size) {
    for (;;) {
        if (stop_requested()) {
            return 0;
        }
        if (const std::size_t n = follower_.read_available(dest, size)) {
            return n;
        }
        if (on_idle_) {
            on_idle_();
        }
        // Always with a timeout, even with inotify: it does not see every
        // change (another host writing over NFS, a directory that appears).
        pollfd fds[2] = {{follower_.wait_handle(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (::poll(fds, 2, file_follower::poll_interval_ms) < 0 && errno != EINTR) {
            throw std::system_error(errno, std::system_category(), "follow: poll");
        }
        follower_.drain_events();
    }
}

// The coroutine body is thin, as for lines(path): the reader (and with it
// the file and the inotify descriptor) is created at the first begin() and
// destroyed with the generator, even early.
//
// Only whole lines come out: the end here is a stop, which may fall in the
// middle of a line (of a chunk of backlog, or of a line being written), so
// the bytes after the last '\n' are dropped rather than passed as a line.
// (next_buffered searches a line from its start after each fill: a line of
// many chunks costs more than with next(); log lines are short.)
generator<std::string_view> follow_path(std::filesystem::path path, follow_options options) {
    line_reader reader(std::make_unique<follow_source>(std::move(path), std::move(options)));
    do {
        while (std::optional<std::string_view> line = reader.next_buffered()) {
            co_yield *line;
        }
    } while (reader.fill());
}

} // namespace detail

} // namespace coropipe
