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

#include <coropipe/detail/field_scan.hpp>
#include <coropipe/detail/line_filter.hpp>
#include <coropipe/detail/output_buffer.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/stages/print.hpp>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

using namespace coropipe;
using namespace coropipe::cli;

constexpr int exit_output = 0;
constexpr int exit_no_output = 1;
constexpr int exit_error = 2;

/// Prints each line (or, with -c, their number; with -q, nothing) and
/// returns how many there were. -q stops at the first, like grep -q.
/// With `flush_hook` (-f), sets it, while running, to write out what is
/// buffered: the follower calls it before it waits.
template <class Lines>
std::size_t drive(Lines& lines, const options& o, std::function<void()>* flush_hook = nullptr) {
    const buffering mode = o.line_buffered ? buffering::line : buffering::full;
    sink<std::string_view> out = print_to<std::string_view>(1, mode);
    if (flush_hook != nullptr && mode == buffering::full) {
        // print has no flush of its own: closing the sink writes what it
        // holds (or throws the write error), and a fresh one goes on.
        *flush_hook = [&out, mode] {
            out.close();
            out = print_to<std::string_view>(1, mode);
        };
    }
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
    if (flush_hook != nullptr) {
        *flush_hook = nullptr;
    }
    if (o.count && !o.quiet) {
        sink<std::size_t> total = print_to<std::size_t>(1, mode);
        total.send(n);
        total.close();
    }
    return n;
}

/// `drive` for a pipeline of only grep/prefix stages (or none): writes each
/// run of consecutive matching lines straight from the input buffer, one
/// append (or, for 64 KiB and more, one write) per run, not per line.
std::size_t drive_runs(const options& o, const detail::line_filter& filter, input_status* status) {
    detail::output_buffer out(1, o.line_buffered);
    std::size_t n = 0;
    for_each_run(o.files, filter, status, [&](std::string_view run, std::size_t lines) {
        n += lines;
        if (o.quiet) {
            return false;
        }
        if (!o.count) {
            out.append(run);
            if (run.back() != '\n') {
                out.put('\n'); // the last line of a file without its '\n'
            }
            if (o.line_buffered) {
                out.flush();
            }
        }
        return true;
    });
    if (o.count && !o.quiet) {
        out.append_number(n);
        out.put('\n');
    }
    out.flush();
    return n;
}

/// `drive` for a pipeline of grep/prefix stages (or none) then one min,
/// max, sum, avg or count (`fused_fold`): the fold searches whole blocks of
/// lines for the field and writes each running value straight into the
/// output buffer, with no stage per line. Not for -q or -c (`drive` does those).
std::size_t drive_fold(const options& o, const detail::line_filter& filter, const detail::field_fold_spec& spec,
                       input_status* status) {
    detail::output_buffer out(1, o.line_buffered);
    detail::field_fold fold(spec);
    std::size_t n = 0;
    for_each_block(o.files, status, [&](std::string_view block) { n += fold.feed(block, filter, out); });
    n += fold.finish(out);
    out.flush();
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

/// The write end of the self-pipe that SIGINT and SIGTERM write to (-f).
int stop_pipe_write = -1;

extern "C" void on_stop_signal(int) {
    const int saved = errno;
    if (::write(stop_pipe_write, "x", 1) < 0) {
        // Full (a signal already waits there) or closed: nothing to do.
    }
    errno = saved;
}

/// -f: SIGINT and SIGTERM make the follower stop (the lines end, the
/// output is flushed, the exit status is the usual one). Returns the read
/// end of the self-pipe they write to, for `follow_options::stop_fd`; -1
/// (and the default actions) if no pipe can be had. A second signal gets
/// the default action (SA_RESETHAND): it kills a process stuck writing.
int stop_on_signals() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        return -1;
    }
    stop_pipe_write = fds[1];
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    return fds[0];
}

int run(const options& o) {
    std::optional<text_stage> chain;
    std::vector<detail::line_filter_spec> filters; // the leading grep/prefix stages, but with -f
    std::optional<detail::field_fold_spec> fold;   // and a min/max/sum/avg/count after them
    try {
        const std::vector<stage_spec> specs = parse_pipeline(o.text);
        std::size_t lead = 0;
        if (!o.follow) {
            filters = leading_filters(specs, &lead);
            if (!o.quiet && !o.count) {
                fold = fused_fold(specs, lead);
            }
        }
        chain = build_pipeline(std::vector<stage_spec>(specs.begin() + static_cast<std::ptrdiff_t>(lead), specs.end()));
    } catch (const pipeline_text_error& e) {
        std::fprintf(stderr, "%s\n%s", e.what(), format_error(o.text, e).c_str());
        return exit_error;
    }
    input_status status;
    std::size_t n = 0;
    try {
        // Searched on whole buffers (detail::line_filter), not by stages.
        const detail::line_filter filter(filters);
        // -f on standard input reads it to its end, as tail does on a pipe.
        const bool following = o.follow && o.files.size() == 1 && o.files[0] != "-";
        std::function<void()> flush_output; // set by drive while it runs
        auto flush_when_idle = [&flush_output] {
            if (flush_output) {
                flush_output();
            }
        };
        generator<std::string_view> source =
            following ? followed_lines(o.files[0], stop_on_signals(), flush_when_idle, &status)
                      : concatenated_lines(o.files, &status, &filter);
        std::function<void()>* flush_hook = following ? &flush_output : nullptr;
        if (fold) {
            n = drive_fold(o, filter, *fold, &status);
        } else if (chain) {
            pipeline<std::string_view> p = std::move(source) | std::move(*chain);
            n = drive(p, o, flush_hook);
        } else {
            n = following ? drive(source, o, flush_hook) : drive_runs(o, filter, &status);
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
