// The planner and the run of a text pipeline (coropipe/text_pipeline.hpp):
// which stages run over whole buffers, which line by line, and the loop
// that feeds a block of lines through them.
#include <coropipe/detail/count_lines.hpp>
#include <coropipe/text_pipeline.hpp>

#include "registry.hpp"
#include "../each_line.hpp"
#include "../group_windows.hpp"

#include <coropipe/detail/field_scan.hpp>
#include <coropipe/detail/line_filter.hpp>

#include <algorithm>
#include <functional>
#include <cstring>
#include <optional>
#include <utility>

namespace coropipe {

// ---- the plan ------------------------------------------------------------------

struct text_pipeline::plan {
    std::string text;
    plan_options options;
    std::vector<stage_spec> specs;
    // specs[0, filtered): one whole-buffer filter (searched), and the exact
    // tests of the stages whose search is only a prefilter (`where`).
    std::vector<detail::line_filter_spec> filters;
    std::vector<std::function<std::function<bool(std::string_view)>()>> test_makers;
    std::size_t filtered = 0;
    // specs[filtered]: a whole-buffer fold, when there is one.
    std::optional<detail::field_fold_spec> fold;
    // ... or a grouped aggregate's whole-buffer form (`count by $2`).
    std::optional<text::group_fold> group_fold;
    // specs[per_line_begin, per_line_end): built per run, line by line.
    std::size_t per_line_begin = 0;
    std::size_t per_line_end = 0;
};

namespace {

const text::stage_definition& definition_of(const stage_spec& spec) {
    return *text::find_stage(spec.name); // the parser found it
}

text_stage build_stage(const stage_spec& spec, const plan_options& options) {
    const text::stage_definition& d = definition_of(spec);
    return d.build_with ? d.build_with(spec, options) : d.build(spec);
}

bool is_plain_print(const stage_spec& spec) {
    return spec.name == "print" && spec.operands.empty();
}

} // namespace

text_pipeline::text_pipeline(std::string_view text, plan_options options) {
    auto p = std::make_shared<plan>();
    p->text = std::string(text);
    p->options = options;
    p->specs = parse_pipeline(text);
    const std::vector<stage_spec>& specs = p->specs;

    // A plain `print` at the end is the output itself.
    std::size_t end = specs.size();
    if (end > 0 && is_plain_print(specs[end - 1])) {
        --end;
    }
    std::size_t i = 0;
    if (options.fast_paths) {
        for (; i < end; ++i) {
            const text::stage_definition& d = definition_of(specs[i]);
            std::optional<text::buffer_filter> f = d.as_filter ? d.as_filter(specs[i]) : std::nullopt;
            if (!f) {
                break;
            }
            p->filters.insert(p->filters.end(), f->search.begin(), f->search.end());
            if (f->make_test) {
                p->test_makers.push_back(std::move(f->make_test));
            }
        }
        p->filtered = i;
        if (i + 1 == end) {
            const text::stage_definition& d = definition_of(specs[i]);
            if (d.as_fold) {
                p->fold = d.as_fold(specs[i]);
            }
            if (!p->fold && d.as_group_fold) {
                p->group_fold = d.as_group_fold(specs[i], options);
            }
            if (p->fold || p->group_fold) {
                ++i;
            }
        }
    }
    p->per_line_begin = i;
    p->per_line_end = end;
    // Each stage is built once now: what only building finds (a regex RE2
    // refuses, a tee FILE that cannot be opened) is an error of the text.
    for (std::size_t k = 0; k < specs.size(); ++k) {
        if (k >= p->filtered) { // (the filters were built by as_filter)
            (void)build_stage(specs[k], options);
        }
    }
    plan_ = std::move(p);
}

const std::string& text_pipeline::text() const noexcept {
    return plan_->text;
}

const std::vector<stage_spec>& text_pipeline::stages() const noexcept {
    return plan_->specs;
}

std::string text_pipeline::describe() const {
    const plan& p = *plan_;
    auto names = [&](std::size_t from, std::size_t to) {
        std::string out;
        for (std::size_t k = from; k < to; ++k) {
            out += k == from ? "" : ", ";
            out += p.specs[k].name;
        }
        return out;
    };
    std::string out;
    if (p.filtered > 0) {
        out += "whole-buffer filter: " + names(0, p.filtered) + "\n";
    }
    if (p.fold || p.group_fold) {
        out += "whole-buffer fold: " + p.specs[p.filtered].name + "\n";
    }
    if (p.per_line_begin < p.per_line_end) {
        out += "per line: " + names(p.per_line_begin, p.per_line_end) + "\n";
    }
    if (out.empty()) {
        out = "every line as it is\n";
    }
    return out;
}

// ---- a run -----------------------------------------------------------------------

namespace {

/// The tail of every run's per-line stages: each line and a '\n' appended
/// to `*out`, counted in `*lines`.
sink<std::string_view> append_lines(std::string* out, std::uint64_t* lines) {
    while (std::string_view* line = co_await input) {
        out->append(*line);
        out->push_back('\n');
        ++*lines;
    }
}

/// The tail of a segment of the per-line stages that a windowed aggregate
/// follows: each line sent on to the next segment, until it wants no more.
sink<std::string_view> forward_to(sink<std::string_view>* next) {
    while (std::string_view* line = co_await input) {
        if (!next->send(*line)) {
            co_return;
        }
    }
}

/// An aggregate with `every`: it closes windows by the clock on a tick.
bool is_windowed(const stage_spec& spec) {
    return spec.find_clause("every") != nullptr;
}

} // namespace

struct text_run::state {
    std::string out;
    std::uint64_t lines_out = 0;
    std::optional<detail::line_filter> filter; // the leading whole-buffer filters
    detail::field_fold::line_test test;        // ... and their exact tests, if any
    std::optional<detail::field_fold> fold;
    std::optional<detail::group_windows> groups; // or a grouped aggregate's
    std::optional<sink<std::string_view>> chain; // the per-line stages, then append_lines
    // Split at each windowed aggregate (`count by $2 every 1m`), the per-line
    // stages are `chain` (up to the first one after the first stage), then
    // these segments, each ending in `forward_to` the next (the last in
    // append_lines): a tick goes to the head of each that starts with one.
    std::vector<std::unique_ptr<sink<std::string_view>>> segments;
    bool chain_ticks = false; // chain's first stage (or the grouped fold) is a windowed aggregate
    bool done = false;                           // no more input wanted
    bool finished = false;

    /// `stages | append_lines(...)`; out and lines_out are at a stable address.
    void chain_to_output(std::optional<text_stage> stages) {
        sink<std::string_view> tail = append_lines(&out, &lines_out);
        if (stages) {
            chain.emplace(std::move(*stages) | std::move(tail));
        } else {
            chain.emplace(std::move(tail));
        }
    }

    /// A line to the per-line stages; false once they want no more.
    bool send(std::string_view line) {
        if (!chain->send(line)) {
            done = true;
        }
        return !done;
    }

    /// Each line of `block` (whole lines) to the per-line stages.
    bool send_lines(std::string_view block) {
        return detail::each_line(block, [this](std::string_view line) { return send(line); });
    }

    /// The lines of `block` that pass the filter, each to the per-line stages.
    bool send_passing(std::string_view block) {
        detail::line_filter::cursor lines(*filter, block);
        while (const std::optional<std::string_view> line = lines.next()) {
            if (test && !test(*line)) {
                continue;
            }
            if (!send(*line)) {
                return false;
            }
        }
        return true;
    }

    /// The lines of `block` that pass the filter, into the groups.
    void group_passing(std::string_view block) {
        detail::line_filter::cursor lines(*filter, block);
        while (const std::optional<std::string_view> line = lines.next()) {
            if (!test || test(*line)) {
                groups->offer(*line, out);
            }
        }
    }

    /// What the groups wrote into `out` since it held `before` bytes, counted.
    void count_from(std::size_t before) {
        lines_out += coropipe::detail::count_newlines(std::string_view(out).substr(before));
    }

    /// The lines of `block` that pass the filter, appended as they are: runs
    /// of consecutive lines in one append.
    void append_passing(std::string_view block) {
        detail::line_filter::cursor lines(*filter, block);
        const char* run = nullptr; // [run, run_end): lines with their '\n'
        const char* run_end = nullptr;
        while (const std::optional<std::string_view> line = lines.next()) {
            if (test && !test(*line)) {
                continue;
            }
            ++lines_out;
            if (line->data() != run_end) {
                append_run(run, run_end);
                run = line->data();
            }
            run_end = line->data() + line->size();
            if (run_end != block.data() + block.size()) {
                ++run_end; // its '\n'
            }
        }
        append_run(run, run_end);
    }

    void append_run(const char* run, const char* run_end) {
        if (run != run_end) {
            out.append(run, static_cast<std::size_t>(run_end - run));
            if (run_end[-1] != '\n') {
                out.push_back('\n'); // the last line of the input, without its '\n'
            }
        }
    }

    /// Every line of `block`, as it is.
    void append_all(std::string_view block) {
        out.append(block);
        lines_out += coropipe::detail::count_newlines(block);
        if (block.back() != '\n') {
            out.push_back('\n');
            ++lines_out;
        }
    }
};

text_run::text_run() : s_(std::make_unique<state>()) {}

text_run::text_run(text_stage stages) : text_run() {
    s_->chain_to_output(std::move(stages));
}

text_run::text_run(text_run&&) noexcept = default;
text_run& text_run::operator=(text_run&&) noexcept = default;
text_run::~text_run() = default;

text_run text_pipeline::start() const {
    const plan& p = *plan_;
    text_run run;
    text_run::state& s = *run.s_;
    if (!p.filters.empty() || !p.test_makers.empty()) {
        s.filter.emplace(p.filters);
    }
    if (!p.test_makers.empty()) {
        std::vector<std::function<bool(std::string_view)>> tests;
        for (const auto& make : p.test_makers) {
            tests.push_back(make());
        }
        s.test = tests.size() == 1 ? std::move(tests.front())
                                   : [tests = std::move(tests)](std::string_view line) {
                                         return std::all_of(tests.begin(), tests.end(),
                                                            [line](const auto& t) { return t(line); });
                                     };
    }
    if (p.fold) {
        s.fold.emplace(*p.fold);
        if (!s.filter) {
            s.filter.emplace(std::vector<detail::line_filter_spec>{}); // every line
        }
    }
    if (p.group_fold) {
        s.groups.emplace(p.group_fold->spec, p.group_fold->options);
        s.chain_ticks = s.groups->windowed();
    }
    if (p.per_line_begin < p.per_line_end) {
        // Built from the last segment back, each ending in the next's head.
        std::optional<text_stage> stages;
        std::unique_ptr<sink<std::string_view>> next;
        for (std::size_t k = p.per_line_end; k-- > p.per_line_begin;) {
            text_stage built = build_stage(p.specs[k], p.options);
            stages = stages ? std::move(built) | std::move(*stages) : std::move(built);
            if (k > p.per_line_begin && is_windowed(p.specs[k])) {
                auto segment = std::make_unique<sink<std::string_view>>(
                    next ? std::move(*stages) | forward_to(next.get())
                         : std::move(*stages) | append_lines(&s.out, &s.lines_out));
                stages.reset();
                if (next) {
                    s.segments.insert(s.segments.begin(), std::move(next));
                }
                next = std::move(segment);
            }
        }
        if (next) {
            s.segments.insert(s.segments.begin(), std::move(next));
            s.chain.emplace(std::move(*stages) | forward_to(s.segments.front().get()));
        } else {
            s.chain_to_output(std::move(stages));
        }
        s.chain_ticks = is_windowed(p.specs[p.per_line_begin]);
    }
    return run;
}

bool text_run::feed(std::string_view block) {
    state& s = *s_;
    if (s.done || s.finished) {
        return false;
    }
    if (block.empty()) {
        return true;
    }
    try {
        if (s.fold) {
            s.lines_out += s.fold->feed(block, *s.filter, s.test, s.out);
        } else if (s.groups) {
            const std::size_t before = s.out.size();
            s.filter ? s.group_passing(block) : s.groups->offer_lines(block, s.out);
            s.count_from(before);
        } else if (s.chain) {
            s.filter ? s.send_passing(block) : s.send_lines(block);
        } else if (s.filter) {
            s.append_passing(block);
        } else {
            s.append_all(block);
        }
    } catch (...) {
        s.done = true;
        throw;
    }
    return !s.done;
}

bool text_run::ticks() const noexcept {
    return s_->chain_ticks || !s_->segments.empty();
}

bool text_run::tick() {
    state& s = *s_;
    if (s.done || s.finished || !ticks()) {
        return !s.done && !s.finished;
    }
    try {
        if (s.groups) {
            const std::size_t before = s.out.size();
            s.groups->tick(s.out);
            s.count_from(before);
        } else if (s.chain_ticks) {
            s.send(group_by_tick());
        }
        for (const auto& segment : s.segments) {
            if (!segment->done()) {
                segment->send(group_by_tick());
            }
        }
    } catch (...) {
        s.done = true;
        throw;
    }
    return !s.done;
}

void text_run::finish() {
    state& s = *s_;
    if (s.finished) {
        return;
    }
    s.finished = true;
    if (s.fold) {
        s.lines_out += s.fold->finish(s.out);
    }
    if (s.groups) {
        const std::size_t before = s.out.size();
        s.groups->finish(s.out);
        s.count_from(before);
    }
    if (s.chain) {
        s.chain->close(); // totals (count --final) come out here
    }
    for (const auto& segment : s.segments) {
        segment->close(); // in order: each one's totals go through the next
    }
}

std::string& text_run::output() noexcept {
    return s_->out;
}

std::uint64_t text_run::lines_out() const noexcept {
    return s_->lines_out;
}

} // namespace coropipe
