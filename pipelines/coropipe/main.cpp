// coropipe: runs a pipeline of library stages over files or standard input.
//
//   coropipe [OPTIONS] 'STAGE [ARGS] | STAGE [ARGS] | ...' [FILE...]
//
// Thin: parse the command line, build the pipeline, run it, and map
// exceptions to messages and exit codes (0 output, 1 none, 2 error). See
// docs/coropipe.md.
#include "build.hpp"
#include "input.hpp"
#include "options.hpp"

#include <coropipe/pipe.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/stages/print.hpp>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

namespace {

using namespace coropipe;
using namespace coropipe::cli;

constexpr int exit_output = 0;
constexpr int exit_no_output = 1;
constexpr int exit_error = 2;

/// Prints each line (or, with -c, their number; with -q, nothing) and
/// returns how many there were. -q stops at the first, like grep -q.
template <class Lines>
std::size_t drive(Lines& lines, const options& o) {
    const buffering mode = o.line_buffered ? buffering::line : buffering::full;
    sink<std::string_view> out = print_to<std::string_view>(1, mode);
    std::size_t n = 0;
    for (std::string_view line : lines) {
        ++n;
        if (o.quiet) {
            break;
        }
        if (!o.count) {
            out.send(line);
        }
    }
    out.close();
    if (o.count && !o.quiet) {
        sink<std::size_t> total = print_to<std::size_t>(1, mode);
        total.send(n);
        total.close();
    }
    return n;
}

/// Writes help or version text; a failed write (but a closed pipe) is an error.
int write_out(const std::string& text) {
    if (std::fputs(text.c_str(), stdout) == EOF || std::fflush(stdout) == EOF) {
        if (errno != EPIPE) {
            std::fprintf(stderr, "coropipe: write error: %s\n", std::strerror(errno));
            return exit_error;
        }
    }
    return exit_output;
}

int run(const options& o) {
    std::optional<text_stage> chain;
    try {
        chain = build_pipeline(parse_pipeline(o.text));
    } catch (const pipeline_text_error& e) {
        std::fprintf(stderr, "%s\n%s", e.what(), format_error(o.text, e).c_str());
        return exit_error;
    }
    input_status status;
    std::size_t n = 0;
    try {
        generator<std::string_view> source = concatenated_lines(o.files, &status);
        if (chain) {
            pipeline<std::string_view> p = std::move(source) | std::move(*chain);
            n = drive(p, o);
        } else {
            n = drive(source, o);
        }
    } catch (const std::system_error& e) {
        if (e.code() == std::errc::broken_pipe) {
            // The reader went away (`coropipe ... | head -1`): nothing more to do.
            return status.failed ? exit_error : exit_output;
        }
        std::fprintf(stderr, "coropipe: write error: %s\n", e.code().message().c_str());
        return exit_error;
    } catch (const std::exception& e) {
        const std::string_view what = e.what();
        std::fprintf(stderr, "%s%s\n", what.starts_with("coropipe: ") ? "" : "coropipe: ", e.what());
        return exit_error;
    }
    if (status.failed) {
        return exit_error;
    }
    return n > 0 ? exit_output : exit_no_output;
}

} // namespace

int main(int argc, char** argv) {
    // A closed output pipe is an EPIPE error from write(2), handled in run().
    std::signal(SIGPIPE, SIG_IGN);
    options o;
    try {
        o = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const usage_error& e) {
        std::fprintf(stderr, "%s\n", e.message.c_str());
        return exit_error;
    }
    switch (o.what) {
    case options::action::help:
        return write_out(usage());
    case options::action::version:
        return write_out("coropipe " COROPIPE_VERSION "\n");
    case options::action::stage_help:
        try {
            return write_out(stage_help(o.text));
        } catch (const pipeline_text_error& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return exit_error;
        }
    case options::action::run:
        break;
    }
    if (!o.line_buffered && isatty(1) == 1) {
        o.line_buffered = true;
    }
    try {
        return run(o);
    } catch (const std::exception& e) { // std::bad_alloc
        std::fprintf(stderr, "coropipe: %s\n", e.what());
        return exit_error;
    }
}
