// Golden tests of `coropipe -f`: the real binary follows a real file while
// the test grows, rotates and truncates it. Every step waits for the
// child's output (or its notice on stderr) with a deadline; no sleeps.

#include "child_process.hpp"
#include "running_child.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

using coropipe::test::process_result;
using coropipe::test::run_options;
using coropipe::test::run_process;
using coropipe::test::running_child;
using coropipe::test::temp_dir;

namespace {

const std::string binary = COROPIPE_BINARY_DIR "/pipelines/coropipe";

void require_binary() {
    if (::access(binary.c_str(), X_OK) != 0) {
        FAIL("no program at " << binary << ": build the target coropipe_cli first");
    }
}

/// Appends numbered lines to a file, every third one "drop N" and the others
/// "keep N"; `expected` collects the kept ones, in order.
struct numbered_writer {
    int next = 0;
    std::string expected;

    void write(std::ostream& out, int count) {
        for (int i = 0; i < count; ++i, ++next) {
            const std::string line = (next % 3 == 2 ? "drop " : "keep ") + std::to_string(next) + "\n";
            out << line;
            if (next % 3 != 2) {
                expected += line;
            }
        }
        out.flush();
        REQUIRE(out.good());
    }
    void append_to(const std::string& file, int count) {
        std::ofstream out(file, std::ios::binary | std::ios::app);
        write(out, count);
    }
};

} // namespace

TEST_CASE("coropipe -f follows growth, rename+create rotation and truncation, every line exactly once",
          "[pipelines][coropipe][follow]") {
    require_binary();
    temp_dir dir;
    const std::string log = dir.path("app.log");
    numbered_writer w;
    w.append_to(log, 100);

    running_child child({binary, "-f", "grep keep", log});
    child.wait_for_out_size(w.expected);
    CHECK(child.out == w.expected);

    // Growth: output that is not a terminal is buffered, and still comes
    // out while coropipe waits for more.
    w.append_to(log, 100);
    child.wait_for_out_size(w.expected);
    CHECK(child.out == w.expected);

    // Rotation, as a logger and logrotate's `create` do it: the logger
    // writes to the old file before and after the rename, then opens a new
    // file at the path.
    {
        std::ofstream old_file(log, std::ios::binary | std::ios::app);
        w.write(old_file, 50);
        std::filesystem::rename(log, dir.path("app.log.1"));
        w.write(old_file, 50);
    }
    w.append_to(log, 50);
    child.wait_for_out_size(w.expected);
    CHECK(child.out == w.expected);
    CHECK(running_child::occurrences(child.err, "app.log: file replaced; following the new file") == 1);

    // Truncation, as logrotate's `copytruncate` does it: copy, truncate in
    // place; the logger goes on appending. Wait for coropipe to have seen
    // the truncation before writing: a truncated file refilled past the
    // old size before the follower looks is not told from growth (as with
    // tail).
    std::filesystem::copy_file(log, dir.path("app.log.2"));
    std::filesystem::resize_file(log, 0);
    child.wait_for_err("app.log: file truncated; reading from the start");
    w.append_to(log, 60);
    child.wait_for_out_size(w.expected);
    CHECK(child.out == w.expected);

    w.append_to(log, 30);
    child.wait_for_out_size(w.expected);

    child.signal(SIGTERM);
    CHECK(child.wait_exit() == 0);
    CHECK(child.out == w.expected);
    CHECK(running_child::occurrences(child.err, "truncated") == 1);
}

TEST_CASE("coropipe -f waits for a missing file and reads it from the start when it appears",
          "[pipelines][coropipe][follow]") {
    require_binary();
    temp_dir dir;
    const std::string log = dir.path("later.log");
    running_child child({binary, "-f", "print", log});
    child.wait_for_err(log + ": no such file yet; waiting for it");

    std::ofstream(log, std::ios::binary) << "hello\nworld\n";
    child.wait_for_out_size("hello\nworld\n");
    CHECK(child.out == "hello\nworld\n");
    CHECK(child.err.find(log + ": file appeared; following it") != std::string::npos);

    child.signal(SIGINT);
    CHECK(child.wait_exit() == 0);
    CHECK(child.out == "hello\nworld\n");
}

TEST_CASE("coropipe -f stopped by SIGINT with no line output exits 1", "[pipelines][coropipe][follow]") {
    require_binary();
    temp_dir dir;
    const std::string log = dir.path("quiet.log");
    running_child child({binary, "-f", "grep ERROR", log});
    child.wait_for_err("no such file yet");
    child.signal(SIGINT);
    CHECK(child.wait_exit() == 1);
    CHECK(child.out.empty());
}

TEST_CASE("coropipe -f writes a final aggregate when stopped by SIGTERM", "[pipelines][coropipe][follow]") {
    require_binary();
    temp_dir dir;
    const std::string log = dir.path("app.log");
    running_child child({binary, "-f", "min --final latency_ms", log});
    child.wait_for_err("no such file yet");

    // Moved in whole: coropipe tells that the file appeared right before it
    // reads it, so once the notice is out, the lines are read before the
    // signal is looked at.
    temp_dir writer_side;
    std::filesystem::rename(writer_side.write("ready.log", "latency_ms=5\nlatency_ms=3\nlatency_ms=9\n"), log);
    child.wait_for_err("file appeared");
    child.signal(SIGTERM);
    CHECK(child.wait_exit() == 0);
    CHECK(child.out == "3\n");
}

TEST_CASE("coropipe -f ends by itself when the pipeline does", "[pipelines][coropipe][follow]") {
    require_binary();
    temp_dir dir;
    const std::string log = dir.write("app.log", "a\nb\nc\n");
    const process_result head = run_process({binary, "-f", "head 2", log});
    CHECK(head.out == "a\nb\n");
    CHECK(head.status == 0);
    const process_result quiet = run_process({binary, "-f", "-q", "grep b", log});
    CHECK(quiet.out.empty());
    CHECK(quiet.status == 0);
}

TEST_CASE("coropipe -f on standard input reads it to its end", "[pipelines][coropipe][follow]") {
    require_binary();
    run_options options;
    options.input = "a\nb\n";
    for (const std::vector<std::string>& args : {std::vector<std::string>{binary, "-f", "print"},
                                                 std::vector<std::string>{binary, "--follow", "print", "-"}}) {
        const process_result r = run_process(args, options);
        CHECK(r.out == "a\nb\n");
        CHECK(r.err.empty());
        CHECK(r.status == 0);
    }
}

TEST_CASE("coropipe -f with several files is a usage error", "[pipelines][coropipe][follow]") {
    require_binary();
    temp_dir dir;
    const std::string a = dir.write("a.log", "a\n");
    const std::string b = dir.write("b.log", "b\n");
    const process_result r = run_process({binary, "-f", "print", a, b});
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: -f follows one FILE, not 2\n");
    CHECK(r.status == 2);
}

TEST_CASE("coropipe -f reports a file it cannot read and exits 2", "[pipelines][coropipe][follow]") {
    require_binary();
    temp_dir dir;
    const process_result r = run_process({binary, "-f", "print", dir.path("")});
    CHECK(r.out.empty());
    CHECK(r.err.find("Is a directory") != std::string::npos);
    CHECK(r.status == 2);
}
