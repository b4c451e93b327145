#pragma once
// Private to lib/: Hyperscan behind line_filter's whole-buffer regex search.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::detail {

class hyperscan_database;

/// The lines of a buffer that hold a match of one regex, found with
/// Hyperscan in block mode over the whole buffer (multi-line: `^`/`$` at
/// each line's ends), not line by line.
///
/// Hyperscan reports the end of every match; a match never spans a '\n'
/// (see `ere_translation::engine_pattern`), so each end names its line,
/// and a scan notes the first match of each line and skips the others. A
/// line with many matches (`[0-9]` on log lines) would cost one report
/// per match: after a few in one line the scan stops, and the rest of the
/// buffer is scanned densely, each scan stopping at its first match and
/// the next starting at the next line. A pattern whose matches may come
/// out of order (some assertions) is scanned in one go instead, and its
/// lines sorted.
///
/// Not thread-safe (the lines found are kept for the next call): one per
/// filter, as line_filter is. It scans with its thread's scratch space.
class hyperscan_lines {
public:
    /// Compiles `engine_pattern`; nullptr if Hyperscan cannot run on this
    /// CPU (it needs SSSE3) or does not take the pattern: the caller then
    /// searches with RE2.
    static std::unique_ptr<hyperscan_lines> compile(const std::string& engine_pattern, bool can_match_empty);

    hyperscan_lines(const hyperscan_lines&) = delete;
    hyperscan_lines& operator=(const hyperscan_lines&) = delete;
    ~hyperscan_lines();

    /// The longest text `find` searches (hs_scan takes an unsigned length).
    static constexpr std::size_t max_text = 0xFFFFFFFFu;

    /// Starts over on `text` (a buffer of lines, the last one maybe
    /// without '\n', at most `max_text` bytes), for `find`.
    void start(std::string_view text) noexcept;

    /// A line of the text: [begin, end), end at its '\n' or the text's end.
    struct line {
        std::size_t begin;
        std::size_t end;
    };

    /// The first line of the text that begins at or after `from` (a line
    /// start) and holds a match; {size, size} if none. Calls with a
    /// growing `from` scan the text once. Throws `std::bad_alloc` if the
    /// scratch space cannot grow, `coropipe::error` if Hyperscan fails
    /// otherwise (it does not).
    line find(std::size_t from);

private:
    explicit hyperscan_lines(std::unique_ptr<hyperscan_database> database) noexcept;
    void scan_from(std::size_t from);

    std::unique_ptr<hyperscan_database> database_;
    std::string_view text_;
    std::vector<line> lines_; // the lines found from known_from_ to scanned_to_, in order
    std::size_t next_ = 0;    // the first of lines_ not yet returned
    std::size_t known_from_ = 0;
    std::size_t scanned_to_ = 0;
    bool dense_ = false; // lines hold many matches: each scan stops at its first
};

} // namespace coropipe::detail
