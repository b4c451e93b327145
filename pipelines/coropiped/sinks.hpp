#pragma once
// A configured [sink.NAME] as a library queued_sink.

#include "config.hpp"
#include "metrics.hpp"

#include <coropipe/asio/queued_sink.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>

namespace coropiped {

class tls_context_slot;

/// Opens the sink (a file now: an error throws, naming the sink and the
/// file) and starts its writer on a strand of `io`; it counts into its
/// entries of `metrics`. A tcp or redis-stream sink with TLS connects with
/// `tls`'s context of the moment (`make_sink_tls`), which a reload may
/// replace.
std::shared_ptr<coropipe::asio::queued_sink> open_sink(boost::asio::io_context& io, const sink_config& c,
                                                       metrics_registry& metrics,
                                                       std::shared_ptr<tls_context_slot> tls = nullptr);

/// The client context of a tcp or redis-stream sink with TLS, made from its files now
/// (an error throws, naming the sink and the file); null for other sinks.
std::shared_ptr<tls_context_slot> make_sink_tls(const sink_config& c);

/// `host:port`, `[v6]:port` for messages.
std::string address_text(const endpoint& e);

} // namespace coropiped
