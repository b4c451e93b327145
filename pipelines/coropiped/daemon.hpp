#pragma once
// The daemon: sources → pipelines → sinks on a multi-threaded io_context.
// See docs/coropiped.md.

#include "metrics.hpp"
#include "sink.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace coropiped {

/// What the daemon runs: the parts of the configuration it acts on.
struct settings {
    struct source {
        enum class kind { tcp, udp, unix_stream, stdin_, file };
        enum class framing { newline, octet, automatic };
        std::string name;
        kind type = kind::tcp;
        std::string listen; ///< tcp/udp host:port, unix path
        std::string path;   ///< file
        framing frames = framing::automatic;
        std::size_t max_line = 64 * 1024;
        std::size_t max_connections = 10'000;
        bool start_at_end = true; ///< file: without a saved offset
        bool operator==(const source&) const = default;
    };
    struct pipeline {
        std::string name;
        std::vector<std::string> from;
        std::string run;
        std::vector<std::string> to;
    };
    std::vector<source> sources;
    std::vector<pipeline> pipelines;
    std::vector<sink_options> sinks;
    unsigned threads = 0; ///< 0: one per core
    std::chrono::milliseconds shutdown_timeout{10'000};
    std::string metrics_listen; ///< host:port of /metrics and /health; empty: none
    std::string state_file;     ///< file sources' offsets
};

/// Loads and validates a configuration file; throws with a message naming
/// the file, line and key.
using settings_loader = std::function<settings(const std::string& path)>;

/// Runs until SIGTERM/SIGINT (then drains every buffer to the sinks within
/// the shutdown timeout) and returns the exit status. SIGHUP reloads
/// `config_path` with `load` (a bad file is reported, the old settings
/// stay) and reopens files; SIGUSR1 only reopens files.
int run_daemon(settings initial, std::string config_path, settings_loader load);

} // namespace coropiped
