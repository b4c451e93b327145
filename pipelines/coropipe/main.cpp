// coropipe: runs a pipeline of library stages over files or standard input.
//
//   coropipe [OPTIONS] 'STAGE [ARGS] | STAGE [ARGS] | ...' [FILE...]
//
// Thin: parse the command line, plan the pipeline (coropipe::text_pipeline),
// run it over the files (coropipe::run_files), and map exceptions to
// messages and exit codes (0 output, 1 none, 2 error). See docs/coropipe.md.
#include "options.hpp"

#include <coropipe/pipeline_text.hpp>
#include <coropipe/text_pipeline.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

using namespace coropipe;
using namespace coropipe::cli;

constexpr int exit_output = 0;
constexpr int exit_no_output = 1;
constexpr int exit_error = 2;

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

/// Input problems and follow events, on stderr: `coropipe: FILE: what`.
void tell_input_event(const std::string& file, std::error_code code, std::string_view what) {
    const std::string name = file == "-" ? "(standard input)" : file;
    const std::string text = code ? code.message() : std::string(what);
    std::fprintf(stderr, "coropipe: %s: %s\n", name.c_str(), text.c_str());
}

/// `arg` as the shell reads it back: in single quotes unless it is plain.
std::string shell_quoted(const std::string& arg) {
    const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                              "0123456789-_./=:@%+,") == std::string::npos;
    if (plain) {
        return arg;
    }
    std::string out = "'";
    for (char c : arg) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

/// For `coropipe grep error app.log` (the pipeline not quoted, so the
/// pipeline text is "grep"): the command line with the most words joined
/// that make a valid pipeline, when some do; else empty.
std::string unquoted_hint(const options& o) {
    std::string text = o.text;
    std::string longest;
    std::size_t taken_longest = 0;
    for (std::size_t taken = 1; taken <= o.files.size(); ++taken) {
        text += ' ';
        text += o.files[taken - 1];
        try {
            parse_pipeline(text); // parsed only: nothing is opened
        } catch (const pipeline_text_error&) {
            continue;
        }
        longest = text;
        taken_longest = taken;
    }
    if (longest.empty()) {
        return {};
    }
    std::string line = "coropipe " + shell_quoted(longest);
    for (std::size_t i = taken_longest; i < o.files.size(); ++i) {
        line += ' ';
        line += shell_quoted(o.files[i]);
    }
    return line;
}

int run(const options& o) {
    std::optional<text_pipeline> pipeline;
    try {
        plan_options plan{.fast_paths = !o.no_fast_paths};
        plan.groups.group_limit = o.group_limit;
        plan.groups.json = o.json;
        plan.groups.time_field = o.time_field;
        plan.groups.grace = o.grace;
        plan.on_warning = [](std::string_view message) {
            std::fprintf(stderr, "coropipe: %.*s\n", static_cast<int>(message.size()), message.data());
        };
        pipeline.emplace(o.text, std::move(plan));
    } catch (const pipeline_text_error& e) {
        std::fprintf(stderr, "%s\n%s", e.what(), format_error(o.text, e).c_str());
        const std::string quoted = unquoted_hint(o);
        if (!quoted.empty()) {
            std::fprintf(stderr, "coropipe: quote the whole pipeline as one argument: %s\n", quoted.c_str());
        }
        return exit_error;
    }
    if (o.explain) {
        return write_out(pipeline->describe());
    }
    file_run_options run_options;
    run_options.line_buffered = o.line_buffered;
    run_options.count_only = o.count;
    run_options.stop_at_first = o.quiet;
    run_options.follow = o.follow;
    run_options.stop_fd = o.follow ? stop_on_signals() : -1;
    run_options.on_input_event = tell_input_event;
    file_run_result result;
    try {
        result = run_files(*pipeline, o.files, 1, run_options);
    } catch (const std::system_error& e) {
        if (e.code() == std::errc::broken_pipe) {
            // The reader went away (`coropipe ... | head -1`): nothing more to do.
            return result.input_failed ? exit_error : exit_output;
        }
        std::fprintf(stderr, "coropipe: write error: %s\n", e.code().message().c_str());
        return exit_error;
    } catch (const std::exception& e) {
        const std::string_view what = e.what();
        std::fprintf(stderr, "%s%s\n", what.starts_with("coropipe: ") ? "" : "coropipe: ", e.what());
        return exit_error;
    }
    if (o.count && !o.quiet && write_out(std::to_string(result.lines_out) + "\n") != exit_output) {
        return exit_error;
    }
    if (result.input_failed) {
        return exit_error;
    }
    return result.lines_out > 0 ? exit_output : exit_no_output;
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
