#pragma once

#include <coropipe/detail/line_filter.hpp>
#include <coropipe/detail/search.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace coropipe::detail {

class line_reader;

/// Finds `key=value` fields in a text of many lines at once, with the rules
/// of `find_field` (lib/field.cpp): in each line, the first `key=` that
/// starts the line or follows a space or tab; its value runs up to the next
/// space, tab, CR or LF. The text is searched for `key=` as a whole, so
/// lines without the key are never split; after a hit, the rest of its line
/// is skipped. The scan looks (memchr) for the key's rarest byte, but not
/// its '=' (every field of a key=value log has one), and compares the key
/// there; when candidates turn out dense it hands the rest of the text to
/// `substring_searcher` (memmem), so no text costs more than linear time.
///
/// A key holding '\n' is in no line: nothing is found. Never throws after
/// construction, allocates nothing per search. Compiled in lib/field_scan.cpp.
class field_finder {
public:
    /// Finds `key` (without the '='); an empty key throws `coropipe::error`,
    /// as `field("")` does.
    explicit field_finder(std::string_view key);

    /// In `text`, whole lines from a line start (the last one may lack its
    /// '\n'), the value of the first line at or after `*from` (a line
    /// start) that has the key; `*from` is set to the start of the line
    /// after it (or `text.size()`). Empty, with `*from = text.size()`, when
    /// no line left has the key.
    std::optional<std::string_view> next(std::string_view text, std::size_t* from) const noexcept;

private:
    std::size_t find_key(std::string_view text, std::size_t pos) const noexcept;

    substring_searcher key_eq_; // "key=", and the searcher for dense candidates
    std::size_t rare_ = 0;      // the index of the byte the scan looks for
    bool never_ = false;        // the key holds '\n'
};

/// What the utility's `min`, `max`, `sum`, `avg` (over a `key=` field) and
/// `count` stages compute, as data: what a `field_fold` is built from.
struct field_fold_spec {
    enum class kind : unsigned char { min, max, sum, avg, count };
    kind what = kind::min;
    std::string key;         ///< the FIELD (a `field_ref`'s text: `latency_ms`, `$3`, `.a.b`); unused by `count`
    bool final_only = false; ///< only the final value, at the end (`--final`)
};

/// The whole-buffer form of the pipeline text's `[grep/prefix/where...] | min FIELD`
/// (and of max, sum, avg and count): the running value over the lines that
/// pass a `line_filter` and hold the key, written as text straight into an
/// `output_buffer`, one line per line that counts (or, with `final_only`,
/// one at the end).
///
/// Exact: the same bytes as the pipeline text's per-line numeric stages
/// (lib/text/numeric.hpp): both keep their state in a `numeric_fold`
/// (exact `coropipe::number`s; min/max print the best value as written),
/// and both read the field with `field_ref::find`.
///
/// How: a logfmt key without filters is searched for (`key=`) over the
/// whole buffer by `field_finder` (a quoted value is read again by
/// `field_ref`, unquoted); otherwise the `line_filter::cursor` finds the
/// lines that pass, and the field is looked up in each. `count` counts the
/// lines ('\n's, memchr). Nothing is allocated per line once warm.
///
/// Eager: each `feed` does its work at once. Not thread-safe. Compiled in lib/field_scan.cpp.
class field_fold {
public:
    /// `spec.key` empty (but for count) throws `coropipe::error`.
    explicit field_fold(const field_fold_spec& spec);
    field_fold(field_fold&&) noexcept;
    field_fold& operator=(field_fold&&) noexcept;
    ~field_fold();

    /// Takes every line of `text` (whole lines from a line start; the last
    /// may lack its '\n') that passes `filter`; for each one that counts,
    /// unless `final_only`, appends the running value and '\n' to `out`.
    /// Returns how many lines it wrote.
    std::size_t feed(std::string_view text, const line_filter& filter, std::string& out);

    /// A test a line must also pass (a `where`), after the filter's.
    using line_test = std::function<bool(std::string_view)>;

    /// `feed`, counting only the lines that pass `filter` and `test` (if set).
    std::size_t feed(std::string_view text, const line_filter& filter, const line_test& test, std::string& out);

    /// The end of the input: with `final_only`, writes the final value (if
    /// there is one, as the stages say: no min of nothing, a sum or count of
    /// 0) and returns 1, else 0. Without `final_only`, writes nothing.
    std::size_t finish(std::string& out);

private:
    struct state; // the stages' accumulators; one allocation, at construction
    std::unique_ptr<state> state_;
};

/// The input of a `line_reader` as blocks of whole lines, for searches that
/// look at many lines at once (`field_fold::feed`, `line_filter::cursor`).
///
/// Each block is what the reader has buffered up to its last '\n' (one
/// memrchr over the bytes read since the last look), typically 64 KiB of
/// lines; a line longer than a chunk is read on until its '\n' (or the end)
/// first, so memory is bounded by the longest line. The last block of an
/// input that does not end in '\n' ends with that unterminated line.
/// Byte-exact, as `line_reader::next()` (which would give the same lines).
///
/// Read errors come out of `next()` as `line_reader` throws them. The
/// reader is referenced and must outlive this; do not use it otherwise
/// meanwhile.
class line_blocks {
public:
    explicit line_blocks(line_reader& reader) noexcept : reader_(&reader) {}

    /// The next block (consuming the one before); empty at the end of the
    /// input. Valid until the next call.
    std::optional<std::string_view> next();

private:
    line_reader* reader_;
    std::size_t block_ = 0;        // size of the block handed out last
    std::size_t newline_free_ = 0; // bytes after it known to hold no '\n'
};

} // namespace coropipe::detail
