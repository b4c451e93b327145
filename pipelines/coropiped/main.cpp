// coropiped: the log-filtering daemon. Sources → pipelines (the coropipe
// pipeline text) → sinks, on a multi-threaded io_context. See docs/coropiped.md.
//
//   coropiped [--threads N] CONFIG      run
//   coropiped --check CONFIG            validate and exit (0 valid, 2 not)
#include "config.hpp"
#include "daemon.hpp"

#include <coropipe/pipeline_text.hpp>
#include <coropipe/text_pipeline.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <malloc.h>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

const char* usage_text =
    "Usage: coropiped [OPTIONS] CONFIG\n"
    "       coropiped --check CONFIG\n"
    "\n"
    "The coropipe log daemon: receives and tails logs (TCP and UDP syslog, unix\n"
    "sockets, stdin, followed files), runs them through pipelines written in the\n"
    "coropipe pipeline text, and writes them to files, stdout or TCP peers.\n"
    "\n"
    "Options:\n"
    "  --check          validate CONFIG (syntax, keys, pipelines; sink and state directories\n"
    "                   writable, listen addresses free to bind, users known) and exit\n"
    "  --threads N      io_context threads (overrides [daemon] threads; 0: one per core)\n"
    "  -h, --help       this text\n"
    "  --version        the version\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop accepting, drain every buffer and exit 0;\n"
    "SIGHUP reloads CONFIG (a bad one is reported, the running one stays) and\n"
    "reopens files; SIGUSR1 reopens files.\n"
    "Exit status: 0 stopped cleanly, 1 runtime failure or shutdown deadline\n"
    "passed, 2 bad usage or configuration.\n"
    "See docs/coropiped.md and docs/coropiped-config.md.\n";

/// The configuration, loaded and validated, with every pipeline planned
/// once (so what only building a stage finds, a regex RE2 refuses, is a
/// config error too, at its place in the file).
coropiped::daemon_config load(const std::string& path, unsigned threads_override, bool override_threads) {
    coropiped::daemon_config c = coropiped::load_config(
        path, [](const coropiped::pipeline_config& p) { (void)coropipe::text_pipeline(p.run, coropiped::plan_of(p)); });
    for (const std::string& w : c.warnings) {
        std::fprintf(stderr, "coropiped: %s\n", w.c_str());
    }
    if (override_threads) {
        c.threads = threads_override;
    }
    return c;
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN); // a closed peer is an EPIPE error, handled where it happens
    // glibc gives a heap's freed top back to the kernel past a threshold that
    // follows the largest block freed (~640 KiB here): a Redis source's
    // batch of 1,000 entries (~7 MB of strings, freed once copied into
    // chunks) was faulted in afresh every batch — 16% of the daemon's CPU.
    // Keep up to 32 MiB; blocks from 4 MiB up are mapped and unmapped alone
    // (setting one threshold fixes the other, so both are set).
    ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 32 << 20);
    std::vector<std::string> args(argv + 1, argv + argc);
    bool check = false;
    bool override_threads = false;
    unsigned threads = 0;
    std::string config;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            std::fputs(usage_text, stdout);
            return exit_ok;
        }
        if (a == "--version") {
            std::printf("coropiped %s\n", COROPIPE_VERSION);
            return exit_ok;
        }
        if (a == "--check") {
            check = true;
        } else if (a == "--threads" || a.starts_with("--threads=")) {
            std::string value;
            if (a == "--threads") {
                if (i + 1 == args.size()) {
                    std::fprintf(stderr, "coropiped: --threads needs a number\n");
                    return exit_usage;
                }
                value = args[++i];
            } else {
                value = a.substr(std::strlen("--threads="));
            }
            try {
                std::size_t used = 0;
                const unsigned long n = std::stoul(value, &used);
                if (used != value.size() || n > 1024) {
                    throw std::invalid_argument(value);
                }
                threads = static_cast<unsigned>(n);
                override_threads = true;
            } catch (const std::exception&) {
                std::fprintf(stderr, "coropiped: --threads: '%s' is not a number from 0 to 1024\n", value.c_str());
                return exit_usage;
            }
        } else if (a == "-c" || a == "--config") {
            if (i + 1 == args.size()) {
                std::fprintf(stderr, "coropiped: %s needs a file\n", a.c_str());
                return exit_usage;
            }
            config = args[++i];
        } else if (a.starts_with("-") && a != "-") {
            std::fprintf(stderr, "coropiped: unknown option '%s' (see coropiped --help)\n", a.c_str());
            return exit_usage;
        } else if (config.empty()) {
            config = a;
        } else {
            std::fprintf(stderr, "coropiped: one CONFIG only, got '%s' and '%s'\n", config.c_str(), a.c_str());
            return exit_usage;
        }
    }
    if (config.empty()) {
        std::fprintf(stderr, "coropiped: no CONFIG given (see coropiped --help)\n");
        return exit_usage;
    }
    coropiped::daemon_config initial;
    try {
        initial = load(config, threads, override_threads);
    } catch (const coropipe::pipeline_text_error& e) {
        std::fprintf(stderr, "coropiped: %s: %s\n", config.c_str(), e.what());
        return exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return exit_usage;
    }
    if (check) {
        // What the file cannot say by itself: directories, addresses, users.
        const std::vector<coropiped::config_diagnostic> problems = coropiped::check_environment(initial);
        for (const coropiped::config_diagnostic& d : problems) {
            std::fprintf(stderr, "%s\n", d.to_string().c_str());
        }
        if (!problems.empty()) {
            return exit_usage;
        }
        std::printf("%s: ok\n", config.c_str());
        return exit_ok;
    }
    try {
        return coropiped::run_daemon(std::move(initial), [config, threads, override_threads] {
            return load(config, threads, override_threads);
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "coropiped: error: %s\n", e.what());
        return exit_failure;
    }
}
