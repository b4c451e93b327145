// Memory and creation cost of coroutines vs threads, as a plain program
// (Google Benchmark is not used: each figure is one big measurement).
//
// - 1,000,000 live suspended generators (each started and waiting at its
//   first co_yield): resident memory (VmRSS) per generator.
// - The same for 1,000,000 live stages (created, not yet started).
// - 1,000 std::threads: time to create and join, per thread (all started
//   then all joined, and one at a time).
// - 1,000 live std::threads blocked on a latch: VmRSS per thread.
//
// Each measurement runs in its own forked child, so that memory freed by one
// (kept by malloc, not returned to the kernel) does not hide the next one's.
//
// Run: build/h4-rel/bench/bench_memory_bench [generators] [threads]
// (see docs/BENCHMARKS.md). Linux only: reads /proc/self/status, uses fork.
#include <coropipe/coropipe.hpp>
#include <coropipe/detail/frame_allocator.hpp>

#include <chrono>
#include "bench_support.hpp"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <time.h>
#include <unistd.h>

using namespace coropipe::bench;

namespace {

coropipe::generator<int> count_from(int start) {
    for (int i = start;; ++i) {
        co_yield i;
    }
}

coropipe::stage<int> running_min_stage() {
    int m = 0;
    bool first = true;
    while (int* x = co_await coropipe::input) {
        if (first || *x < m) {
            m = *x;
            first = false;
        }
        co_yield m;
    }
}

} // namespace

int main(int argc, char** argv) {
    const std::size_t generator_count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1'000'000;
    const std::size_t thread_count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1'000;

    std::printf("| %-46s | %12s | %-6s | %s\n", "measurement", "value", "unit", "notes");
    std::printf("|%s|%s|%s|%s\n", std::string(48, '-').c_str(), std::string(14, '-').c_str(),
                std::string(8, '-').c_str(), "------");

    bool ok = true;

    // ---- generators ----------------------------------------------------------
    ok &= in_child([&] {
        // The handles' vector is allocated and touched before the baseline, so
        // the delta is the frames alone.
        std::vector<coropipe::generator<int>> gens(generator_count);
        const long before = rss_kib();
        const auto start = clock_type::now();
        long sum = 0;
        for (std::size_t i = 0; i < generator_count; ++i) {
            gens[i] = count_from(static_cast<int>(i));
            sum += *gens[i].begin(); // runs to the first co_yield, then stays suspended there
        }
        const double create_ns = ns_since(start) / static_cast<double>(generator_count);
        const std::size_t frame = coropipe::detail::last_frame_size();
        const long after = rss_kib();
        const double per = static_cast<double>(after - before) * 1024.0 / static_cast<double>(generator_count);
        char note[160];
        std::snprintf(note, sizeof note, "%zu live; frame %zu B asked, %.0f MiB total; checksum %ld", generator_count,
                      frame, static_cast<double>(after - before) / 1024.0, sum % 10);
        row("RSS per live suspended generator", per, "bytes", note);
        row("create + run to first co_yield, per generator", create_ns, "ns",
            "includes first-touch page faults of the fresh memory");
        const auto destroy_start = clock_type::now();
        gens.clear();
        row("destroy, per generator", ns_since(destroy_start) / static_cast<double>(generator_count), "ns",
            "frames go to the per-thread cache (up to 4096 per size class), the rest to free()");
    });

    // ---- stages ----------------------------------------------------------------
    ok &= in_child([&] {
        std::vector<coropipe::stage<int>> stages(generator_count);
        const long before = rss_kib();
        for (std::size_t i = 0; i < generator_count; ++i) {
            stages[i] = running_min_stage();
        }
        const std::size_t frame = coropipe::detail::last_frame_size();
        const long after = rss_kib();
        const double per = static_cast<double>(after - before) * 1024.0 / static_cast<double>(generator_count);
        char note[160];
        std::snprintf(note, sizeof note, "%zu live, not started; frame %zu B asked, %.0f MiB total", generator_count,
                      frame, static_cast<double>(after - before) / 1024.0);
        row("RSS per live stage (running min)", per, "bytes", note);
    });

    // ---- threads ---------------------------------------------------------------
    ok &= in_child([&] {
        std::vector<std::thread> threads;
        threads.reserve(thread_count);
        const double cpu = process_cpu_ns();
        const auto start = clock_type::now();
        for (std::size_t i = 0; i < thread_count; ++i) {
            threads.emplace_back([] {});
        }
        for (auto& t : threads) {
            t.join();
        }
        const double n = static_cast<double>(thread_count);
        const double wall = ns_since(start) / n;
        char note[120];
        std::snprintf(note, sizeof note, "wall time; %zu started, then all joined; CPU time %.0f ns", thread_count,
                      (process_cpu_ns() - cpu) / n);
        row("create + join, per std::thread", wall, "ns", note);
    });
    ok &= in_child([&] {
        // One at a time: glibc reuses the last thread's cached stack.
        const double cpu = process_cpu_ns();
        const auto start = clock_type::now();
        for (std::size_t i = 0; i < thread_count; ++i) {
            std::thread([] {}).join();
        }
        const double n = static_cast<double>(thread_count);
        const double wall = ns_since(start) / n;
        char note[120];
        std::snprintf(note, sizeof note, "wall time; %zu, each joined before the next; CPU time %.0f ns", thread_count,
                      (process_cpu_ns() - cpu) / n);
        row("create + join one at a time, per std::thread", wall, "ns", note);
    });
    ok &= in_child([&] {
        std::vector<std::thread> threads;
        threads.reserve(thread_count);
        std::latch started(static_cast<std::ptrdiff_t>(thread_count));
        std::latch release(1);
        const long before = rss_kib();
        for (std::size_t i = 0; i < thread_count; ++i) {
            threads.emplace_back([&] {
                started.count_down();
                release.wait();
            });
        }
        started.wait();
        const long after = rss_kib();
        release.count_down();
        for (auto& t : threads) {
            t.join();
        }
        const double per = static_cast<double>(after - before) * 1024.0 / static_cast<double>(thread_count);
        char note[120];
        std::snprintf(note, sizeof note, "%zu live, blocked on a std::latch; stack reserve 8 MiB virtual each",
                      thread_count);
        row("RSS per live blocked std::thread", per, "bytes", note);
    });
    return ok ? 0 : 1;
}
