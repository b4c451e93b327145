#pragma once

#include <coropipe/detail/line_filter.hpp>
#include <coropipe/generator.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::cli {

/// What reading the inputs ran into.
struct input_status {
    bool failed = false; ///< a file could not be opened or read
};

/// The lines of `files` in turn, as one stream (`-` is standard input; no
/// files is standard input). A file that cannot be opened or read is
/// reported on stderr as `coropipe: FILE: <strerror>`, sets
/// `status->failed`, and the next file follows. Lazy: a file is opened when
/// the lines before it have been consumed; destroying the generator closes
/// the open file. `status` must outlive the generator.
/// With `filter`, only the lines that pass it, found by searching whole
/// buffers (`detail::line_scanner`); `filter` must outlive the generator.
generator<std::string_view> concatenated_lines(std::vector<std::string> files, input_status* status,
                                               const detail::line_filter* filter = nullptr);

/// Eager `concatenated_lines(files, status, &filter)` by runs: calls
/// `emit(run, n)` for each run of `n` consecutive lines that pass, a view
/// into the input buffer holding the lines with their '\n' (a last line of
/// a file without one has none). Stops early when `emit` returns false.
/// Input errors are told and recorded as in `concatenated_lines`; what
/// `emit` throws passes through.
void for_each_run(std::vector<std::string> files, const detail::line_filter& filter, input_status* status,
                  const std::function<bool(std::string_view run, std::size_t n)>& emit);

/// Eager: calls `emit(block)` for each block of whole lines of `files` in
/// turn (`detail::line_blocks`: a view into the input buffer, each line with
/// its '\n' but a last line of a file without one), for whole-buffer folds
/// (`detail::field_fold`). Input errors are told and recorded as in
/// `concatenated_lines`; what `emit` throws passes through.
void for_each_block(std::vector<std::string> files, input_status* status,
                    const std::function<void(std::string_view block)>& emit);

/// -f: the lines of `file` as it grows (`coropipe::follow`, from the start),
/// until `stop_fd` is readable. A missing file, rotation and truncation are
/// told on stderr as `coropipe: FILE: <what>`; a read error as in
/// `concatenated_lines` (it ends the lines). `on_idle` runs before each wait
/// (the caller flushes its output there); its exceptions pass through.
generator<std::string_view> followed_lines(std::string file, int stop_fd, std::function<void()> on_idle,
                                           input_status* status);

} // namespace coropipe::cli
