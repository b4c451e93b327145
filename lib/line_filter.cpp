#include <coropipe/detail/line_filter.hpp>

#include "hyperscan_lines.hpp"
#include "regex_engines.hpp"

#include <coropipe/detail/ere.hpp>
#include <coropipe/detail/fold_case.hpp>
#include <coropipe/detail/line_reader.hpp>
#include <coropipe/detail/regex.hpp>
#include <coropipe/detail/search.hpp>

#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <variant>

namespace coropipe::detail {

namespace {

using kind = line_filter_spec::kind;

constexpr std::size_t none = static_cast<std::size_t>(-1);

std::string folded(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

/// One spec as a per-line test, exactly the `grep`/`prefix` stage's.
struct line_test {
    std::variant<substring_searcher, ascii_icase_searcher, std::string, regex_matcher> matcher;
    bool invert = false;

    bool passes(std::string_view line) const {
        const bool hit = std::visit(
            [line](const auto& m) {
                if constexpr (std::is_same_v<std::decay_t<decltype(m)>, std::string>) {
                    return line.starts_with(m);
                } else {
                    return m.matches(line);
                }
            },
            matcher);
        return hit != invert;
    }
};

line_test make_test(const line_filter_spec& spec) {
    switch (spec.what) {
    case kind::prefix:
        return {std::string(spec.pattern), spec.invert};
    case kind::regex:
        return {regex_matcher(spec.pattern, spec.ignore_case), spec.invert};
    case kind::substring:
        break;
    }
    if (spec.ignore_case) {
        return {ascii_icase_searcher(spec.pattern), spec.invert};
    }
    return {substring_searcher(spec.pattern), spec.invert};
}

/// A spec as its simplest equivalent: a regex that is a literal becomes a
/// substring, `^literal` a prefix (their searches are faster). Empty if
/// the spec settles every line: then `*never` is set if it passes none.
/// The translation of a regex is kept in `*translation`.
std::optional<line_filter_spec> normalized(const line_filter_spec& spec, bool* never,
                                           std::optional<ere_translation>* translation) {
    using shape = ere_translation::shape;
    bool every_line = false;
    bool no_line = false;
    line_filter_spec out = spec;
    if (spec.what == kind::regex) {
        ere_translation t = translate_ere(spec.pattern, spec.ignore_case); // throws regex_error
        every_line = t.what == shape::always;
        no_line = t.what == shape::never;
        if (t.what == shape::literal) {
            out.what = kind::substring;
            out.pattern = t.text;
        } else if (t.what == shape::prefix) {
            out.what = kind::prefix;
            out.pattern = t.text;
        } else if (t.what == shape::regex) {
            *translation = std::move(t);
        }
    } else {
        // A pattern with '\n' is in no line; an empty one in every line.
        every_line = spec.pattern.empty();
        no_line = spec.pattern.find('\n') != std::string::npos;
    }
    if (every_line || no_line) {
        if (every_line == spec.invert) {
            *never = true;
        }
        return std::nullopt;
    }
    return out;
}

} // namespace

struct line_filter::impl {
    enum class primary_kind : unsigned char { none, substring, icase, prefix, regex };

    std::vector<line_test> tests; // the per-line tests that can fail
    bool never = false;           // some spec fails every line

    primary_kind primary = primary_kind::none;
    std::size_t primary_test = none; // its index in `tests`
    bool primary_invert = false;
    std::optional<substring_searcher> needle; // the substring, folded for icase; "\n" + prefix
    std::string prefix;
    std::unique_ptr<hyperscan_lines> hyperscan; // the regex, when Hyperscan takes it
    std::unique_ptr<RE2> re;                    // the regex in multi-line mode, otherwise
    mutable std::string folded_text;            // the buffer, case-folded, for icase

    bool passes_except(std::string_view line, std::size_t skip) const {
        for (std::size_t i = 0; i < tests.size(); ++i) {
            if (i != skip && !tests[i].passes(line)) {
                return false;
            }
        }
        return true;
    }

    impl(const std::vector<line_filter_spec>& specs, bool use_hyperscan) {
        std::vector<line_filter_spec> kept;
        std::vector<std::optional<ere_translation>> translations;
        for (const line_filter_spec& spec : specs) {
            std::optional<ere_translation> translation;
            if (std::optional<line_filter_spec> simple = normalized(spec, &never, &translation)) {
                tests.push_back(make_test(*simple)); // compiles (and checks) a regex
                kept.push_back(std::move(*simple));
                translations.push_back(std::move(translation));
            }
        }
        // The primary: a non-inverted test if there is one (its hits are the
        // candidates), the cheapest search first.
        int best_rank = 100;
        for (std::size_t i = 0; i < kept.size(); ++i) {
            const line_filter_spec& spec = kept[i];
            int rank = spec.what == kind::substring ? (spec.ignore_case ? 2 : 0) : spec.what == kind::prefix ? 1 : 3;
            rank += spec.invert ? 4 : 0;
            if (rank < best_rank) {
                best_rank = rank;
                primary_test = i;
            }
        }
        if (primary_test == none) {
            return;
        }
        const line_filter_spec& spec = kept[primary_test];
        primary_invert = spec.invert;
        switch (spec.what) {
        case kind::substring:
            primary = spec.ignore_case ? primary_kind::icase : primary_kind::substring;
            needle.emplace(spec.ignore_case ? folded(spec.pattern) : spec.pattern);
            break;
        case kind::prefix:
            primary = primary_kind::prefix;
            prefix = spec.pattern;
            needle.emplace("\n" + spec.pattern);
            break;
        case kind::regex: {
            const ere_translation& t = *translations[primary_test];
            primary = primary_kind::regex;
            if (use_hyperscan) {
                hyperscan = hyperscan_lines::compile(t.engine_pattern, t.can_match_empty);
            }
            re = compile_re2(t.engine_pattern, true);
            break;
        }
        }
    }
};

line_filter::line_filter(const std::vector<line_filter_spec>& specs, bool use_hyperscan)
    : impl_(std::make_unique<impl>(specs, use_hyperscan)) {}
line_filter::line_filter(line_filter&&) noexcept = default;
line_filter& line_filter::operator=(line_filter&&) noexcept = default;
line_filter::~line_filter() = default;

bool line_filter::passes(std::string_view line) const { return !impl_->never && impl_->passes_except(line, none); }

bool line_filter::passes_all() const noexcept { return !impl_->never && impl_->tests.empty(); }

std::string_view line_filter::search_engine() const noexcept {
    switch (impl_->primary) {
    case impl::primary_kind::none:
        break;
    case impl::primary_kind::substring:
        return "memchr";
    case impl::primary_kind::icase:
        return "memchr, case-folded";
    case impl::primary_kind::prefix:
        return "prefix";
    case impl::primary_kind::regex:
        return impl_->hyperscan ? "hyperscan" : "re2";
    }
    return "none";
}

// ---- cursor ----------------------------------------------------------------------

line_filter::cursor::cursor(const line_filter& filter, std::string_view text)
    : filter_(&filter), text_(text), searched_(text) {
    const impl& f = *filter.impl_;
    if (f.primary == impl::primary_kind::icase) {
        // Once per buffer: the search then runs on the folded copy, whose
        // offsets are the buffer's.
        f.folded_text.resize(text.size());
        std::transform(text.begin(), text.end(), f.folded_text.begin(), ascii_lower);
        searched_ = f.folded_text;
    } else if (f.hyperscan) {
        f.hyperscan->start(text); // its scan state is for one buffer at a time
    }
}

namespace {
// The end of the line at `from` (its '\n', or the end of the text).
std::size_t line_end(std::string_view text, std::size_t from) {
    const void* nl = std::memchr(text.data() + from, '\n', text.size() - from);
    return nl == nullptr ? text.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data());
}
// The start of the line holding `pos`, which is at or after the line start `from`.
std::size_t line_start(std::string_view text, std::size_t from, std::size_t pos) {
    const void* nl = pos == from ? nullptr : ::memrchr(text.data() + from, '\n', pos - from);
    return nl == nullptr ? from : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
}
} // namespace

bool line_filter::cursor::find_primary() {
    const impl& f = *filter_->impl_;
    const std::size_t size = text_.size();
    std::size_t pos = size; // a byte of the next hit line, or size
    switch (f.primary) {
    case impl::primary_kind::none:
        break;
    case impl::primary_kind::substring:
    case impl::primary_kind::icase:
        if (const std::size_t at = f.needle->find(searched_.substr(from_)); at != substring_searcher::npos) {
            pos = from_ + at;
        }
        break;
    case impl::primary_kind::prefix:
        if (text_.substr(from_).starts_with(f.prefix)) {
            pos = from_;
        } else if (const std::size_t at = f.needle->find(text_.substr(from_)); at != substring_searcher::npos) {
            pos = from_ + at + 1; // after the '\n'
        }
        break;
    case impl::primary_kind::regex:
        if (f.hyperscan && size <= hyperscan_lines::max_text) {
            const hyperscan_lines::line hit = f.hyperscan->find(from_); // the line itself
            hit_known_ = true;
            hit_begin_ = hit.begin;
            hit_end_ = hit.end;
            return hit.begin < size;
        }
        if (re2::StringPiece match;
            f.re->Match(re2::StringPiece(text_.data(), size), from_, size, RE2::UNANCHORED, &match, 1)) {
            pos = static_cast<std::size_t>(match.data() - text_.data());
            // An empty match at the very end is in the last line if that has
            // no '\n'; after a final '\n' there is no line.
            if (pos == size && text_[size - 1] != '\n') {
                pos = size - 1;
            }
        }
        break;
    }
    hit_known_ = true;
    if (pos >= size) {
        hit_begin_ = hit_end_ = size;
        return false;
    }
    hit_begin_ = line_start(text_, from_, pos);
    hit_end_ = line_end(text_, pos);
    return true;
}

std::optional<std::string_view> line_filter::cursor::next() {
    const impl& f = *filter_->impl_;
    const std::size_t size = text_.size();
    if (f.never) {
        from_ = size;
    }
    while (from_ < size) {
        std::size_t begin = from_;
        std::size_t end = 0;
        std::size_t skip = none; // a test known to pass for this line
        if (f.primary == impl::primary_kind::none) {
            end = line_end(text_, from_);
        } else {
            if (!hit_known_ || hit_begin_ < from_) {
                find_primary();
            }
            if (!f.primary_invert) {
                if (hit_begin_ == size) {
                    from_ = size;
                    break;
                }
                begin = hit_begin_;
                end = hit_end_;
                hit_known_ = false;
                skip = f.primary_test; // every primary's hits are exact
            } else if (from_ < hit_begin_) {
                // Before the next hit: the inverted primary passes.
                end = line_end(text_, from_);
                skip = f.primary_test;
            } else {
                from_ = hit_end_ < size ? hit_end_ + 1 : size; // the hit line fails
                hit_known_ = false;
                continue;
            }
        }
        from_ = end < size ? end + 1 : size;
        const std::string_view line = text_.substr(begin, end - begin);
        if (f.passes_except(line, skip)) {
            return line;
        }
    }
    return std::nullopt;
}

// ---- scanner ---------------------------------------------------------------------

bool line_scanner::next_region() {
    for (;;) {
        const std::string_view buf = reader_->buffered();
        if (buf.size() > newline_free_) {
            // Only the bytes read since the last look can hold a new '\n':
            // a line longer than a chunk costs linear time.
            if (const void* nl = ::memrchr(buf.data() + newline_free_, '\n', buf.size() - newline_free_)) {
                region_ = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
                newline_free_ = buf.size() - region_;
                return true;
            }
            newline_free_ = buf.size();
        }
        if (!reader_->fill()) {
            region_ = reader_->buffered().size(); // the last line, without '\n'
            newline_free_ = 0;
            return region_ != 0;
        }
    }
}

std::optional<std::string_view> line_scanner::next() {
    if (pending_) {
        return std::exchange(pending_, std::nullopt);
    }
    for (;;) {
        if (cursor_) {
            if (std::optional<std::string_view> line = cursor_->next()) {
                return line;
            }
            cursor_.reset();
            reader_->consume(region_);
            region_ = 0;
        }
        if (!next_region()) {
            return std::nullopt;
        }
        cursor_.emplace(*filter_, reader_->buffered().substr(0, region_));
    }
}

std::optional<std::string_view> line_scanner::next_run(std::size_t* count) {
    const std::optional<std::string_view> first = next();
    if (!first) {
        return std::nullopt;
    }
    // The region stays put until the cursor runs dry, so lines that follow
    // each other in it are one run.
    const char* const region_end = reader_->buffered().data() + region_;
    const char* end = first->data() + first->size();
    std::size_t n = 1;
    for (;;) {
        if (end != region_end) {
            ++end; // the '\n'
        }
        if (end == region_end) {
            break;
        }
        std::optional<std::string_view> line = cursor_->next();
        if (!line) {
            break;
        }
        if (line->data() != end) {
            pending_ = line;
            break;
        }
        end = line->data() + line->size();
        ++n;
    }
    *count = n;
    return std::string_view(first->data(), static_cast<std::size_t>(end - first->data()));
}

} // namespace coropipe::detail
