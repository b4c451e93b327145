#pragma once

#include <coropipe/number.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe {

/// What a grouped aggregate computes for each group of lines.
enum class group_aggregate : unsigned char { count, sum, avg, min, max, quantile, distinct };

/// Which aggregate, over which FIELD, grouped by which FIELDs.
struct group_by_spec {
    group_aggregate what = group_aggregate::count;
    /// The FIELD reference aggregated (`latency_ms`, `$3`, `.http.ms`, `@app`);
    /// unused by `count`.
    std::string field{};
    /// For `quantile`: which one, 0 <= q <= 1 (0.99 for p99).
    double q = 0.5;
    /// The FIELD references that key the groups; empty: one group of all lines.
    std::vector<std::string> keys{};
    /// The value's name: the last JSON member, and in warnings (`p99`). Empty:
    /// the aggregate's (`count`, `sum`, `avg`, `min`, `max`, `quantile`, `distinct`).
    std::string name{};
};

struct group_result;

/// How a grouped aggregate runs and writes.
struct group_by_options {
    /// At most this many groups are kept; past it, lines of new groups are
    /// aggregated in one group whose keys are all `(other)`, and
    /// `on_warning` is told once. Bounds the memory on hostile input.
    std::size_t group_limit = 1'000'000;
    /// Write one JSON object per group (`{"$2":"web-1","count":42}`) instead
    /// of `KEY1<TAB>KEY2...<TAB>VALUE`.
    bool json = false;
    /// Told (one line, no '\n') when the group limit is first passed, and at
    /// the end when lines were not counted (no FIELD, or not a number).
    /// Null: not told.
    std::function<void(std::string_view)> on_warning{};
    /// Tumbling windows of this length (`every 1m`): see `group_by`.
    std::optional<std::chrono::milliseconds> every{};
    /// With `every`: the FIELD that holds a line's time (an RFC 3339
    /// timestamp). Empty: an RFC 3339 timestamp at the start of the line,
    /// else `@time` (a syslog header's, if it is RFC 3339).
    std::string time_field{};
    /// With `every`: a `group_by_tick()` closes the current window once the
    /// wall clock (the system clock) has passed its end plus this grace. Two
    /// seconds by default: long enough for lines that a sender buffers or a
    /// relay forwards a moment late, short enough for a live view. Lines
    /// alone never consult it: a window they close is the one a later line
    /// of a later window ends.
    std::chrono::milliseconds grace{2000};
    /// With `every`: told of each window as it is written — its start (RFC
    /// 3339) and its groups, as `group_table::results()` gives them — before
    /// its lines are yielded (a daemon exports them as Prometheus gauges).
    /// Null: not told.
    std::function<void(std::string_view window, const std::vector<group_result>& groups)> on_window{};
};

/// The line that is no line: handed to a `group_by` stage (`send` it, or
/// yield it from upstream), it says only "time has passed". With `every`,
/// the stage then writes the current window if the wall clock is past its
/// end plus `grace` (a later line of that window is then late); otherwise,
/// and without `every`, it is ignored. Recognised by its address (its
/// `data()`), never by its text: an empty line of the input is a line.
/// `text_run::tick()` sends it to a pipeline's windowed aggregates only.
std::string_view group_by_tick() noexcept;

/// One group's result, as `group_table::results()` gives it.
struct group_result {
    /// The value of each key FIELD in this group's lines, in the order of
    /// `group_by_spec::keys`; empty text for lines without that FIELD. All
    /// `(other)` for the overflow group.
    std::vector<std::string> keys;
    /// The value, for ordering (a `quantile` estimate is approximate).
    number value;
    /// The value as written: a count, an exact sum or average, a min/max as
    /// written in the line, a quantile estimate (6 significant digits, or the
    /// exact min/max when it is one), a distinct count.
    std::string text;
};

/// The groups of a grouped aggregate (`count by $2`, `p99 ms by @app`) and
/// their values: what the `group_by` stage keeps and the pipeline text's
/// aggregate stages print.
///
/// - A line's group is the text of each key FIELD (empty if the line has
///   none: nothing is dropped). For all but `count`, a line whose FIELD is
///   missing or not a number (`distinct`: missing) is not counted and is
///   counted in `skipped()`.
/// - count/sum/avg/min/max are exact (`coropipe::number`), `quantile` a
///   `quantile_sketch` (1% relative error, exact min/max, at most 32 KiB per
///   group), `distinct` a `distinct_counter` (exact to 100,000 values per
///   group, then 2%).
/// - Memory: at most `group_limit` groups (plus `(other)`), each holding
///   its key texts and its aggregate's state.
///
/// Eager, single-threaded; throws `syntax_error` from the constructor for a
/// malformed FIELD, nothing later but `std::bad_alloc`. lib/group_by.cpp.
class group_table {
public:
    explicit group_table(group_by_spec spec, group_by_options options = {});
    group_table(group_table&&) noexcept;
    group_table& operator=(group_table&&) noexcept;
    ~group_table();

    /// One line (without its '\n').
    void offer(std::string_view line);
    /// Each line of `block` (whole lines, each ending in '\n' but perhaps
    /// the last), as `offer` would take them one by one: what the pipeline
    /// text's whole-buffer form of a grouped aggregate feeds (no call per line).
    void offer_lines(std::string_view block);
    /// Every group: by value descending, then by keys as bytes ascending.
    std::vector<group_result> results() const;
    /// `results()` as output lines, each ending in '\n': `KEY1<TAB>...<TAB>VALUE`
    /// (a tab or newline in a key written `\t`, `\n`) or, with `json`, one
    /// JSON object per group, members named after the key FIELDs and the
    /// spec's name; a value that is no JSON number (`inf`) is `null`.
    /// `window`: with `every`, the window's start, written first on each line.
    void write(std::string& out, std::string_view window = {}) const;
    /// Tells `on_warning` about the lines not counted, if any (once).
    void report_skipped();
    /// Drops every group (a window has been written); the counts of lines
    /// skipped stay, and the group-limit warning is not given again.
    void clear();

    const group_by_options& options() const noexcept;
    std::size_t groups() const noexcept;
    std::uint64_t skipped() const noexcept; ///< lines without a (numeric) FIELD
    std::uint64_t overflowed() const noexcept; ///< lines counted in `(other)`

    struct impl; ///< lib/group_by.cpp
private:
    std::unique_ptr<impl> impl_;
};

/// A stage that aggregates every line into groups and, once the input has
/// ended, yields one line per group (`group_table::write`'s lines, without
/// their '\n').
///
/// ```
/// lines(log) | group_by({.what = group_aggregate::count, .keys = {"$2"}}) | print(out);
/// ```
///
/// With `options.every`, tumbling windows: a line's time is read (see
/// `time_field`; a line without one takes its arrival time, the system
/// clock), and its window is the one of length `every` that holds it,
/// aligned on the epoch. When a line of a later window arrives, the groups
/// of the current one are yielded, each line starting with the window's
/// start (RFC 3339, UTC) and a tab (JSON: a first member `"window"`), and
/// the next window starts empty. A line of an earlier window (written
/// already) is late: not counted, and `on_warning` says at the end how many.
/// A `group_by_tick()` closes the current window by the wall clock (see
/// `group_by_options::grace`): how a follower or a daemon writes a window
/// when no later line comes.
///
/// The FIELDs are parsed when `group_by` is called (a malformed one throws
/// `syntax_error` there). Lazy: the coroutine starts when first pulled; it
/// pulls all of its input before yielding anything. Exceptions from
/// upstream surface at the consumer's resume point. Destroying it early
/// drops the groups (nothing is written) and destroys upstream.
stage<std::string_view> group_by(group_by_spec spec, group_by_options options = {});

} // namespace coropipe
