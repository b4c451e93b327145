#pragma once
// What the memory benchmarks share: reading RSS, timing, and measuring each
// figure in a child process of its own (so one figure's memory does not
// stay in the next one's).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <type_traits>

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace coropipe::bench {

/// A field of /proc/self/status or /proc/meminfo ("VmRSS:", "Slab:"), in KiB; -1 if absent.
inline long kib_field(const char* file, const char* key) {
    std::ifstream in(file);
    std::string k;
    while (in >> k) {
        if (k == key) {
            long kib = 0;
            in >> kib;
            return kib;
        }
        in.ignore(4096, '\n');
    }
    return -1;
}

/// The calling process's resident set size in KiB.
inline long rss_kib() { return kib_field("/proc/self/status", "VmRSS:"); }

using clock_type = std::chrono::steady_clock;

inline double ns_since(clock_type::time_point start) {
    return std::chrono::duration<double, std::nano>(clock_type::now() - start).count();
}

/// CPU time used so far by all the threads of this process, in ns: unlike
/// wall time, not inflated by waiting for a core on a busy machine.
inline double process_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

/// CPU time used so far by the calling thread, in seconds (the client's side
/// of a loopback benchmark, without the server's or the sender's threads).
inline double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Runs `measure` in a child process and waits for it; false if it failed
/// (a `measure` returning bool fails by returning false).
template <class Measure>
bool in_child(Measure measure) {
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        return false;
    }
    if (pid == 0) {
        bool ok = true;
        if constexpr (std::is_same_v<decltype(measure()), bool>) {
            ok = measure();
        } else {
            measure();
        }
        std::fflush(stdout);
        std::_Exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// One row of a markdown table: what, value, unit, note.
inline void row(const char* what, double value, const char* unit, const char* note, int what_width = 46) {
    std::printf("| %-*s | %12.1f | %-6s | %s\n", what_width, what, value, unit, note);
}

} // namespace coropipe::bench
