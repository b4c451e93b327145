// coropipe::run_files (coropipe/text_pipeline.hpp): a planned pipeline over
// real files, standard input and a followed file, written to real
// descriptors (files and pipes), with the utility's options.
#include <coropipe/text_pipeline.hpp>

#include "temp_file.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

using namespace std::literals;
using coropipe::file_run_options;
using coropipe::file_run_result;
using coropipe::run_files;
using coropipe::text_pipeline;
using coropipe::test::temp_file;

namespace {

/// A descriptor opened for appending to a temp file, closed at scope exit.
struct out_file {
    temp_file file;
    int fd = ::open(file.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    out_file() { REQUIRE(fd >= 0); }
    out_file(const out_file&) = delete;
    out_file& operator=(const out_file&) = delete;
    ~out_file() { ::close(fd); }
    std::string read() const { return file.read(); }
};

/// A pipe; both ends closed at scope exit.
struct pipe_pair {
    int read_end = -1;
    int write_end = -1;
    pipe_pair() {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        read_end = fds[0];
        write_end = fds[1];
    }
    pipe_pair(const pipe_pair&) = delete;
    pipe_pair& operator=(const pipe_pair&) = delete;
    ~pipe_pair() {
        close_read();
        close_write();
    }
    void close_read() {
        if (read_end >= 0) {
            ::close(std::exchange(read_end, -1));
        }
    }
    void close_write() {
        if (write_end >= 0) {
            ::close(std::exchange(write_end, -1));
        }
    }
    void write(std::string_view bytes) const {
        while (!bytes.empty()) {
            const ssize_t n = ::write(write_end, bytes.data(), bytes.size());
            REQUIRE(n > 0);
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
};

/// Reads `fd` until `got` ends with `expected`, for at most 20 s (fails loudly).
void read_until(int fd, std::string& got, std::string_view expected) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!std::string_view(got).ends_with(expected)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        REQUIRE(left.count() > 0);
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        REQUIRE(ready >= 0);
        if (ready == 0) {
            continue;
        }
        char buffer[4096];
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        REQUIRE(n > 0);
        got.append(buffer, static_cast<std::size_t>(n));
    }
    CHECK(std::string_view(got).ends_with(expected));
}

/// Standard input comes from `fd` while this lives.
struct stdin_from {
    int saved = ::dup(0);
    explicit stdin_from(int fd) {
        REQUIRE(saved >= 0);
        REQUIRE(::dup2(fd, 0) == 0);
    }
    stdin_from(const stdin_from&) = delete;
    stdin_from& operator=(const stdin_from&) = delete;
    ~stdin_from() {
        ::dup2(saved, 0);
        ::close(saved);
    }
};

/// What on_input_event was told, from any thread.
struct input_log {
    struct event {
        std::string file;
        std::error_code code;
        std::string what;
    };
    std::mutex mutex;
    std::vector<event> events;
    file_run_options options(file_run_options o = {}) {
        o.on_input_event = [this](const std::string& file, std::error_code code, std::string_view what) {
            std::lock_guard lock(mutex);
            events.push_back({file, code, std::string(what)});
        };
        return o;
    }
    std::vector<event> taken() {
        std::lock_guard lock(mutex);
        return events;
    }
    bool any_failure() {
        std::lock_guard lock(mutex);
        return std::any_of(events.begin(), events.end(), [](const event& e) { return bool(e.code); });
    }
};

/// SIGPIPE ignored while this lives: a write to a closed pipe gives EPIPE.
struct sigpipe_ignored {
    void (*saved)(int) = std::signal(SIGPIPE, SIG_IGN);
    ~sigpipe_ignored() { std::signal(SIGPIPE, saved); }
};

} // namespace

TEST_CASE("run_files reads the files in order as one stream and writes the output to the descriptor",
          "[text][run_files]") {
    const temp_file a("x1\ny\nx2\n");
    const temp_file b("z\nx3\n");
    for (const bool fast : {true, false}) {
        out_file out;
        const file_run_result r = run_files(text_pipeline("grep x", {.fast_paths = fast}), {a.path, b.path}, out.fd);
        CHECK(out.read() == "x1\nx2\nx3\n");
        CHECK(r.lines_out == 3);
        CHECK_FALSE(r.input_failed);
    }
}

TEST_CASE("run_files ends a file's last line at the end of the file, as a line of its own", "[text][run_files]") {
    const temp_file a("x1\nx2");
    const temp_file b("x3\n");
    out_file out;
    const file_run_result r = run_files(text_pipeline("print"), {a.path, b.path}, out.fd);
    CHECK(out.read() == "x1\nx2\nx3\n");
    CHECK(r.lines_out == 3);
}

TEST_CASE("run_files reads standard input for - and for no files", "[text][run_files][stdin]") {
    const temp_file a("a\n");
    const temp_file in("from stdin\n");
    SECTION("between two files") {
        const int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
        REQUIRE(fd >= 0);
        const stdin_from redirect(fd);
        ::close(fd);
        out_file out;
        (void)run_files(text_pipeline("print"), {a.path, "-", a.path}, out.fd);
        CHECK(out.read() == "a\nfrom stdin\na\n");
    }
    SECTION("no files at all") {
        pipe_pair p;
        const stdin_from redirect(p.read_end);
        p.write("piped\nlines\n");
        p.close_write();
        out_file out;
        const file_run_result r = run_files(text_pipeline("grep i"), {}, out.fd);
        CHECK(out.read() == "piped\nlines\n");
        CHECK(r.lines_out == 2);
    }
}

TEST_CASE("A file that cannot be opened or read is reported and the next file is read", "[text][run_files][errors]") {
    const temp_file a("one\n");
    const temp_file b("two\n");
    const std::string missing = a.path + ".missing";
    const std::string directory = std::filesystem::temp_directory_path().string();
    input_log log;
    out_file out;
    const file_run_result r =
        run_files(text_pipeline("print"), {a.path, missing, directory, b.path}, out.fd, log.options());
    CHECK(out.read() == "one\ntwo\n");
    CHECK(r.lines_out == 2);
    CHECK(r.input_failed);
    const auto events = log.taken();
    REQUIRE(events.size() == 2);
    CHECK(events[0].file == missing);
    CHECK(events[0].code == std::errc::no_such_file_or_directory);
    CHECK(events[1].file == directory);
    CHECK(events[1].code == std::errc::is_a_directory);
}

TEST_CASE("count_only counts the output lines and writes nothing", "[text][run_files]") {
    const temp_file a("x1\ny\nx2\nx2\n");
    const std::map<std::string, std::uint64_t> counts = {{"grep x", 3}, {"grep x | uniq", 2}, {"count", 4}};
    for (const auto& [text, lines] : counts) {
        CAPTURE(text);
        out_file out;
        file_run_options o;
        o.count_only = true;
        const file_run_result r = run_files(text_pipeline(text), {a.path}, out.fd, o);
        CHECK(out.read().empty());
        CHECK(r.lines_out == lines);
    }
}

TEST_CASE("stop_at_first stops at the first output line, writing nothing and reading no further",
          "[text][run_files]") {
    const temp_file a("y\nx\nx\n");
    const std::string missing = a.path + ".missing";
    for (const std::string text : {"grep x", "grep x | head 5", "uniq | grep x"}) {
        CAPTURE(text);
        input_log log;
        out_file out;
        file_run_options o = log.options();
        o.stop_at_first = true;
        const file_run_result r = run_files(text_pipeline(text), {a.path, missing}, out.fd, o);
        CHECK(out.read().empty());
        CHECK(r.lines_out >= 1);
        CHECK(log.taken().empty()); // the missing file was never opened
    }
    SECTION("nothing matches: every file is read") {
        input_log log;
        out_file out;
        file_run_options o = log.options();
        o.stop_at_first = true;
        const file_run_result r = run_files(text_pipeline("grep nothing"), {a.path, missing}, out.fd, o);
        CHECK(r.lines_out == 0);
        CHECK(r.input_failed);
        CHECK(log.taken().size() == 1);
    }
}

TEST_CASE("A pipeline that ends early reads no further file", "[text][run_files][head]") {
    const temp_file a("1\n2\n3\n");
    const std::string missing = a.path + ".missing";
    input_log log;
    out_file out;
    const file_run_result r = run_files(text_pipeline("head 2"), {a.path, missing}, out.fd, log.options());
    CHECK(out.read() == "1\n2\n");
    CHECK(r.lines_out == 2);
    CHECK_FALSE(r.input_failed);
}

TEST_CASE("Files of many blocks and lines longer than a block give the same output planned and per line",
          "[text][run_files]") {
    std::string text;
    for (int i = 0; i < 30000; ++i) {
        text += "n=" + std::to_string(i % 977) + (i % 7 == 0 ? " ERROR " : " info ") + std::to_string(i) + "\n";
        if (i == 12345) {
            text += "n=5 ERROR " + std::string(200 * 1024, 'L') + "\n";
        }
    }
    const temp_file a(text);
    for (const std::string pipeline : {"grep ERROR", "grep -v ERROR | max n", "prefix n=9 | count --final",
                                       "grep -i error | sum n | head 100"}) {
        CAPTURE(pipeline);
        out_file fast;
        out_file slow;
        const file_run_result rf = run_files(text_pipeline(pipeline), {a.path}, fast.fd);
        const file_run_result rs = run_files(text_pipeline(pipeline, {.fast_paths = false}), {a.path}, slow.fd);
        CHECK(rf.lines_out == rs.lines_out);
        CHECK(rf.lines_out > 0);
        CHECK(fast.read() == slow.read());
    }
}

TEST_CASE("line_buffered writes each output line while the input is still open", "[text][run_files][stdin]") {
    pipe_pair in;
    pipe_pair out;
    const stdin_from redirect(in.read_end);
    file_run_options o;
    o.line_buffered = true;
    auto done = std::async(std::launch::async, [&] { return run_files(text_pipeline("grep x"), {"-"}, out.write_end, o); });
    std::string got;
    in.write("x1\nskip\n");
    read_until(out.read_end, got, "x1\n"); // before any more input
    in.write("x2\n");
    read_until(out.read_end, got, "x1\nx2\n");
    in.close_write();
    REQUIRE(done.wait_for(20s) == std::future_status::ready);
    CHECK(done.get().lines_out == 2);
}

TEST_CASE("follow reads what is appended and what a rotation brings until stop_fd is readable",
          "[text][run_files][follow]") {
    const temp_file f("a\n");
    pipe_pair out;
    pipe_pair stop;
    input_log log;
    file_run_options o = log.options();
    o.follow = true;
    o.stop_fd = stop.read_end;
    auto done = std::async(std::launch::async, [&] { return run_files(text_pipeline("grep -v skip"), {f.path}, out.write_end, o); });
    std::string got;
    read_until(out.read_end, got, "a\n"); // what was there, written before the follower waits
    std::ofstream(f.path, std::ios::app) << "skip\nb\n";
    read_until(out.read_end, got, "a\nb\n");
    // Rotation: the file is renamed and a new one created in its place.
    const std::string rotated = f.path + ".1";
    std::filesystem::rename(f.path, rotated);
    std::ofstream(f.path) << "c\n";
    read_until(out.read_end, got, "a\nb\nc\n");
    stop.write("x");
    REQUIRE(done.wait_for(20s) == std::future_status::ready);
    const file_run_result r = done.get();
    CHECK(r.lines_out == 3);
    CHECK_FALSE(r.input_failed);
    CHECK_FALSE(log.any_failure());
    const auto events = log.taken();
    CHECK(std::any_of(events.begin(), events.end(), [](const input_log::event& e) { return !e.what.empty(); }));
    std::filesystem::remove(rotated);
}

TEST_CASE("An output write error throws EPIPE after what was output before", "[text][run_files][errors]") {
    const sigpipe_ignored ignored;
    std::string big;
    for (int i = 0; i < 100000; ++i) {
        big += "line " + std::to_string(i) + "\n";
    }
    const temp_file a(big);
    pipe_pair out;
    out.close_read();
    try {
        (void)run_files(text_pipeline("print"), {a.path}, out.write_end);
        FAIL("no error");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::broken_pipe);
    }
}

TEST_CASE("A write error while following is an output error, not an input error", "[text][run_files][follow][errors]") {
    const sigpipe_ignored ignored;
    const temp_file f("a\n");
    pipe_pair out;
    out.close_read();
    pipe_pair stop; // never written: the write error ends the run
    input_log log;
    SECTION("line-buffered: the error comes from writing after a feed") {
        file_run_options o = log.options();
        o.follow = true;
        o.line_buffered = true;
        o.stop_fd = stop.read_end;
        CHECK_THROWS_AS(run_files(text_pipeline("print"), {f.path}, out.write_end, o), std::system_error);
    }
    SECTION("block-buffered: the error comes from the flush before the follower waits") {
        file_run_options o = log.options();
        o.follow = true;
        o.stop_fd = stop.read_end;
        CHECK_THROWS_AS(run_files(text_pipeline("print"), {f.path}, out.write_end, o), std::system_error);
    }
    CHECK_FALSE(log.any_failure());
}
