#include <coropipe/stages/follow.hpp>

#include <coropipe/detail/follow.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stages/grep.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace fs = std::filesystem;
using coropipe::follow;
using coropipe::follow_event;
using coropipe::follow_options;
using coropipe::follow_start;
using coropipe::detail::file_follower;

namespace {

/// A scratch directory, removed with its files at scope exit.
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string pattern = (fs::temp_directory_path() / "coropipe-follow-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

void append(const fs::path& file, std::string_view text) {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    REQUIRE(out.good());
}

/// Truncates `file` to 0 in place, as copytruncate does.
void truncate_file(const fs::path& file) { fs::resize_file(file, 0); }

/// Records the events a follower reports.
struct event_log {
    std::vector<follow_event> events;
    auto callback() {
        return [this](follow_event e, const fs::path&) { events.push_back(e); };
    }
};

constexpr auto deadline_after = std::chrono::seconds(10);

/// Waits until the follower's wait handle is readable (an inotify event),
/// failing after 10 s: the follower's 1 s fallback is not what is tested.
void wait_for_change(file_follower& f, std::chrono::steady_clock::time_point deadline) {
    REQUIRE(f.wait_handle() >= 0);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{f.wait_handle(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0)));
    if (ready <= 0) {
        FAIL("no inotify event before the deadline");
    }
    f.drain_events();
}

/// Reads until `expected.size()` bytes have come, waiting on the wait handle
/// when there is nothing (with a deadline); returns what was read.
std::string read_bytes(file_follower& f, std::size_t expected) {
    const auto deadline = std::chrono::steady_clock::now() + deadline_after;
    std::string got;
    char buffer[7]; // small on purpose: reads are split across calls
    while (got.size() < expected) {
        if (const std::size_t n = f.read_available(buffer, sizeof buffer)) {
            got.append(buffer, n);
        } else {
            wait_for_change(f, deadline);
        }
    }
    return got;
}

/// Nothing more to read right now.
bool nothing_more(file_follower& f) {
    char c = 0;
    return f.read_available(&c, 1) == 0;
}

std::size_t open_descriptors() {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}));
}

/// A pipe whose read end is a `stop_fd`; `stop()` writes to it.
struct stop_pipe {
    int fd[2] = {-1, -1};
    stop_pipe() { REQUIRE(::pipe2(fd, O_CLOEXEC) == 0); }
    stop_pipe(const stop_pipe&) = delete;
    stop_pipe& operator=(const stop_pipe&) = delete;
    ~stop_pipe() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
    void stop() const { REQUIRE(::write(fd[1], "x", 1) == 1); }
};

} // namespace

// ---- file_follower, driven directly ------------------------------------------

TEST_CASE("file_follower reads what is there, then what is appended", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "one\ntwo\n");
    file_follower f(log);

    CHECK(read_bytes(f, 8) == "one\ntwo\n");
    CHECK(nothing_more(f));
    append(log, "three\n");
    CHECK(read_bytes(f, 6) == "three\n");
    append(log, "half");
    CHECK(read_bytes(f, 4) == "half");
    append(log, " done\n");
    CHECK(read_bytes(f, 6) == " done\n");
    CHECK(nothing_more(f));
    CHECK(f.truncations() == 0);
    CHECK(f.rotations() == 0);
}

TEST_CASE("file_follower reads a truncated file again from the start", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "first line\nsecond line\n");
    event_log events;
    file_follower f(log, follow_start::beginning, events.callback());
    CHECK(read_bytes(f, 23) == "first line\nsecond line\n");

    truncate_file(log);
    append(log, "after\n"); // shorter than what was read: a truncation
    CHECK(read_bytes(f, 6) == "after\n");
    CHECK(nothing_more(f));
    CHECK(f.truncations() == 1);
    CHECK(events.events == std::vector{follow_event::truncated});
}

TEST_CASE("file_follower ends a last line without newline before reading a truncated file", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "complete\npartial");
    file_follower f(log);
    CHECK(read_bytes(f, 16) == "complete\npartial");
    truncate_file(log);
    append(log, "new\n");
    CHECK(read_bytes(f, 5) == "\nnew\n");
}

TEST_CASE("file_follower reads the old file to its end, then the new one, across rename and create",
          "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "1\n");
    event_log events;
    file_follower f(log, follow_start::beginning, events.callback());
    CHECK(read_bytes(f, 2) == "1\n");

    // A logger still holds the old file: it writes before and after the
    // rename, and only then opens the new one.
    std::ofstream writer(log, std::ios::binary | std::ios::app);
    writer << "2\n" << std::flush;
    fs::rename(log, dir.path / "app.log.1");
    writer << "3\n" << std::flush;
    append(log, "4\n");
    writer << "late\n" << std::flush; // before the follower looks: still read

    CHECK(read_bytes(f, 11) == "2\n3\nlate\n4\n");
    CHECK(nothing_more(f));
    append(log, "5\n");
    CHECK(read_bytes(f, 2) == "5\n");
    CHECK(f.rotations() == 1);
    CHECK(events.events == std::vector{follow_event::replaced});
}

TEST_CASE("file_follower waits out a gap between the rename and the new file", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "old\n");
    event_log events;
    file_follower f(log, follow_start::beginning, events.callback());
    CHECK(read_bytes(f, 4) == "old\n");

    fs::rename(log, dir.path / "app.log.1");
    append(dir.path / "app.log.1", "still old\n");
    CHECK(read_bytes(f, 10) == "still old\n");
    CHECK(nothing_more(f));
    CHECK(events.events == std::vector{follow_event::vanished});

    append(log, "new\n");
    CHECK(read_bytes(f, 4) == "new\n");
    CHECK(events.events == std::vector{follow_event::vanished, follow_event::replaced});
}

TEST_CASE("file_follower ends the old file's last line without newline before the new file", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "no newline");
    file_follower f(log);
    CHECK(read_bytes(f, 10) == "no newline");
    fs::rename(log, dir.path / "app.log.1");
    append(log, "next\n");
    CHECK(read_bytes(f, 6) == "\nnext\n");
}

TEST_CASE("file_follower waits for a missing file and reads it from the start", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "later.log";
    event_log events;
    file_follower f(log, follow_start::end, events.callback());
    CHECK(events.events == std::vector{follow_event::missing});
    CHECK(nothing_more(f));

    append(log, "here\nnow\n");
    CHECK(read_bytes(f, 9) == "here\nnow\n");
    CHECK(events.events == std::vector{follow_event::missing, follow_event::appeared});
    append(log, "more\n");
    CHECK(read_bytes(f, 5) == "more\n");
}

TEST_CASE("file_follower from the end reads only what is appended", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "old\nlines\n");
    file_follower f(log, follow_start::end);
    CHECK(nothing_more(f));
    append(log, "new\n");
    CHECK(read_bytes(f, 4) == "new\n");
}

TEST_CASE("file_follower reports a read error with the path", "[stage][follow]") {
    temp_dir dir;
    file_follower f(dir.path); // a directory: read(2) fails with EISDIR
    char buffer[16];
    CHECK_THROWS_AS(f.read_available(buffer, sizeof buffer), std::system_error);
    try {
        f.read_available(buffer, sizeof buffer);
    } catch (const std::system_error& e) {
        CHECK(std::string(e.what()).find(dir.path.string()) != std::string::npos);
        CHECK(e.code() == std::errc::is_a_directory);
    }
}

TEST_CASE("file_follower closes its descriptors when destroyed", "[stage][follow]") {
    temp_dir dir;
    append(dir.path / "app.log", "x\n");
    const std::size_t before = open_descriptors();
    {
        file_follower f(dir.path / "app.log");
        CHECK(open_descriptors() == before + 2); // the file and inotify
    }
    CHECK(open_descriptors() == before);
}

// ---- follow(), the source ----------------------------------------------------

TEST_CASE("follow yields the whole lines there, then those appended, until stopped", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "a\nb\n");
    stop_pipe stop;
    int idle = 0;
    follow_options options;
    options.stop_fd = stop.fd[0];
    options.on_idle = [&] {
        // Called once everything there has been read: grow the file once,
        // then stop. Single-threaded, no sleep.
        if (++idle == 1) {
            append(log, "c\nd");
        } else {
            stop.stop();
        }
    };
    std::vector<std::string> got;
    for (std::string_view line : follow(log, std::move(options))) {
        got.emplace_back(line);
    }
    // "d" has no '\n' yet: a line still being written is not passed.
    CHECK(got == std::vector<std::string>{"a", "b", "c"});
    CHECK(idle == 2);
}

TEST_CASE("follow from the end yields only the new lines", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "old\n");
    stop_pipe stop;
    follow_options options;
    options.start = follow_start::end;
    options.stop_fd = stop.fd[0];
    bool grown = false;
    options.on_idle = [&] {
        if (!grown) {
            grown = true;
            append(log, "new\n");
        } else {
            stop.stop();
        }
    };
    std::vector<std::string> got;
    for (std::string_view line : follow(log, std::move(options))) {
        got.emplace_back(line);
    }
    CHECK(got == std::vector<std::string>{"new"});
}

TEST_CASE("follow pipes into stages and stops before a backlog when asked", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    std::string text;
    for (int i = 0; i < 50000; ++i) {
        text += (i % 2 == 0 ? "keep " : "drop ") + std::to_string(i) + "\n";
    }
    append(log, text);
    stop_pipe stop;
    follow_options options;
    options.stop_fd = stop.fd[0];
    auto lines = follow(log, std::move(options)) | coropipe::grep("keep");
    std::size_t n = 0;
    for (std::string_view line : lines) {
        CHECK(line == "keep " + std::to_string(2 * n));
        if (++n == 10) {
            stop.stop(); // the rest of the first 64 KiB still comes, then the end
        }
    }
    CHECK(n >= 10);
    CHECK(n < 25000);
}

TEST_CASE("follow is lazy and closes the file when destroyed early", "[stage][follow]") {
    temp_dir dir;
    const fs::path log = dir.path / "app.log";
    append(log, "1\n2\n3\n");
    const std::size_t before = open_descriptors();
    event_log events;
    {
        follow_options options;
        options.on_event = events.callback();
        auto missing = follow(dir.path / "missing.log", options);
        CHECK(events.events.empty()); // nothing looked at before begin()

        auto lines = follow(log);
        CHECK(open_descriptors() == before);
        auto it = lines.begin();
        CHECK(*it == "1");
        CHECK(open_descriptors() == before + 2);
    }
    CHECK(open_descriptors() == before);
}

TEST_CASE("follow surfaces a read error from begin as std::system_error", "[stage][follow]") {
    temp_dir dir;
    auto lines = follow(dir.path);
    CHECK_THROWS_AS(lines.begin(), std::system_error);
}

TEST_CASE("describe names every follow event", "[stage][follow]") {
    for (follow_event e : {follow_event::missing, follow_event::appeared, follow_event::vanished,
                           follow_event::replaced, follow_event::truncated}) {
        CHECK(std::string_view(coropipe::describe(e)).size() > 5);
    }
    CHECK(std::string_view(coropipe::describe(follow_event::truncated)).starts_with("file truncated"));
}
