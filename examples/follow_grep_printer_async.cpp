// Beazley's follow -> grep -> printer again, now on an io_context: the
// followed file is watched through inotify on the reactor
// (coropipe::asio::followed_file), so one thread could tail thousands of
// files and serve sockets at the same time.
//
// A writer coroutine on the same io_context appends a piece of a log,
// then waits until the pipeline has printed what that piece should yield
// before appending the next one — the file really grows under the
// follower. `take` ends the pipeline after the last expected line.
#include <coropipe/asio/descriptor.hpp>
#include <coropipe/asio/file_source.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

/// Counts the lines that pass, so the writer knows when to go on.
coropipe::stage<std::string_view> counting(int* seen) {
    while (std::string_view* line = co_await coropipe::input) {
        ++*seen;
        co_yield *line;
    }
}

net::awaitable<void> write_log(fs::path path, const int* seen) {
    const char* pieces[] = {
        "10:00:01 INFO python starts\n10:00:02 INFO ruby starts\n",
        "10:00:03 WARN python is slow\n",
        "10:00:04 INFO perl starts\n10:00:05 ERROR python crashed\n",
    };
    const int expected_after[] = {1, 2, 3};
    for (int i = 0; i < 3; ++i) {
        std::ofstream(path, std::ios::app) << pieces[i];
        while (*seen < expected_after[i]) {
            co_await net::post(net::use_awaitable); // let the pipeline run
        }
    }
}

} // namespace

int main() {
    char dir_name[] = "/tmp/coropipe-follow-example-XXXXXX";
    if (::mkdtemp(dir_name) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    const fs::path dir = dir_name;
    const fs::path log = dir / "app.log";
    std::ofstream(log).flush(); // created empty

    net::io_context io;
    int seen = 0;
    int status = 0;
    coropipe::asio::async_run(io.get_executor(), coropipe::asio::followed_file(io.get_executor(), log),
                              coropipe::grep("python") | counting(&seen) |
                                  coropipe::take(3).build<std::string_view>(),
                              coropipe::asio::descriptor_sink(io.get_executor(), 1),
                              [&](std::exception_ptr e, coropipe::asio::run_stats stats) {
                                  if (e) {
                                      status = 1;
                                      return;
                                  }
                                  std::printf("-- %llu lines read, %llu printed\n",
                                              static_cast<unsigned long long>(stats.lines_in),
                                              static_cast<unsigned long long>(stats.lines_out));
                              });
    net::co_spawn(io, write_log(log, &seen), net::detached);
    io.run();
    fs::remove_all(dir);
    return status;
}
