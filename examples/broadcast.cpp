// Beazley's broadcast: one source fanned out to several sinks.
//
//     @coroutine
//     def broadcast(targets):
//         while True:
//             item = (yield)
//             for target in targets:
//                 target.send(item)
//
//     follow(f, broadcast([grep('python', printer()),
//                          grep('ply', printer()),
//                          grep('swig', printer())]))
//
// coropipe::broadcast sends each input to every target in order, and closes
// them all at the end of the input so that each can emit its totals.
#include <coropipe/coroutine.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/broadcast.hpp>
#include <coropipe/stages/grep.hpp>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Beazley's printer(), with a label so the fan-out shows. Primed.
coropipe::coroutine<void, std::string_view> printer(std::string label) {
    while (true) {
        const std::string_view line = co_yield {};
        std::cout << label << line << '\n';
    }
}

/// A sink stage that prints a total once its input has ended: this runs
/// only because broadcast closes its targets at the end.
coropipe::sink<std::string_view> count_lines(std::string label) {
    int count = 0;
    // Bind the pointer: GCC 12.2 miscompiles `co_await` used directly as a
    // condition (`while (co_await coropipe::input)`): the frame is corrupt.
    while (const std::string_view* line = co_await coropipe::input) {
        static_cast<void>(line);
        ++count;
    }
    std::cout << label << count << '\n';
}

} // namespace

int main() {
    const std::vector<std::string_view> log{
        "GET /python/index.html", "GET /ply/download",      "GET /swig/docs",
        "GET /python/ply.html",   "GET /python/swig.html", "GET /favicon.ico",
    };

    // A sink at the end of `|` runs the whole pipeline right here.
    log | coropipe::broadcast(coropipe::grep("python") | printer("python: "),
                              coropipe::grep("ply") | printer("ply:    "),
                              coropipe::grep("swig") | printer("swig:   "),
                              count_lines("lines:  "));
}
