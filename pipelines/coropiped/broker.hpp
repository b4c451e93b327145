#pragma once
// A source that consumes a broker's consumer group (Redis Streams now; the
// interface is small so that a Kafka one can be added): what the transport
// does (broker_consumer) and what the daemon does around it (broker_source.cpp:
// acknowledging an entry only once every sink has settled its lines).

#include "sources.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace coropiped {

/// One entry of a broker (a Redis stream entry, a Kafka message).
struct broker_entry {
    std::string id;
    std::string lines;   ///< its lines, each ending in '\n'; empty: nothing to deliver (acknowledged at once)
    std::string problem; ///< not empty: a bad entry, skipped (acknowledged, counted, logged)
    bool redelivered = false; ///< read before: its consumer's own pending entry, or claimed from another
    bool claimed = false;     ///< taken over from another consumer that left it pending too long
};

/// A broker's consumer-group transport, used by one source on one strand
/// (one call at a time). Errors throw (`boost::system::system_error`): the
/// caller logs, waits and calls again; the transport recovers its own state
/// (a group to create again, its own pending entries to read again after a
/// lost reply).
class broker_consumer {
public:
    virtual ~broker_consumer() = default;

    /// `redis-stream 127.0.0.1:6379 logs (group g, consumer c)`
    virtual std::string describe() const = 0;

    /// At most `max` entries for this consumer: first its own pending
    /// entries (after a start, or a reply lost with a connection), then
    /// entries other consumers left pending too long (claimed), then new
    /// ones, waiting a while when there are none (then: none).
    virtual boost::asio::awaitable<std::vector<broker_entry>> fetch(std::size_t max) = 0;

    /// These entries are done: they are not delivered again.
    virtual boost::asio::awaitable<void> acknowledge(std::vector<std::string> ids) = 0;

    /// Ends `fetch` (it completes with `operation_aborted`); `acknowledge`
    /// still works.
    virtual void stop_fetching() = 0;

    /// Whether the broker answers now (for `/metrics`).
    virtual bool connected() const = 0;

    /// A reload (SIGHUP) of the same source: reads its TLS files again, for
    /// the next connections (the open ones stay). A file it cannot use
    /// throws; the old context stays.
    virtual void reload(const source_config& c) { (void)c; }
};

/// A `redis-stream` source (broker_source.cpp): its run reads the entries
/// and acknowledges each once every sink of its routes has settled (written,
/// or spooled) all the lines it got from the entry (lines the pipelines drop
/// count as settled). Throws, naming the source, for an address it cannot use.
std::unique_ptr<running_source> open_redis_stream(const source_config& c, source_env env);

/// The Redis Streams consumer of a `redis-stream` source (redis_consumer.cpp),
/// on `executor` (a strand). Throws for an address it cannot use.
std::unique_ptr<broker_consumer> make_redis_consumer(const boost::asio::any_io_executor& executor,
                                                     const source_config& c);

} // namespace coropiped
