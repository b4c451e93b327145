#pragma once

#include <atomic>
#include <cstdint>

namespace coropipe::asio {

/// Live counters of a source, a pipeline or a sink, added to as the work
/// goes and readable from any thread at any time (for `/metrics`). A run
/// adds to the counters it is given (`run_options::source`,
/// `route::metrics`); a `queued_sink` to its own. Relaxed atomics: each
/// number is exact, but two read one after the other may be from moments
/// a few lines apart.
struct counters {
    std::atomic<std::uint64_t> lines_in{0};
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> lines_out{0};
    std::atomic<std::uint64_t> bytes_out{0};
    std::atomic<std::uint64_t> dropped{0};     ///< lines dropped (lossy runs, a full sink)
    std::atomic<std::uint64_t> truncated{0};   ///< lines cut to max_line
    std::atomic<std::uint64_t> errors{0};      ///< I/O errors, bad frames, failed stages
    std::atomic<std::int64_t> buffer_bytes{0}; ///< bytes waiting in this component's buffer
    std::atomic<std::int64_t> connections{0};  ///< open connections (stream sources)
    std::atomic<std::uint64_t> rejected{0};    ///< connections refused (over the limit, out of descriptors)
    std::atomic<std::uint64_t> throttled{0};   ///< lines a pipeline's `throttle` stages dropped
};

} // namespace coropipe::asio
