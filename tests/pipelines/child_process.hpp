#pragma once

// Runs a real program as a child process for the golden tests of the
// programs in pipelines/: posix_spawn with pipes for stdin, stdout and
// stderr, fed and drained with poll(2) so that no pipe fills up.

#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace coropipe::test {

struct process_result {
    int status = -1; ///< exit status, or 128 + signal number
    std::string out;
    std::string err;
    /// The child's peak resident set size (wait4's ru_maxrss), in KiB. It
    /// starts at the parent's peak (posix_spawn shares the parent's memory
    /// until exec): keep the test process small to measure the child.
    long max_rss_kb = -1;
};

struct run_options {
    std::string input;                 ///< written to the child's stdin, which is then closed
    bool close_out_after_line = false; ///< close stdout's read end after the first '\n'
    std::string out_file;              ///< if set, stdout goes to this file (say /dev/full), not a pipe
};

namespace detail {

inline void check(int result, const char* what) {
    if (result != 0) {
        throw std::system_error(result == -1 ? errno : result, std::system_category(), what);
    }
}

struct pipe_pair {
    int fd[2] = {-1, -1};
    pipe_pair() { check(::pipe2(fd, O_CLOEXEC), "pipe2"); }
    pipe_pair(const pipe_pair&) = delete;
    pipe_pair& operator=(const pipe_pair&) = delete;
    ~pipe_pair() {
        close(0);
        close(1);
    }
    void close(int i) {
        if (fd[i] != -1) {
            ::close(fd[i]);
            fd[i] = -1;
        }
    }
};

} // namespace detail

/// Runs `argv` (argv[0] is a path, or a name looked up in PATH) with
/// LC_ALL=C added to the environment, and returns its exit status and
/// output. The child gets SIGPIPE's default action back.
inline process_result run_process(const std::vector<std::string>& argv, const run_options& options = {}) {
    // Writing to a child that has exited must not kill the test.
    ::signal(SIGPIPE, SIG_IGN);
    detail::pipe_pair in, out, err;

    posix_spawn_file_actions_t actions;
    detail::check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
    posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
    if (options.out_file.empty()) {
        posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, options.out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
    posix_spawnattr_t attr;
    detail::check(posix_spawnattr_init(&attr), "posix_spawnattr_init");
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> args;
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> env;
    std::string lc_all = "LC_ALL=C";
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::string_view(*e).substr(0, 7) != "LC_ALL=") {
            env.push_back(*e);
        }
    }
    env.push_back(lc_all.data());
    env.push_back(nullptr);

    pid_t pid = -1;
    const int spawned = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    detail::check(spawned, "posix_spawnp");
    in.close(0);
    out.close(1);
    err.close(1);

    process_result result;
    std::size_t written = 0;
    if (options.input.empty()) {
        in.close(1);
    } else {
        ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
    }
    char buffer[65536];
    while (in.fd[1] != -1 || out.fd[0] != -1 || err.fd[0] != -1) {
        pollfd fds[3] = {{in.fd[1], POLLOUT, 0}, {out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
        if (::poll(fds, 3, -1) == -1) {
            if (errno == EINTR) {
                continue;
            }
            detail::check(-1, "poll");
        }
        if (fds[0].revents != 0) {
            const ssize_t n = ::write(in.fd[1], options.input.data() + written, options.input.size() - written);
            if (n > 0) {
                written += static_cast<std::size_t>(n);
            }
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == options.input.size()) {
                in.close(1); // done, or the child closed its stdin (EPIPE)
            }
        }
        for (int i = 1; i < 3; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            detail::pipe_pair& p = i == 1 ? out : err;
            std::string& text = i == 1 ? result.out : result.err;
            const ssize_t n = ::read(p.fd[0], buffer, sizeof buffer);
            if (n > 0) {
                text.append(buffer, static_cast<std::size_t>(n));
                if (i == 1 && options.close_out_after_line && text.find('\n') != std::string::npos) {
                    p.close(0);
                }
            } else if (n == 0 || errno != EINTR) {
                p.close(0);
            }
        }
    }
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) == -1) {
        if (errno != EINTR) {
            detail::check(-1, "wait4");
        }
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.max_rss_kb = usage.ru_maxrss;
    return result;
}

} // namespace coropipe::test
