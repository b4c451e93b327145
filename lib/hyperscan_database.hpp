#pragma once
// Private to lib/: one compiled Hyperscan pattern, what hyperscan_lines
// (a buffer of lines) and regex_matcher (one line) scan with.

#include <cstdint>
#include <memory>
#include <string>

struct hs_database;
struct hs_scratch;

namespace coropipe::detail {

/// A Hyperscan block-mode database for one translated pattern
/// (`ere_translation::engine_pattern`), owned. Immutable once built, so
/// any number of threads may scan with it, each with its own scratch space.
class hyperscan_database {
public:
    /// Compiles `engine_pattern`; `multi_line`: `^`/`$` at each line's ends
    /// of a buffer. nullptr if Hyperscan cannot run on this CPU (it needs
    /// SSSE3) or does not take the pattern (e.g. too large): the caller
    /// then uses RE2.
    static std::unique_ptr<hyperscan_database> compile(const std::string& engine_pattern, bool can_match_empty,
                                                       bool multi_line);

    hyperscan_database(const hyperscan_database&) = delete;
    hyperscan_database& operator=(const hyperscan_database&) = delete;
    ~hyperscan_database();

    const hs_database* get() const noexcept { return database_; }

    /// True if its matches come in the order of their ends (Hyperscan's
    /// `unordered_matches` is false: no trailing assertion delays one).
    bool ordered() const noexcept { return ordered_; }

    /// Unique among the databases of this process, for `thread_scratch`.
    std::uint64_t id() const noexcept { return id_; }

private:
    hyperscan_database(hs_database* database, bool ordered) noexcept;

    hs_database* database_;
    bool ordered_;
    std::uint64_t id_;
};

/// This thread's scratch space, large enough for `db` (grown on first use
/// with it); nullptr if memory runs out. Freed when the thread ends.
hs_scratch* thread_scratch(const hyperscan_database& db) noexcept;

} // namespace coropipe::detail
