// The bytes a web server sent, from its access log, as a pipeline of
// generator expressions (David Beazley, "Generator Tricks for Systems
// Programmers"):
//
//     wwwlog     = open("access-log")
//     bytecolumn = (line.rsplit(None, 1)[1] for line in wwwlog)
//     bytes      = (int(x) for x in bytecolumn if x != '-')
//     print("Total", sum(bytes))
//
// Each generator expression is a fused coropipe stage: `transform` for
// `f(x) for x in ...`, `filter` for `... if p(x)`, `sum` for sum(). Piped
// after the source they run inline, in one loop over the lines, with no
// coroutine of their own; like the generator expressions, nothing runs until
// the last one is iterated.
#include <coropipe/stages/aggregate.hpp>
#include <coropipe/stages/filter.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/transform.hpp>

#include <charconv>
#include <functional>
#include <iostream>
#include <sstream>
#include <string_view>
#include <utility>

namespace {

constexpr std::string_view access_log =
    "81.107.39.38 - - [24/Feb/2008:00:08:59 -0600] \"GET /ply/ HTTP/1.1\" 200 7587\n"
    "81.107.39.38 - - [24/Feb/2008:00:08:59 -0600] \"GET /favicon.ico HTTP/1.1\" 404 133\n"
    "81.107.39.38 - - [24/Feb/2008:00:08:59 -0600] \"GET /ply/bookplug.gif HTTP/1.1\" 200 23903\n"
    "81.107.39.38 - - [24/Feb/2008:00:08:59 -0600] \"GET /ply/ply.html HTTP/1.1\" 200 97238\n"
    "81.107.39.38 - - [24/Feb/2008:00:08:59 -0600] \"GET /ply/example.html HTTP/1.1\" 200 2359\n"
    "66.249.72.134 - - [24/Feb/2008:00:09:06 -0600] \"GET /index.html HTTP/1.1\" 304 -\n"
    "66.249.72.134 - - [24/Feb/2008:00:09:12 -0600] \"GET /ply/ HTTP/1.1\" 304 -\n"
    "24.5.180.196 - - [24/Feb/2008:00:10:21 -0600] \"GET /papers/ HTTP/1.1\" 200 4416\n";

// line.rsplit(None, 1)[1]: the last field of the line.
std::string_view last_field(std::string_view line) { return line.substr(line.rfind(' ') + 1); }

// int(x)
long to_int(std::string_view x) {
    long n = 0;
    std::from_chars(x.data(), x.data() + x.size(), n);
    return n;
}

} // namespace

int main() {
    std::istringstream wwwlog{std::string(access_log)};
    auto bytecolumn = coropipe::lines(wwwlog) | coropipe::transform(last_field);
    auto bytes = std::move(bytecolumn) | coropipe::filter([](std::string_view x) { return x != "-"; }) |
                 coropipe::transform(to_int);
    for (double total : std::move(bytes) | coropipe::sum(std::identity{}, coropipe::final_only)) {
        std::cout << "Total " << static_cast<long>(total) << '\n';
    }
}
