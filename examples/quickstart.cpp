// The README's quick start: prints the lines of a log file that contain
// "ERROR", like `grep ERROR file`.
//
// usage: example_quickstart [path]
//        (default: examples/data/sample.log, relative to the repository root)
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/print.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : "examples/data/sample.log";
    try {
        // Lazy source, lazy filter, eager sink: the `|` with print() runs it all.
        coropipe::lines(path) | coropipe::grep("ERROR") | coropipe::print();
    } catch (const std::exception& e) {
        // A missing file is a std::system_error naming the path.
        std::fprintf(stderr, "quickstart: %s\n", e.what());
        return 1;
    }
}
