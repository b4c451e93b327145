#pragma once
// A child process the test talks to while it runs (a followed file, the
// daemon): stdout and stderr are pipes read as the test waits on them,
// with a deadline, never a sleep.

#include "child_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
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

namespace coropipe::test {

/// A child process that keeps running while the test talks to it: stdin is
/// /dev/null, stdout and stderr are pipes read as the test waits on them.
/// The destructor kills a child still running.
class running_child {
public:
    explicit running_child(std::vector<std::string> argv) {
        posix_spawn_file_actions_t actions;
        coropipe::test::detail::check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out_.fd[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err_.fd[1], 2);
        std::vector<char*> args;
        for (std::string& a : argv) {
            args.push_back(a.data());
        }
        args.push_back(nullptr);
        const int spawned = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        coropipe::test::detail::check(spawned, "posix_spawn");
        out_.close(1);
        err_.close(1);
    }
    running_child(const running_child&) = delete;
    running_child& operator=(const running_child&) = delete;
    ~running_child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }

    /// Reads the child's output until `done()` holds; fails the test after
    /// 10 seconds, or if the child closes its output first.
    void wait_until(const std::function<bool()>& done, const std::string& what) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!done()) {
            if (!read_some(deadline)) {
                FAIL("gave up waiting for " << what << "\n--- stdout:\n" << out << "--- stderr:\n" << err);
            }
        }
    }

    /// Waits until stdout holds at least `expected.size()` bytes.
    void wait_for_out_size(const std::string& expected) {
        wait_until([&] { return out.size() >= expected.size(); }, "stdout to reach " + expected.substr(0, 60) + "...");
    }

    /// Waits until stderr holds `text` at least `times` times.
    void wait_for_err(const std::string& text, std::size_t times = 1) {
        wait_until([&] { return occurrences(err, text) >= times; }, "stderr to say '" + text + "'");
    }

    void signal(int sig) const { REQUIRE(::kill(pid_, sig) == 0); }

    pid_t pid() const noexcept { return pid_; }

    /// Reads to the end of both pipes, then reaps the child: its exit
    /// status, or 128 + the signal that killed it.
    int wait_exit() {
        wait_until([&] { return out_.fd[0] == -1 && err_.fd[0] == -1; }, "the child to exit");
        int status = 0;
        REQUIRE(::waitpid(pid_, &status, 0) == pid_);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    static std::size_t occurrences(std::string_view text, std::string_view what) {
        std::size_t n = 0;
        for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
            ++n;
        }
        return n;
    }

    std::string out;
    std::string err;

private:
    /// One poll and read; false at the deadline or when both pipes are closed.
    bool read_some(std::chrono::steady_clock::time_point deadline) {
        if (out_.fd[0] == -1 && err_.fd[0] == -1) {
            return false;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd fds[2] = {{out_.fd[0], POLLIN, 0}, {err_.fd[0], POLLIN, 0}};
        const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) {
            coropipe::test::detail::check(-1, "poll");
        }
        for (int i = 0; i < 2; ++i) {
            if (ready <= 0 || fds[i].revents == 0) {
                continue;
            }
            coropipe::test::detail::pipe_pair& p = i == 0 ? out_ : err_;
            char buffer[65536];
            const ssize_t n = ::read(p.fd[0], buffer, sizeof buffer);
            if (n > 0) {
                (i == 0 ? out : err).append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                p.close(0);
            }
        }
        return true;
    }

    coropipe::test::detail::pipe_pair out_;
    coropipe::test::detail::pipe_pair err_;
    pid_t pid_ = -1;
};

} // namespace coropipe::test
