#pragma once
// The daemon's counters and their Prometheus text form.

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace coropiped {

/// Counters of one source, pipeline or sink. Updated from any thread.
struct counters {
    std::atomic<std::uint64_t> lines_in{0};
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> lines_out{0};
    std::atomic<std::uint64_t> bytes_out{0};
    std::atomic<std::uint64_t> dropped{0};      ///< lines dropped (UDP with a full buffer)
    std::atomic<std::uint64_t> truncated{0};    ///< lines cut to max_line
    std::atomic<std::int64_t> buffer_bytes{0};  ///< bytes waiting in this component's buffer
    std::atomic<std::int64_t> connections{0};   ///< open connections (sources)
    std::atomic<std::uint64_t> rejected{0};     ///< connections refused over the limit
    std::atomic<std::uint64_t> errors{0};       ///< I/O errors (sink write failures, bad frames)
};

/// Every component's counters, by kind and name; entries live as long as
/// the registry (a reloaded component with the same name keeps counting).
class metrics_registry {
public:
    counters& get(const std::string& kind, const std::string& name);
    std::atomic<std::uint64_t> reloads{0};
    std::atomic<std::uint64_t> reload_failures{0};
    /// The Prometheus text exposition format (version 0.0.4).
    std::string prometheus() const;

private:
    struct entry {
        std::string kind, name;
        counters c;
    };
    mutable std::mutex mutex_;
    std::deque<entry> entries_; // a deque: references stay valid
};

} // namespace coropiped
