// David Beazley's follow -> grep -> printer pipeline ("A Curious Course on
// Coroutines and Concurrency"), in both of its forms:
//
//     # pull: generators                      # push: coroutines
//     def follow(thefile):                    def follow(thefile, target):
//         thefile.seek(0, 2)                      thefile.seek(0, 2)
//         while True:                             while True:
//             line = thefile.readline()               line = thefile.readline()
//             if not line:                            if not line:
//                 time.sleep(0.1)                         time.sleep(0.1)
//                 continue                                continue
//             yield line                              target.send(line)
//
//     for line in grep("python", follow(f)):  follow(f, grep("python", printer()))
//         print(line)
//
// A writer thread appends numbered lines to a temporary file, then "END".
// `follow` tails that file as it grows. Instead of Beazley's sleep-and-poll,
// it waits on a condition variable that the writer notifies after each
// append. To show that it really tails (rather than finding the whole file
// already written), the writer appends each piece only once `follow` has
// read everything before it and is waiting for more. Unlike Beazley's, this
// follow starts at the beginning of the file (it is created empty) and stops
// at the "END" line, so the program ends.
#include <coropipe/coroutine.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/grep.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace {

/// What the writer and `follow` tell each other about the file: how many
/// bytes it holds, whether the writer has finished, where the reader waits.
class tail_signal {
public:
    /// Writer: `bytes` more are in the file.
    void appended(std::size_t bytes) {
        {
            const std::lock_guard lock(mutex_);
            size_ += bytes;
        }
        changed_.notify_all();
    }

    /// Writer: nothing more will be appended.
    void finished() {
        {
            const std::lock_guard lock(mutex_);
            finished_ = true;
        }
        changed_.notify_all();
    }

    /// Writer: blocks until the reader has read everything and waits for
    /// more, or has gone.
    void wait_for_reader() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return reader_gone_ || waiting_at_ == size_; });
    }

    /// Reader: blocks until the file holds more than `offset` bytes. False
    /// if the writer finished without appending any.
    bool wait_for_data(std::size_t offset) {
        std::unique_lock lock(mutex_);
        ++waits_;
        waiting_at_ = offset;
        changed_.notify_all();
        changed_.wait(lock, [&] { return size_ > offset || finished_; });
        return size_ > offset;
    }

    /// Reader: stopped reading (at the end, early, or by an exception).
    void reader_gone() {
        {
            const std::lock_guard lock(mutex_);
            reader_gone_ = true;
        }
        changed_.notify_all();
    }

    int waits() const {
        const std::lock_guard lock(mutex_);
        return waits_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t size_ = 0;
    std::size_t waiting_at_ = std::string::npos;
    bool finished_ = false;
    bool reader_gone_ = false;
    int waits_ = 0;
};

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

/// Owns the reader's descriptor; tells the writer when the reader is gone.
struct reader_guard {
    int fd;
    tail_signal* signal;
    reader_guard(int f, tail_signal* s) noexcept : fd(f), signal(s) {}
    reader_guard(const reader_guard&) = delete;
    reader_guard& operator=(const reader_guard&) = delete;
    ~reader_guard() {
        ::close(fd);
        signal->reader_gone();
    }
};

/// Tails the file at `path`: yields each line (without its '\n') as it is
/// appended, until a line "END". When it has read everything written so
/// far, it blocks on `signal` until the writer appends more; a line written
/// in pieces is yielded once it is whole.
///
/// Lazy: opens the file at the first `begin()`/`next()`. Errors surface
/// there or at `++` as std::system_error naming the file. Destroying it
/// early closes the file. Parameters by value: the frame keeps them.
coropipe::generator<std::string_view> follow(std::filesystem::path path, tail_signal* signal) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        signal->reader_gone();
        throw_errno("open", path);
    }
    const reader_guard guard{fd, signal};
    std::string buffer;
    std::size_t offset = 0; // bytes read so far
    while (true) {
        std::size_t start = 0;
        for (std::size_t end; (end = buffer.find('\n', start)) != std::string::npos; start = end + 1) {
            const std::string_view line(buffer.data() + start, end - start);
            if (line == "END") {
                co_return;
            }
            co_yield line; // a view into `buffer`, valid until the next increment
        }
        buffer.erase(0, start); // keep only an incomplete last line

        const std::size_t kept = buffer.size();
        buffer.resize(kept + 4096);
        const ssize_t n = ::read(fd, buffer.data() + kept, 4096);
        buffer.resize(kept + static_cast<std::size_t>(n > 0 ? n : 0));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("read", path);
        }
        if (n == 0) {
            // Everything written so far is read: wait for the writer, no spin.
            if (!signal->wait_for_data(offset)) {
                co_return; // the writer finished without "END"
            }
            continue;
        }
        offset += static_cast<std::size_t>(n);
    }
}

/// Beazley's push form: follow the file and send each line to `target`,
/// then close it so that every stage finishes. Here the reading is the
/// `follow` generator above, driven by a loop instead of pulled by a
/// pipeline.
void follow_push(std::filesystem::path path, tail_signal* signal, coropipe::sink<std::string_view> target) {
    for (const std::string_view line : follow(std::move(path), signal)) {
        if (!target.send(line)) {
            break; // the sink finished early: stop reading
        }
    }
    target.close();
}

/// Beazley's printer(): a two-way sink coroutine, primed at creation.
coropipe::coroutine<void, std::string_view> printer() {
    while (true) {
        const std::string_view line = co_yield {};
        std::cout << line << '\n';
    }
}

void write_all(int fd, std::string_view text, const std::filesystem::path& path) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("write", path);
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// The writer thread: appends numbered lines, one of them in two pieces,
/// then "END", each piece once the reader waits for it.
void write_log(std::filesystem::path path, tail_signal* signal) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        signal->finished();
        return; // the reader's open fails too, or it sees no data: it ends
    }
    constexpr std::string_view pieces[] = {
        "1 starting up\n",       "2 python found in PATH\n", "3 loading modules\n",
        "4 python 3.11\n",       "5 serving requests\n",     "6 a python stack trace\n",
        "7 python ", /* then */ "rocks\n", "8 shutting down\n", "END\n",
    };
    for (const std::string_view piece : pieces) {
        signal->wait_for_reader();
        write_all(fd, piece, path);
        signal->appended(piece.size());
    }
    ::close(fd);
    signal->finished();
}

/// Creates an empty log, runs the writer thread and `consume(path, signal)`
/// at the same time, then removes the log.
template <class Consume>
void with_growing_log(const char* tag, Consume consume) {
    const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                       ("coropipe-follow-" + std::to_string(::getpid()) + "-" + tag + ".log");
    if (const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600); fd >= 0) {
        ::close(fd);
    } else {
        throw_errno("create", path);
    }
    tail_signal signal;
    {
        const std::jthread writer(write_log, path, &signal); // joined at the end of this block
        consume(path, &signal);
    }
    std::filesystem::remove(path);
    std::cout << "(follow waited for the writer " << signal.waits() << " times)\n";
}

} // namespace

int main() {
    std::cout << "pull: follow(log) | grep(\"python\") | printer()\n";
    with_growing_log("pull", [](const std::filesystem::path& path, tail_signal* signal) {
        // The printer pulls: each line it needs, grep asks of follow.
        follow(path, signal) | coropipe::grep("python") | printer();
    });

    std::cout << "push: follow_push(log, grep(\"python\") | printer())\n";
    with_growing_log("push", [](const std::filesystem::path& path, tail_signal* signal) {
        // follow pushes: each line it reads is sent through grep to printer.
        follow_push(path, signal, coropipe::grep("python") | printer());
    });
}
