#include "hyperscan_lines.hpp"

#include "hyperscan_database.hpp"

#include <coropipe/error.hpp>

#include <hs.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace coropipe::detail {

namespace {

// A line with more matches than this stops the scan, which starts again at
// the next line, and the rest of the text is scanned "densely": each scan
// stops at its first match. A report costs about a third of a new scan's
// start, and `[0-9]` finds some 30 in each log line.
constexpr unsigned max_repeats = 4;
// At most this many lines per scan, so memory stays small whatever the text.
constexpr std::size_t max_lines = 4096;

struct scan_context {
    const char* text;
    std::size_t size;
    std::size_t base; // where the scan started: a line start
    bool ordered;     // matches come in the order of their ends
    bool dense;       // stop at the first match
    std::vector<hyperscan_lines::line>* lines;
    bool have_line = false;
    std::size_t line_begin = 0; // the last line noted
    std::size_t line_end = 0;   // its '\n', or size
    unsigned repeats = 0;       // matches in it after the first
    std::size_t stop_at = 0;    // where to scan on when the scan was stopped
};

int on_match(unsigned /*id*/, unsigned long long /*from*/, unsigned long long match_end, unsigned /*flags*/,
             void* context) {
    scan_context& c = *static_cast<scan_context*>(context);
    const std::size_t to = c.base + static_cast<std::size_t>(match_end);
    if (c.have_line && to >= c.line_begin && to <= c.line_end) {
        if (c.ordered && ++c.repeats > max_repeats) {
            c.stop_at = std::min(c.line_end + 1, c.size);
            c.dense = true;
            return 1;
        }
        return 0;
    }
    if (to >= c.size && (c.size == 0 || c.text[c.size - 1] == '\n')) {
        return 0; // an empty match after the last '\n': there is no line there
    }
    // The line holding `to` (a match ends at most at its line's '\n').
    const bool after = !c.have_line || to > c.line_end;
    const std::size_t floor = c.have_line && after ? c.line_end + 1 : c.base;
    const void* nl = to == floor ? nullptr : ::memrchr(c.text + floor, '\n', to - floor);
    const std::size_t begin =
        nl == nullptr ? floor : static_cast<std::size_t>(static_cast<const char*>(nl) - c.text) + 1;
    const void* eol = std::memchr(c.text + to, '\n', c.size - to);
    const std::size_t end = eol == nullptr ? c.size : static_cast<std::size_t>(static_cast<const char*>(eol) - c.text);
    if (!after) {
        // Out of order (an assertion's match can come late): before the
        // last line noted, so put it in its place.
        const auto at = std::lower_bound(c.lines->begin(), c.lines->end(), begin,
                                         [](const hyperscan_lines::line& l, std::size_t b) { return l.begin < b; });
        if (at == c.lines->end() || at->begin != begin) {
            c.lines->insert(at, {begin, end});
        }
        return 0;
    }
    c.lines->push_back({begin, end});
    c.have_line = true;
    c.line_begin = begin;
    c.line_end = end;
    c.repeats = 0;
    if (c.ordered && (c.dense || c.lines->size() >= max_lines)) {
        c.stop_at = std::min(c.line_end + 1, c.size);
        return 1;
    }
    return 0;
}

} // namespace

hyperscan_lines::hyperscan_lines(std::unique_ptr<hyperscan_database> database) noexcept
    : database_(std::move(database)) {}

hyperscan_lines::~hyperscan_lines() = default;

std::unique_ptr<hyperscan_lines> hyperscan_lines::compile(const std::string& engine_pattern, bool can_match_empty) {
    std::unique_ptr<hyperscan_database> database = hyperscan_database::compile(engine_pattern, can_match_empty, true);
    if (database == nullptr) {
        return nullptr;
    }
    return std::unique_ptr<hyperscan_lines>(new hyperscan_lines(std::move(database)));
}

void hyperscan_lines::start(std::string_view text) noexcept {
    text_ = text;
    lines_.clear();
    next_ = 0;
    known_from_ = 0;
    scanned_to_ = 0;
    dense_ = false; // each buffer starts sparse
}

hyperscan_lines::line hyperscan_lines::find(std::size_t from) {
    if (from < known_from_) {
        lines_.clear();
        next_ = 0;
        known_from_ = scanned_to_ = from;
    }
    for (;;) {
        while (next_ < lines_.size() && lines_[next_].begin < from) {
            ++next_;
        }
        if (next_ < lines_.size()) {
            return lines_[next_];
        }
        if (scanned_to_ >= text_.size()) {
            return {text_.size(), text_.size()};
        }
        scan_from(std::max(scanned_to_, from));
    }
}

void hyperscan_lines::scan_from(std::size_t from) {
    lines_.clear();
    next_ = 0;
    known_from_ = from;
    hs_scratch_t* scratch = thread_scratch(*database_);
    if (scratch == nullptr) {
        throw std::bad_alloc();
    }
    scan_context c{text_.data(), text_.size(), from, database_->ordered(), dense_, &lines_};
    const hs_error_t rc = hs_scan(database_->get(), text_.data() + from, static_cast<unsigned>(text_.size() - from), 0,
                                  scratch, on_match, &c);
    dense_ = c.dense;
    if (rc == HS_SCAN_TERMINATED) {
        scanned_to_ = c.stop_at;
    } else if (rc == HS_SUCCESS) {
        scanned_to_ = text_.size();
    } else {
        throw_error("coropipe::grep: Hyperscan failed to scan (error " + std::to_string(rc) + ")");
    }
}

} // namespace coropipe::detail
