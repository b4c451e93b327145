#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace coropipe::cli {

/// What the command line asks for.
struct options {
    enum class action { run, help, stage_help, version };
    action what = action::run;
    bool count = false;         ///< -c: print only the number of output lines
    bool quiet = false;         ///< -q: no output, exit status only
    bool line_buffered = false; ///< --line-buffered (or stdout is a terminal)
    bool follow = false;        ///< -f, --follow: keep reading FILE as it grows (at most one FILE)
    bool explain = false;       ///< --explain: print the plan instead of running it
    bool no_fast_paths = false; ///< --no-fast-paths: every stage line by line (same output)
    bool json = false;          ///< --json: grouped aggregates write JSON objects
    std::size_t group_limit = 1'000'000; ///< --groups N
    std::string time_field;     ///< --time FIELD
    std::chrono::milliseconds grace{2000}; ///< --grace DURATION
    std::string text;           ///< the pipeline text, or the stage name for `help STAGE`
    std::vector<std::string> files;
};

/// Thrown for a bad command line; what() is the whole message.
struct usage_error {
    std::string message;
};

/// Parses `argv[1..]`, GNU style: options may come anywhere before `--`.
/// Eager, pure; throws `usage_error`.
options parse_options(const std::vector<std::string>& args);

/// The usage text for -h/--help, ending in the list of stages.
std::string usage();

} // namespace coropipe::cli
