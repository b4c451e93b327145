// What a waiting pipeline costs on an io_context, against a thread per
// pipeline, as a plain program (each figure is one big measurement).
//
// - 100,000 suspended `channel_source → grep → sink` pipelines on one
//   io_context, each waiting on its own `line_channel` (capacity 1):
//   resident memory (VmRSS) and heap in use (mallinfo2) per pipeline, with
//   and without its channel; then each is fed one batch and its end, and
//   runs to completion (time per pipeline, outputs checked).
// - 9,000 suspended `stream_source → grep → sink` pipelines, each reading
//   its own unix socketpair (18,000 descriptors: the fd limit is 20,000
//   here): user-space memory per pipeline and per socketpair; the kernel's
//   socket memory is not in RSS (the system-wide Slab growth is given as
//   an estimate).
// - The peer: one std::thread per pipeline running the synchronous
//   `lines(fd) | grep | sink`, blocked in read(2) on its own socketpair
//   (1,000 of them): RSS per thread, and create + run + join time.
//
// Each measurement runs in its own forked child, so that memory freed by one
// (kept by malloc, not returned to the kernel) does not hide the next one's.
//
// Run: bench_asio_memory [pipelines] [socket_pipelines] [threads]
// (defaults 100000 9000 1000; bench/asio_run.sh runs it). Linux, glibc.
#include "bench_support.hpp"

#include <coropipe/asio/channel.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/asio/stream_source.hpp>
#include <coropipe/coropipe.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace net = boost::asio;
using unix_socket = net::local::stream_protocol::socket;

using coropipe::bench::clock_type;
using coropipe::bench::in_child;
using coropipe::bench::kib_field;
using coropipe::bench::ns_since;
using coropipe::bench::process_cpu_ns;
using coropipe::bench::rss_kib;

namespace {

long slab_kib() { return kib_field("/proc/meminfo", "Slab:"); }

/// Bytes malloc has handed out and not taken back (chunk headers included).
std::size_t heap_bytes() { return mallinfo2().uordblks; }

void row(const char* what, double value, const char* unit, const char* note) {
    coropipe::bench::row(what, value, unit, note, 58);
}

double per(long kib_delta, std::size_t n) { return static_cast<double>(kib_delta) * 1024.0 / static_cast<double>(n); }
double per(std::size_t bytes_delta, std::size_t n) {
    return static_cast<double>(bytes_delta) / static_cast<double>(n);
}

/// An async sink that only counts what it is given.
struct count_sink {
    std::uint64_t* bytes;
    net::awaitable<void> write(std::string_view b) {
        *bytes += b.size();
        co_return;
    }
    net::awaitable<void> finish() { co_return; }
};

/// The synchronous tail for the thread peer: counts lines.
coropipe::sink<std::string_view> count_lines(std::uint64_t* n) {
    // HACK(gcc-12): `while (co_await coropipe::input)` without a declaration
    // never runs its body; declaring the pointer works.
    while (const std::string_view* line = co_await coropipe::input) {
        (void)line;
        ++*n;
    }
}

const std::string input_batch = "ts=1 host=web-01 INFO fine\nts=2 host=web-01 ERROR broken\nts=3 host=web-02 INFO ok\n";
constexpr std::uint64_t output_bytes = sizeof("ts=2 host=web-01 ERROR broken\n") - 1;

/// Raises the soft descriptor limit to the hard one; returns it.
rlim_t raise_fd_limit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

/// 100,000 pipelines waiting on channels.
bool channel_pipelines(std::size_t n) {
    net::io_context io(1);
    std::deque<coropipe::asio::line_channel> channels;
    std::vector<std::uint64_t> out(n);
    std::size_t completed = 0;
    {
        // Warm up: the first pipeline allocates the io_context's services,
        // the thread's frame caches and so on, which are not per pipeline.
        coropipe::asio::line_channel warm(io, 1);
        std::uint64_t bytes = 0;
        coropipe::asio::async_run(io.get_executor(), coropipe::asio::channel_source(warm), coropipe::grep("ERROR"),
                                  count_sink{&bytes}, [](std::exception_ptr, coropipe::asio::run_stats) {});
        io.poll();
        warm.try_send(boost::system::error_code{}, std::string{});
        io.run();
        io.restart();
    }
    const long rss0 = rss_kib();
    const std::size_t heap0 = heap_bytes();
    for (std::size_t i = 0; i < n; ++i) {
        channels.emplace_back(io, 1);
    }
    const long rss1 = rss_kib();
    const std::size_t heap1 = heap_bytes();
    const double cpu0 = process_cpu_ns();
    const auto start = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
        coropipe::asio::async_run(io.get_executor(), coropipe::asio::channel_source(channels[i]),
                                  coropipe::grep("ERROR"), count_sink{&out[i]},
                                  [&completed](std::exception_ptr e, coropipe::asio::run_stats) {
                                      completed += e == nullptr;
                                  });
    }
    while (io.poll() != 0) { // every pipeline runs to its first receive and suspends
    }
    const double create_ns = ns_since(start) / static_cast<double>(n);
    const double create_cpu = (process_cpu_ns() - cpu0) / static_cast<double>(n);
    const long rss2 = rss_kib();
    const std::size_t heap2 = heap_bytes();
    if (completed != 0) {
        std::fprintf(stderr, "a pipeline finished early\n");
        return false;
    }
    char note[200];
    std::snprintf(note, sizeof note, "%zu live, waiting on a channel receive; %.0f MiB in all; target <= 1024 B: %s", n,
                  static_cast<double>(rss2 - rss1) / 1024.0, per(rss2 - rss1, n) <= 1024.0 ? "met" : "NOT met");
    row("RSS per suspended channel pipeline (lines->grep->sink)", per(rss2 - rss1, n), "bytes", note);
    std::snprintf(note, sizeof note, "mallinfo2 in-use bytes, chunk headers included; frames, stages, op");
    row("heap per suspended channel pipeline", per(heap2 - heap1, n), "bytes", note);
    std::snprintf(note, sizeof note, "the line_channel object itself (heap %.0f B)", per(heap1 - heap0, n));
    row("RSS per line_channel (capacity 1), not counted above", per(rss1 - rss0, n), "bytes", note);
    std::snprintf(note, sizeof note, "wall; async_run + poll until all wait; CPU %.0f ns (first-touch page faults)",
                  create_cpu);
    row("create + start + suspend, per channel pipeline", create_ns, "ns", note);

    const double cpu1 = process_cpu_ns();
    const auto run_start = clock_type::now();
    for (auto& channel : channels) {
        channel.try_send(boost::system::error_code{}, input_batch);
        channel.try_send(boost::system::error_code{}, std::string{});
    }
    io.run();
    const double run_ns = ns_since(run_start) / static_cast<double>(n);
    const double run_cpu = (process_cpu_ns() - cpu1) / static_cast<double>(n);
    const bool right = completed == n && std::all_of(out.begin(), out.end(), [](std::uint64_t b) {
                           return b == output_bytes;
                       });
    std::snprintf(note, sizeof note, "wall; CPU %.0f ns; 3 lines in, 1 out each; all %zu outputs right: %s", run_cpu, n,
                  right ? "yes" : "NO");
    row("feed one batch + end, run to completion, per pipeline", run_ns, "ns", note);
    return right;
}

/// 9,000 pipelines waiting on unix socketpairs.
bool socket_pipelines(std::size_t n) {
    const rlim_t limit = raise_fd_limit();
    if (2 * n + 64 > limit) {
        std::fprintf(stderr, "socket pipelines: %zu need %zu descriptors, the limit is %lu\n", n, 2 * n + 64,
                     static_cast<unsigned long>(limit));
        return false;
    }
    net::io_context io(1);
    std::deque<unix_socket> ends; // 2 per pipeline: [2i] is read by the pipeline, [2i+1] is the peer
    std::vector<std::uint64_t> out(n);
    std::size_t completed = 0;
    {
        unix_socket a(io), b(io);
        net::local::connect_pair(a, b);
        std::uint64_t bytes = 0;
        coropipe::asio::async_run(io.get_executor(), coropipe::asio::stream_source(a), coropipe::grep("ERROR"),
                                  count_sink{&bytes}, [](std::exception_ptr, coropipe::asio::run_stats) {});
        io.poll();
        b.shutdown(unix_socket::shutdown_send);
        io.run();
        io.restart();
    }
    const long slab0 = slab_kib();
    const long rss0 = rss_kib();
    const std::size_t heap0 = heap_bytes();
    for (std::size_t i = 0; i < n; ++i) {
        unix_socket& a = ends.emplace_back(io);
        unix_socket& b = ends.emplace_back(io);
        net::local::connect_pair(a, b);
    }
    const long slab1 = slab_kib();
    const long rss1 = rss_kib();
    const std::size_t heap1 = heap_bytes();
    const double cpu0 = process_cpu_ns();
    const auto start = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
        coropipe::asio::async_run(io.get_executor(), coropipe::asio::stream_source(ends[2 * i]),
                                  coropipe::grep("ERROR"), count_sink{&out[i]},
                                  [&completed](std::exception_ptr e, coropipe::asio::run_stats) {
                                      completed += e == nullptr;
                                  });
    }
    while (io.poll() != 0) {
    }
    const double create_ns = ns_since(start);
    const double create_cpu = process_cpu_ns() - cpu0;
    const long rss2 = rss_kib();
    const std::size_t heap2 = heap_bytes();
    char note[200];
    std::snprintf(note, sizeof note, "%zu live, each waiting for its socket to be readable (epoll)", n);
    row("RSS per suspended socket pipeline (socket->grep->sink)", per(rss2 - rss1, n), "bytes", note);
    std::snprintf(note, sizeof note, "heap %.0f B per pipeline", per(heap2 - heap1, n));
    row("heap per suspended socket pipeline", per(heap2 - heap1, n), "bytes", note);
    std::snprintf(note, sizeof note, "user side: 2 asio sockets + reactor state (heap %.0f B)", per(heap1 - heap0, n));
    row("RSS per unix socketpair, user side", per(rss1 - rss0, n), "bytes", note);
    row("pipeline + its socketpair, user side", per(rss2 - rss0, n), "bytes", "what RSS grows by per connection");
    std::snprintf(note, sizeof note, "kernel: system-wide /proc/meminfo Slab growth; other processes add noise");
    row("kernel slab per unix socketpair (estimate)", per(slab1 - slab0, n), "bytes", note);

    const double cpu1 = process_cpu_ns();
    const auto finish = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
        unix_socket& peer = ends[2 * i + 1];
        net::write(peer, net::buffer(input_batch));
        peer.shutdown(unix_socket::shutdown_send);
    }
    io.run();
    const double wall = (create_ns + ns_since(finish)) / static_cast<double>(n);
    const double cpu = (create_cpu + process_cpu_ns() - cpu1) / static_cast<double>(n);
    const bool right = completed == n && std::all_of(out.begin(), out.end(), [](std::uint64_t b) {
                           return b == output_bytes;
                       });
    std::snprintf(note, sizeof note, "wall; all started, then fed and run to the end; CPU %.0f ns; right: %s", cpu,
                  right ? "yes" : "NO");
    row("create + run to completion, per socket pipeline", wall, "ns", note);
    return right;
}

/// How many of this process's threads are asleep (blocked).
std::size_t sleeping_threads() {
    std::size_t count = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream stat(task.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const std::size_t paren = line.rfind(')'); // the name may hold spaces
        count += paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'S';
    }
    return count;
}

/// The peer: a thread per pipeline, blocked in read(2) inside the
/// synchronous `lines(fd) | grep | sink`.
bool thread_pipelines(std::size_t n) {
    raise_fd_limit();
    std::vector<int> fds(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[2 * i]) != 0) {
            std::perror("socketpair");
            return false;
        }
    }
    std::vector<std::uint64_t> out(n);
    std::vector<std::thread> threads;
    threads.reserve(n);
    std::latch started(static_cast<std::ptrdiff_t>(n));
    const long rss0 = rss_kib();
    const double cpu0 = process_cpu_ns();
    const auto start = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
        threads.emplace_back([&started, fd = fds[2 * i], count = &out[i]] {
            started.count_down();
            coropipe::lines(fd) | coropipe::grep("ERROR") | count_lines(count);
        });
    }
    started.wait();
    const double create_ns = ns_since(start);
    const double create_cpu = process_cpu_ns() - cpu0;
    // A thread that has counted down may not be in read(2) yet: wait until
    // every thread but this one sleeps (state S in /proc/self/task/*/stat).
    // Not timed: the polling costs this thread CPU.
    while (sleeping_threads() < n) {
        std::this_thread::yield();
    }
    const long rss1 = rss_kib();
    const double cpu1 = process_cpu_ns();
    const auto finish = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
        (void)!::write(fds[2 * i + 1], input_batch.data(), input_batch.size());
        ::shutdown(fds[2 * i + 1], SHUT_WR);
    }
    for (auto& t : threads) {
        t.join();
    }
    const double wall = (create_ns + ns_since(finish)) / static_cast<double>(n);
    const double cpu = (create_cpu + process_cpu_ns() - cpu1) / static_cast<double>(n);
    const bool right = std::all_of(out.begin(), out.end(), [](std::uint64_t lines) { return lines == 1; });
    char note[200];
    std::snprintf(note, sizeof note, "%zu live, each blocked in read(2) in lines(fd) → grep → sink; 8 MiB stack reserved",
                  n);
    row("RSS per thread-per-pipeline, blocked", per(rss1 - rss0, n), "bytes", note);
    std::snprintf(note, sizeof note, "wall; all created, fed, joined; CPU %.0f ns; outputs right: %s", cpu,
                  right ? "yes" : "NO");
    row("create + run + join, per thread-per-pipeline", wall, "ns", note);
    for (int fd : fds) {
        ::close(fd);
    }
    return right;
}

} // namespace

int main(int argc, char** argv) {
    const std::size_t channel_count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100'000;
    const std::size_t socket_count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 9'000;
    const std::size_t thread_count = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1'000;

    std::printf("| %-58s | %12s | %-6s | %s\n", "measurement", "value", "unit", "notes");
    std::printf("|%s|%s|%s|%s\n", std::string(60, '-').c_str(), std::string(14, '-').c_str(),
                std::string(8, '-').c_str(), "------");
    bool ok = true;
    ok &= in_child([&] { return channel_pipelines(channel_count); });
    ok &= in_child([&] { return socket_pipelines(socket_count); });
    ok &= in_child([&] { return thread_pipelines(thread_count); });
    return ok ? 0 : 1;
}
