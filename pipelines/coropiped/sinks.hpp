#pragma once
// A configured [sink.NAME] as a library queued_sink.

#include "config.hpp"
#include "metrics.hpp"

#include <coropipe/asio/queued_sink.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>

namespace coropiped {

/// Opens the sink (a file now: an error throws, naming the sink and the
/// file) and starts its writer on a strand of `io`; it counts into its
/// entries of `metrics`.
std::shared_ptr<coropipe::asio::queued_sink> open_sink(boost::asio::io_context& io, const sink_config& c,
                                                       metrics_registry& metrics);

/// `host:port`, `[v6]:port` for messages.
std::string address_text(const endpoint& e);

} // namespace coropiped
