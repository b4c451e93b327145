#include <coropipe/stages/lines.hpp>

#include <coropipe/detail/line_filter.hpp>
#include <coropipe/detail/line_reader.hpp>

#include <optional>

namespace coropipe::detail {

namespace {
line_reader open_reader(const std::variant<int, std::istream*, std::filesystem::path>& input) {
    if (const int* fd = std::get_if<int>(&input)) {
        return line_reader(*fd);
    }
    if (std::istream* const* in = std::get_if<std::istream*>(&input)) {
        return line_reader(**in);
    }
    return line_reader(std::get<std::filesystem::path>(input));
}
} // namespace

// The reader is made inside the body, so a path is opened at the first
// begin() and closed when the generator is destroyed, even early.
generator<std::string_view> scan_lines(std::shared_ptr<line_source_state> state) {
    state->started = true;
    line_reader reader = open_reader(state->input);
    if (state->filters.empty()) {
        while (std::optional<std::string_view> line = reader.next()) {
            co_yield *line;
        }
        co_return;
    }
    const line_filter filter(state->filters);
    line_scanner scan(reader, filter);
    while (std::optional<std::string_view> line = scan.next()) {
        co_yield *line;
    }
}

} // namespace coropipe::detail
