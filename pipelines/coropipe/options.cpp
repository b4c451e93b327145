#include "options.hpp"

#include <coropipe/duration.hpp>
#include <coropipe/field_ref.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/syntax_error.hpp>

#include <charconv>
#include <cstddef>
#include <system_error>

namespace coropipe::cli {

namespace {

[[noreturn]] void unknown(const std::string& option) {
    std::string message = "coropipe: unknown option '" + option + "' (see coropipe --help)";
    if (!option.starts_with("--")) {
        // coropipe -i 'grep x': a stage's option before the pipeline
        message += "\ncoropipe: a stage's options go inside the quoted pipeline text, after the stage's name,"
                   " as in: coropipe 'grep -i error' app.log";
    }
    throw usage_error{message};
}

} // namespace

options parse_options(const std::vector<std::string>& args) {
    options o;
    bool help = false;
    bool version = false;
    std::vector<std::string> operands;
    bool only_operands = false;
    for (std::size_t n = 0; n < args.size(); ++n) {
        const std::string& arg = args[n];
        if (only_operands || arg == "-" || !arg.starts_with('-')) {
            operands.push_back(arg);
        } else if (arg == "--") {
            only_operands = true;
        } else if (arg.starts_with("--")) {
            if (arg == "--help") {
                help = true;
            } else if (arg == "--version") {
                version = true;
            } else if (arg == "--line-buffered") {
                o.line_buffered = true;
            } else if (arg == "--follow") {
                o.follow = true;
            } else if (arg == "--explain") {
                o.explain = true;
            } else if (arg == "--no-fast-paths") {
                o.no_fast_paths = true;
            } else if (arg == "--json") {
                o.json = true;
            } else if (arg == "--time" || arg.starts_with("--time=")) {
                if (arg == "--time" && n + 1 == args.size()) {
                    throw usage_error{"coropipe: --time needs a FIELD (where a line's RFC 3339 time is)"};
                }
                o.time_field = arg == "--time" ? args[++n] : arg.substr(7);
                try {
                    (void)field_ref::parse(o.time_field);
                } catch (const syntax_error& e) {
                    throw usage_error{"coropipe: --time: " + e.reason() + " in '" + o.time_field + "'"};
                }
            } else if (arg == "--grace" || arg.starts_with("--grace=")) {
                if (arg == "--grace" && n + 1 == args.size()) {
                    throw usage_error{"coropipe: --grace needs a DURATION (how long after its end a window waits)"};
                }
                const std::string value = arg == "--grace" ? args[++n] : arg.substr(8);
                const std::optional<std::chrono::milliseconds> d = parse_duration(value);
                if (!d) {
                    throw usage_error{"coropipe: --grace: '" + value + "' is not a duration (write 0s, 500ms, 2s, 1m)"};
                }
                o.grace = *d;
            } else if (arg == "--groups" || arg.starts_with("--groups=")) {
                std::string value;
                if (arg == "--groups") {
                    if (n + 1 == args.size()) {
                        throw usage_error{"coropipe: --groups needs a number (the most groups an aggregate keeps)"};
                    }
                    value = args[++n];
                } else {
                    value = arg.substr(9);
                }
                const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), o.group_limit);
                if (ec != std::errc() || end != value.data() + value.size() || o.group_limit == 0) {
                    throw usage_error{"coropipe: --groups: '" + value + "' is not a number of groups (1 or more)"};
                }
            } else {
                unknown(arg);
            }
        } else {
            for (std::size_t i = 1; i < arg.size(); ++i) {
                switch (arg[i]) {
                case 'c': o.count = true; break;
                case 'q': o.quiet = true; break;
                case 'h': help = true; break;
                case 'f': o.follow = true; break;
                default: unknown(std::string("-") + arg[i]);
                }
            }
        }
    }
    if (help) {
        o.what = options::action::help;
        return o;
    }
    if (version) {
        o.what = options::action::version;
        return o;
    }
    if (operands.empty()) {
        throw usage_error{"coropipe: missing pipeline text (see coropipe --help)"};
    }
    if (operands[0] == "help") {
        if (operands.size() > 2) {
            throw usage_error{"coropipe: help takes one stage name"};
        }
        o.what = operands.size() == 1 ? options::action::help : options::action::stage_help;
        o.text = operands.size() == 2 ? operands[1] : "";
        return o;
    }
    o.text = operands[0];
    o.files.assign(operands.begin() + 1, operands.end());
    if (o.follow && o.files.size() > 1) {
        throw usage_error{"coropipe: -f follows one FILE, not " + std::to_string(o.files.size())};
    }
    return o;
}

std::string usage() {
    return "usage: coropipe [OPTIONS] 'STAGE [ARGS] | STAGE [ARGS] | ...' [FILE...]\n"
           "       coropipe help [STAGE]\n"
           "Runs the pipeline over the lines of each FILE in turn (standard input when none or -).\n"
           "\n"
           "options:\n"
           "  -c               print only the number of output lines\n"
           "  -q               print nothing; exit status only\n"
           "  -f, --follow     keep reading FILE as it grows, across rotation and truncation,\n"
           "                   like tail -F, until SIGINT or SIGTERM (one FILE; - is read to its end)\n"
           "  --line-buffered  write each output line at once (the default on a terminal)\n"
           "  --explain        print how the pipeline runs (whole-buffer or per line) and exit\n"
           "  --no-fast-paths  run every stage line by line (same output; for testing)\n"
           "  --json           aggregates grouped with by (and p50..p99, distinct) write one JSON\n"
           "                   object per group instead of KEY<TAB>...<TAB>VALUE lines\n"
           "  --time FIELD     with 'every DURATION': a line's time is the RFC 3339 timestamp in FIELD\n"
           "                   (default: one at the start of the line, else @time; else the clock)\n"
           "  --grace DURATION with 'every DURATION' and -f: a window is also written when the clock has\n"
           "                   passed its end plus DURATION (default 2s), even if no later line comes\n"
           "  --groups N       the most groups an aggregate keeps (default 1000000); the lines of\n"
           "                   further groups are counted in one group (other), with a warning\n"
           "  -h, --help       this help\n"
           "  --version        print the version\n"
           "  --               end of options\n"
           "\n"
           "exit status: 0 if a line was output, 1 if none, 2 on error.\n"
           "\n"
           "stages:\n" +
           all_stages_help();
}

} // namespace coropipe::cli
