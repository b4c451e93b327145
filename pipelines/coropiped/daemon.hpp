#pragma once
// The daemon: sources -> pipelines -> sinks on a multi-threaded io_context,
// all of it run by the library (coropipe::asio::async_run, queued_sink,
// listener). See docs/coropiped.md.

#include "config.hpp"

#include <coropipe/text_pipeline.hpp>

#include <functional>

namespace coropiped {

/// Reads and validates the configuration file again (on SIGHUP); throws
/// with a message naming the file, line and key.
using config_loader = std::function<daemon_config()>;

/// How a pipeline's `run` is planned: its `format` and `grace` for the
/// grouped aggregates (daemon.cpp).
coropipe::plan_options plan_of(const pipeline_config& pipeline);

/// Runs until SIGTERM/SIGINT, then drains every buffer to the sinks within
/// the shutdown timeout, and returns the exit status: 0 when every line
/// read was written, 1 when some were not (the log says how many, and
/// where). SIGHUP reloads with `reload` — transactionally: a bad file, a
/// port in use or a sink that cannot open keeps the running configuration —
/// and reopens files; SIGUSR1 only reopens files.
int run_daemon(daemon_config initial, config_loader reload);

} // namespace coropiped
