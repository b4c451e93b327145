#pragma once
// What some keys check or claim beyond their value, once their table is
// read: the `after` of their schema entry (schema.cpp).

#include "config/reader.hpp"

namespace coropiped::loader {

/// source.listen: the protocol, address and port are this source's alone.
void claim_listen(key_use& use);

/// daemon.metrics_listen: turns the endpoint on; its address is its alone.
void claim_metrics_listen(key_use& use);

/// source.type: one stdin source at most.
void claim_standard_input(key_use& use);

/// source.path of a unix source: fits a socket address; this source's alone.
void claim_unix_socket(key_use& use);

/// source.path of a file source: one source follows a file.
void claim_followed_file(key_use& use);

/// sink.path, sink.spool, daemon.state_file: one writer per file, and not a
/// file that a source follows.
void claim_written_file(key_use& use);

/// daemon.metrics_auth: `USER:` and 64 hex digits (a SHA-256).
void check_metrics_auth(key_use& use);

/// source.tls.ca: on a tcp source, only with tls.cert (a redis-stream
/// source's is a client's, alone).
void check_source_tls_ca(key_use& use);

/// daemon.metrics_tls.cert: only with metrics_listen.
void check_metrics_tls(key_use& use);

/// pipeline.run: every error of the text, at its place in the file; then the
/// caller's run_check.
void check_run(key_use& use);
/// `metric.name`: a Prometheus metric name; `run` ends in an aggregate with
/// `every`, and `metric.labels` (read before) names each of its `by` KEYs.
void check_metric_name(key_use& use);

} // namespace coropiped::loader
