#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::detail {

class line_reader;

/// One line test of `grep` or `prefix`, as data: what the whole-buffer fast
/// path (`line_filter`) is built from.
struct line_filter_spec {
    enum class kind : unsigned char {
        substring, ///< `grep -F`: the line contains `pattern`
        prefix,    ///< `prefix`: the line starts with `pattern`
        regex,     ///< `grep -E`: the POSIX ERE `pattern` matches in the line (see `regex_matcher`)
    };
    kind what = kind::substring;
    std::string pattern;
    bool invert = false;      ///< pass the lines that fail the test (`-v`)
    bool ignore_case = false; ///< ASCII case (substring and regex); not for a prefix
};

/// A line predicate that also searches many lines at once: the lines that
/// pass every one of its specs, found in a buffer of whole lines without
/// splitting the lines that fail.
///
/// How: one spec is the "primary" and searches the whole buffer: a
/// substring with `substring_searcher` (after folding the buffer's case for
/// `-i`), a prefix as "\n" + prefix, a regex with Hyperscan (RE2 in
/// multi-line mode where Hyperscan does not take it). A regex that is a
/// literal (`grep -E ERROR`) or `^` and a literal searches as a substring
/// or a prefix. Only the line around each hit is cut out (memrchr/memchr)
/// and checked against the other specs, line by line; an inverted primary
/// passes the lines between two hits. Whatever the primary, a line passes
/// exactly when `passes(line)` is true, which is the per-line
/// `grep`/`prefix` stage's test: no part of a translated regex matches a
/// '\n' (`ere_translation`), so each hit lies in one line.
///
/// Building translates and compiles each regex (an invalid one throws
/// `coropipe::regex_error`, as `grep` does). Not thread-safe, and one
/// cursor at a time: `-i` folds into a buffer the filter keeps (as
/// `ascii_icase_searcher` does), and Hyperscan's scratch space and the
/// lines it found are the filter's too; one filter per pipeline.
/// Compiled in lib/line_filter.cpp.
class line_filter {
public:
    /// A filter passing the lines that pass all of `specs` (every line, if
    /// there are none). `use_hyperscan = false` makes RE2 search the
    /// buffer for a regex, as it does when Hyperscan does not take a
    /// pattern: for tests and benchmarks.
    explicit line_filter(const std::vector<line_filter_spec>& specs, bool use_hyperscan = true);
    line_filter(line_filter&&) noexcept;
    line_filter& operator=(line_filter&&) noexcept;
    ~line_filter();

    /// The per-line test: true if `line` (without its '\n') passes.
    bool passes(std::string_view line) const;

    /// True if every line passes (no specs, or only ones like `grep ''`).
    bool passes_all() const noexcept;

    /// What searches the buffer, for tests and benchmarks: "none" (every
    /// line is cut out and checked), "memchr", "memchr, case-folded",
    /// "prefix", "hyperscan" or "re2".
    std::string_view search_engine() const noexcept;

    /// Search state over one buffer of whole lines: '\n'-terminated, but
    /// the last one may be unterminated (the end of the input). The buffer
    /// must stay unchanged while the cursor is used.
    class cursor {
    public:
        cursor(const line_filter& filter, std::string_view text);

        /// The next line, from where the last one ended, that passes:
        /// without its '\n', a view into `text`. Empty when none is left.
        std::optional<std::string_view> next();

        /// Offset in `text` of the first line `next()` has not looked at.
        std::size_t position() const noexcept { return from_; }

    private:
        bool find_primary();

        const line_filter* filter_;
        std::string_view text_;
        std::string_view searched_; // text_, or its case-folded copy in folded_
        std::size_t from_ = 0;      // the start of the next line to look at
        std::size_t hit_begin_ = 0; // the next line holding a primary hit (text_.size(): none)
        std::size_t hit_end_ = 0;   // its end (its '\n', or text_.size())
        bool hit_known_ = false;
    };

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Reads lines from a `line_reader` and yields only the ones that pass a
/// `line_filter`, searching whole buffers: the fast path of
/// `lines(...) | grep(...)`.
///
/// It takes from the reader the complete lines it has buffered (up to the
/// last '\n', found with memrchr over the bytes read since), runs a
/// `line_filter::cursor` over them, and consumes them once done; a line
/// longer than a chunk is read on until its '\n' (or the end) first. So
/// every byte is searched once, memory is bounded by the longest line, and
/// nothing is allocated per line. Byte-exact like `line_reader::next()`:
/// only '\n' is stripped, the last line may lack it.
///
/// Read errors come out of `next()`/`next_run()` as `line_reader` throws
/// them. The reader and the filter are referenced and must outlive the
/// scanner; do not use the reader otherwise while scanning.
class line_scanner {
public:
    line_scanner(line_reader& reader, const line_filter& filter) noexcept : reader_(&reader), filter_(&filter) {}

    /// The next line that passes, without its '\n'; empty at the end of the
    /// input. Valid until the next call.
    std::optional<std::string_view> next();

    /// The next run of consecutive lines that pass, as one view into the
    /// buffer: each line with its '\n', except a last line of the input
    /// that has none. `*count` is set to the number of lines in it. Empty
    /// at the end of the input. Valid until the next call. A run ends where
    /// the buffer does, so consecutive lines may come in several runs. For
    /// printers that write bytes, not lines (one write per run, not per line).
    std::optional<std::string_view> next_run(std::size_t* count);

private:
    bool next_region();

    line_reader* reader_;
    const line_filter* filter_;
    std::optional<line_filter::cursor> cursor_;
    std::optional<std::string_view> pending_; // a line next_run() took but did not return
    std::size_t region_ = 0;       // complete lines at the start of reader_->buffered()
    std::size_t newline_free_ = 0; // bytes after region_ known to hold no '\n'
};

} // namespace coropipe::detail
