#pragma once
// A grouped aggregate with its tumbling windows (`count by $2 every 1m`), as
// plain calls: what the `group_by` stage runs line by line, and what the
// pipeline text's whole-buffer form of a grouped aggregate feeds whole
// blocks to (lib/text/text_pipeline.cpp). One logic, so both write the same
// bytes. Private to the library; see `group_by` (coropipe/stages/group_by.hpp)
// for what windows, late lines and ticks mean.

#include <coropipe/stages/group_by.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace coropipe::detail {

class group_windows {
public:
    /// Throws `syntax_error` for a malformed FIELD (as `group_by`).
    group_windows(group_by_spec spec, group_by_options options);
    group_windows(group_windows&&) noexcept;
    group_windows& operator=(group_windows&&) noexcept;
    ~group_windows();

    /// With `every`: windows close on a tick too.
    bool windowed() const noexcept;

    /// One line (without its '\n'). A line of a later window first appends
    /// the current window's lines (each ending in '\n') to `out`.
    void offer(std::string_view line, std::string& out);
    /// Each line of `block` (whole lines, each ending in '\n' but perhaps the
    /// last), as `offer`.
    void offer_lines(std::string_view block, std::string& out);
    /// The wall clock: appends the current window if its end plus the grace
    /// has passed; true if it did.
    bool tick(std::string& out);
    /// The end of the input: the warnings (lines not counted, late lines),
    /// then the last window.
    void finish(std::string& out);

private:
    struct state;
    std::unique_ptr<state> s_;
};

} // namespace coropipe::detail
