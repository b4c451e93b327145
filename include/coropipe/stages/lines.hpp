#pragma once

#include <coropipe/detail/line_filter.hpp>
#include <coropipe/detail/search.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipe.hpp>

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace coropipe {

namespace detail {

// Defined in lib/line_reader.cpp; the reading and splitting is
// detail::line_reader (coropipe/detail/line_reader.hpp).
generator<std::string_view> lines_from_fd(int fd);
generator<std::string_view> lines_from_stream(std::istream& in);
generator<std::string_view> lines_from_path(std::filesystem::path path);

/// What a `line_source` reads, and the grep/prefix filters fused into it.
struct line_source_state {
    std::variant<int, std::istream*, std::filesystem::path> input;
    std::vector<line_filter_spec> filters;
    bool started = false; // set when the generator's body starts
};

/// The lines of `state->input` that pass `state->filters` (all of them when
/// there are none), searched with `line_scanner`. Defined in
/// lib/line_source.cpp.
generator<std::string_view> scan_lines(std::shared_ptr<line_source_state> state);

/// The lines of `p`, one generator hop, for a source that had started
/// before a filter was piped in.
inline generator<std::string_view> yield_all(pipeline<std::string_view> p) {
    for (std::string_view line : p) {
        co_yield line;
    }
}

} // namespace detail

/// What `lines(...)` returns: the generator of the lines, which also knows
/// where it reads from, so that piping it into `grep` or `prefix` searches
/// whole buffers (see `lines`). Anywhere else it is the
/// `generator<std::string_view>` it derives from, and converts to one.
class line_source : public generator<std::string_view> {
public:
    explicit line_source(std::shared_ptr<detail::line_source_state> state)
        : generator<std::string_view>(detail::scan_lines(state)), state_(std::move(state)) {}

    /// `lines(...) | grep(...)` and `lines(...) | prefix(...)` (any form,
    /// with `invert`, `ignore_case` or `grep_options`): a `line_source` of
    /// the lines that pass, found by searching whole buffers
    /// (`detail::line_filter`), without splitting the lines that fail or
    /// resuming a stage per line. The same lines, in the same order, as
    /// the generic `range | stage`; more filters piped in are fused too.
    /// Lazy, like `lines`; read errors surface at `begin`/`++`. If the
    /// source has already been iterated, the filter is applied line by line
    /// to what is left (the generic path). (The `|` of pipe.hpp calls this.)
    line_source then(detail::line_filter_stage&& filter_stage) && {
        if (state_ == nullptr || state_->started) {
            auto state = state_ != nullptr ? state_ : std::make_shared<detail::line_source_state>();
            state->started = true;
            return line_source(detail::yield_all(static_cast<generator<std::string_view>&&>(*this) |
                                                 static_cast<stage<std::string_view>&&>(filter_stage)),
                               std::move(state));
        }
        auto state = std::make_shared<detail::line_source_state>(*state_);
        state->filters.push_back(filter_stage.spec());
        return line_source(std::move(state));
    }

private:
    line_source(generator<std::string_view> lines, std::shared_ptr<detail::line_source_state> state)
        : generator<std::string_view>(std::move(lines)), state_(std::move(state)) {}

    std::shared_ptr<detail::line_source_state> state_;
};

namespace detail {

struct lines_fn {
    /// The lines of an open descriptor, read with read(2); `fd` is not closed.
    line_source operator()(int fd) const { return make(fd); }

    /// The lines of a stream, read with istream::read in 64 KiB chunks.
    line_source operator()(std::istream& in) const { return make(&in); }

    /// The lines of the file at `path` (also a std::string or const char*).
    line_source operator()(std::filesystem::path path) const { return make(std::move(path)); }

private:
    template <class Input>
    static line_source make(Input input) {
        auto state = std::make_shared<line_source_state>();
        state->input = std::move(input);
        return line_source(std::move(state));
    }
};

} // namespace detail

/// A source: the lines of a file, descriptor or stream, Python's
/// `for line in open(path)` without the newline.
///
/// ```
/// for (std::string_view line : coropipe::lines("access.log")) ...
/// coropipe::lines(std::cin) | coropipe::grep("error") | coropipe::print();
/// ```
///
/// - Each line is a `std::string_view` into the reader's buffer, valid until
///   the next increment: nothing is allocated per line. Copy it to keep it.
/// - Byte-exact, like GNU grep: only the '\n' is stripped. CRLF lines keep
///   their \r. NUL bytes and invalid UTF-8 pass unchanged. A last line
///   without a newline is yielded; empty input yields nothing.
/// - Input is read in chunks of 64 KiB (`read(2)` for a descriptor
///   or path, retrying EINTR; `istream::read` for a stream) and split with
///   memchr. Lines of any length work; memory is bounded by the longest
///   line, not by the input.
/// - Lazy: nothing is opened or read until the first `begin()`. Open and
///   read errors surface from `begin()` or `++` as `std::system_error`
///   carrying the errno, with the path (or "fd N") in what().
/// - `lines(...) | grep(...)` and `| prefix(...)` take a fast path: the
///   filter searches each buffer of many lines at once (memmem-style),
///   and only the lines that pass are cut out, as GNU grep does. Same lines
///   as the generic path; see `line_source`. `lines(...)` returns a
///   `line_source`, which is a `generator<std::string_view>`.
/// - `lines(path)` owns the descriptor it opens and closes it when the
///   generator is destroyed, at the end or early. `lines(fd)` and
///   `lines(stream)` only reference their input, which must outlive the
///   generator, and never close it.
/// - A stream is read with `istream::read`, which waits for a whole chunk:
///   for interactive input use `lines(0)` (read(2) returns what is there).
inline constexpr detail::lines_fn lines{};

} // namespace coropipe
