#pragma once

#include <coropipe/pipeline_text.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/group_by.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace coropipe {

/// A stage of a text pipeline: lines in, lines out. Every stage of the
/// pipeline text is one, and so is any `stage<std::string_view>` a user
/// writes; the same object runs in a synchronous pipeline or on Asio.
using text_stage = stage<std::string_view, std::string_view>;

/// How a `text_pipeline` is planned.
struct plan_options {
    /// Run stages in their whole-buffer forms where they have one (leading
    /// `grep`/`prefix` search whole buffers; a final `min`/`max`/`sum`/
    /// `avg`/`count` over a key is folded over whole buffers). False runs
    /// every stage line by line: the same output, for differential tests.
    bool fast_paths = true;
    /// The grouped aggregates' group limit, output form (TSV or JSON) and
    /// warnings (`count by $2`, `p99 ms`, `distinct ip`: see
    /// coropipe/stages/group_by.hpp).
    group_by_options groups{};
    /// Told what a stage reports besides its output (one line, no '\n'):
    /// lines an aggregate did not count, the group limit passed, lines
    /// `throttle` dropped. Used instead of `groups.on_warning`. Null: not told.
    std::function<void(std::string_view)> on_warning{};
    /// Incremented for each line a `throttle` stage of any run of this
    /// pipeline drops (a daemon's /metrics reads it). Null: each stage
    /// counts on its own.
    std::shared_ptr<std::atomic<std::uint64_t>> throttled{};
};

class text_run;

/// A pipeline text (`'grep ERROR | min latency_ms'`), parsed, checked and
/// planned once: which stages run over whole buffers, which line by line.
///
/// Immutable once built, and cheap to copy (shared): one plan serves any
/// number of runs, on any threads — a daemon parses a pipeline once per
/// (re)load, not per connection. Each run (`start()`) has its own state.
///
/// The plan is: the leading stages that have a whole-buffer filter form
/// (grep, prefix) become one `detail::line_filter`; then, if the rest is one
/// stage with a whole-buffer fold form (min/max/sum/avg over a key, count),
/// optionally followed by a plain `print`, that fold; otherwise the rest run
/// line by line as coroutine stages. A plain `print` at the end is the
/// output itself. `describe()` says what was chosen.
class text_pipeline {
public:
    /// Parses and plans `text`. Throws `pipeline_text_error` (with the
    /// position of the offending word) for a malformed text, and for what
    /// building the stages finds: a regex RE2 refuses, a `tee` FILE that
    /// cannot be opened (each stage is built once here, then dropped).
    explicit text_pipeline(std::string_view text, plan_options options = {});

    /// The text as given.
    const std::string& text() const noexcept;
    /// The parsed stages.
    const std::vector<stage_spec>& stages() const noexcept;
    /// One line per part of the plan, for `coropipe --explain` and tests:
    /// `whole-buffer filter: grep, prefix`, `whole-buffer fold: min`,
    /// `per line: head, uniq`.
    std::string describe() const;

    /// A new run of this pipeline over one stream of lines. Builds the
    /// per-line stages (their coroutines are created, not started) and the
    /// whole-buffer searchers. Throws as the constructor does (a `tee` FILE
    /// that became unwritable).
    text_run start() const;

    struct plan; ///< (lib/text/text_pipeline.cpp)

private:
    std::shared_ptr<const plan> plan_;
};

/// One run of a text pipeline over one stream of lines: fed blocks of whole
/// lines, it appends what the pipeline outputs, each line ending in '\n', to
/// `output()`. The driver writes that out and clears it between feeds.
///
/// - Eager: `feed` runs the stages over the block before it returns.
/// - A block is whole lines, each ending in '\n'; only the last block of the
///   input may end with a line without one (it is a line all the same).
///   Lines are bytes: only '\n' separates them.
/// - Exceptions from a stage (a `tee` write error) come out of
///   `feed`/`finish`; the run is then over (later feeds do nothing).
/// - Destroying a run destroys its stages where they are (nothing more is
///   output; `finish()` is what emits totals).
///
/// Move-only. Not thread-safe: one run is used by one thread at a time.
class text_run {
public:
    /// A run of one user stage (or a composed chain of them), line by line.
    explicit text_run(text_stage stages);
    text_run(text_run&&) noexcept;
    text_run& operator=(text_run&&) noexcept;
    ~text_run();

    /// Runs the lines of `block` through the pipeline. Returns false once
    /// the pipeline wants no more input (`head N` has passed N lines): the
    /// rest of this block was not looked at, and later feeds are ignored.
    bool feed(std::string_view block);

    /// Time has passed without a line: each aggregate with `every` (`count
    /// by $2 every 1m`) writes its current window if the wall clock has
    /// passed its end plus the grace (`group_by_options::grace`), through
    /// the stages after it, into `output()`. A driver that follows a live
    /// input calls it now and then while it waits (`run_files` when
    /// following, the Asio driver on a timer); without it, a window closes
    /// only when a line of a later window comes, or at the end. No other
    /// stage sees a tick. Returns what `feed` would; exceptions as `feed`.
    bool tick();

    /// Whether `tick` does anything: the pipeline has an aggregate with
    /// `every` (false for a run of a user stage).
    bool ticks() const noexcept;

    /// The end of the input: stages finish (`--final` totals are output).
    /// Idempotent.
    void finish();

    /// The output produced so far and not yet taken: lines, each with '\n'.
    /// At a stable address for the run's life.
    std::string& output() noexcept;

    /// Lines output since the start (taken or not).
    std::uint64_t lines_out() const noexcept;

    struct state; ///< (lib/text/text_pipeline.cpp)

private:
    friend class text_pipeline;
    text_run();

    std::unique_ptr<state> s_;
};

/// What `run_files` is asked to do besides writing the output.
struct file_run_options {
    /// Write the output after every line, not in 64 KiB blocks.
    bool line_buffered = false;
    /// Count the output lines but write nothing (`grep -c`).
    bool count_only = false;
    /// Stop at the first output line, writing nothing (`grep -q`).
    bool stop_at_first = false;
    /// Follow the one file as it grows (`tail -F`), until `stop_fd` is
    /// readable (-1: never) or the pipeline ends.
    bool follow = false;
    int stop_fd = -1;
    /// Told of a file that cannot be opened or read (the next file follows),
    /// and, when following, of rotations and truncations (`code` empty,
    /// `what` says which). Default: nothing is told.
    std::function<void(const std::string& file, std::error_code code, std::string_view what)> on_input_event;
};

/// What `run_files` did.
struct file_run_result {
    std::uint64_t lines_out = 0; ///< output lines (with `count_only`: counted, not written)
    bool input_failed = false;   ///< a file could not be opened or read
};

/// Runs `pipeline` over `files` in turn, as one stream (`-` or no files:
/// standard input), writing its output to descriptor `out_fd`: the
/// `coropipe` utility's driver. Files are read in 64 KiB blocks of whole
/// lines; memory is bounded by the longest line.
///
/// Eager. Output write errors throw `std::system_error` (EPIPE for a closed
/// pipe when SIGPIPE is ignored); what was output before is written.
/// Stage errors pass through.
file_run_result run_files(const text_pipeline& pipeline, std::vector<std::string> files, int out_fd,
                          const file_run_options& options = {});

} // namespace coropipe
