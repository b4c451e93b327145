#include <coropipe/stages/group_by.hpp>

#include <coropipe/distinct_counter.hpp>
#include <coropipe/field_ref.hpp>
#include <coropipe/field_scratch.hpp>
#include <coropipe/quantile_sketch.hpp>
#include <coropipe/timestamp.hpp>

#include "each_line.hpp"
#include "group_key.hpp"
#include "group_windows.hpp"
#include "group_map.hpp"
#include "rfc3339_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

namespace coropipe {

namespace {

constexpr std::string_view other_key = "(other)";

std::string_view default_name(group_aggregate what) noexcept {
    switch (what) {
    case group_aggregate::count: return "count";
    case group_aggregate::sum: return "sum";
    case group_aggregate::avg: return "avg";
    case group_aggregate::min: return "min";
    case group_aggregate::max: return "max";
    case group_aggregate::quantile: return "quantile";
    case group_aggregate::distinct: return "distinct";
    }
    return "count";
}

// ---- per-group states: offer(value text, parsed number), empty(), value(), text() ----

struct count_state {
    explicit count_state(const group_by_spec&) noexcept {}
    std::uint64_t n = 0;
    void offer(std::string_view, const number&) noexcept { ++n; }
    bool empty() const noexcept { return n == 0; }
    number value() const noexcept { return number::from_uint(n); }
    std::string text() const { return std::to_string(n); }
};

struct sum_state {
    explicit sum_state(const group_by_spec& s) noexcept : average(s.what == group_aggregate::avg) {}
    number sum;
    std::uint64_t n = 0;
    bool average = false;
    void offer(std::string_view, const number& v) noexcept {
        sum += v;
        ++n;
    }
    bool empty() const noexcept { return n == 0; }
    number value() const noexcept { return average ? sum.divided_by(n) : sum; }
    std::string text() const { return value().to_string(); }
};

struct best_state {
    explicit best_state(const group_by_spec& s) noexcept : largest(s.what == group_aggregate::max) {}
    number best;
    std::string best_text;
    bool has = false;
    bool largest = false;
    void offer(std::string_view text, const number& v) {
        if (!has || (largest ? v > best : v < best)) {
            best = v;
            best_text.assign(text);
            has = true;
        }
    }
    bool empty() const noexcept { return !has; }
    number value() const noexcept { return best; }
    std::string text() const { return best_text; }
};

struct quantile_state {
    explicit quantile_state(const group_by_spec& s) noexcept : q(s.q) {}
    quantile_sketch sketch;
    std::string min_text;
    std::string max_text;
    double q = 0.5;
    void offer(std::string_view text, const number& v) {
        const double d = v.to_double();
        if (sketch.count() == 0 || d < sketch.min()) {
            min_text.assign(text);
        }
        if (sketch.count() == 0 || d > sketch.max()) {
            max_text.assign(text);
        }
        sketch.add(d);
    }
    bool empty() const noexcept { return sketch.count() == 0; }
    number value() const noexcept { return number::from_double(sketch.quantile(q)); }
    std::string text() const {
        const double estimate = sketch.quantile(q);
        if (estimate == sketch.min()) {
            return min_text;
        }
        if (estimate == sketch.max()) {
            return max_text;
        }
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.6g", estimate);
        double rounded = estimate;
        std::from_chars(buffer, buffer + std::char_traits<char>::length(buffer), rounded);
        return number::from_double(rounded).to_string();
    }
};

struct distinct_state {
    explicit distinct_state(const group_by_spec&) {}
    distinct_counter counter;
    void offer(std::string_view text, const number&) { counter.add(text); }
    bool empty() const noexcept { return counter.count() == 0; }
    number value() const noexcept { return number::from_uint(counter.count()); }
    std::string text() const { return std::to_string(counter.count()); }
};

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xF];
        } else {
            out += c;
        }
    }
    out += '"';
}

// A TSV row at `p`: the window (if any), the keys (a tab in one as `\t`, a
// newline as `\n`), the text, each but the last followed by a tab, then a
// newline. Room for it: the window, text and keys' sizes, the keys' once
// more, and one byte for each. Returns the end.
char* put_tsv_row(char* p, std::string_view window, std::span<const std::string_view> keys,
                  std::string_view text) noexcept {
    auto put = [&p](std::string_view bytes) {
        std::memcpy(p, bytes.data(), bytes.size());
        p += bytes.size();
    };
    if (!window.empty()) {
        put(window);
        *p++ = '\t';
    }
    for (std::string_view key : keys) {
        for (char c : key) {
            if (c == '\t' || c == '\n') {
                *p++ = '\\';
                *p++ = c == '\t' ? 't' : 'n';
            } else {
                *p++ = c;
            }
        }
        *p++ = '\t';
    }
    put(text);
    *p++ = '\n';
    return p;
}

} // namespace

// The table of one aggregate kind.
struct group_table::impl {
    virtual ~impl() = default;
    virtual void offer(std::string_view line) = 0;
    virtual void offer_lines(std::string_view block) = 0;
    virtual std::vector<group_result> results() const = 0;
    /// The groups as `group_table::write` writes them.
    virtual void write(std::string& out, std::string_view window) const = 0;
    /// One group's line.
    void write_row(std::string& out, std::string_view window, std::span<const std::string_view> row_keys,
                   const number& value, std::string_view text) const;
    virtual std::size_t groups() const noexcept = 0;
    virtual void clear() = 0;

    group_by_spec spec;
    group_by_options options;
    std::optional<field_ref> field;
    std::optional<detail::group_key> keys;
    field_scratch scratch;
    std::string value_text; // the current line's FIELD, copied
    std::uint64_t skipped = 0;
    std::uint64_t overflowed = 0;
    bool skipped_reported = false;
    bool limit_warned = false;
};

namespace {

template <class State>
struct table final : group_table::impl {
    // The groups. After a window, its keys stay, their states emptied
    // (`clear`): the next window's lines find them, not insert them again
    // (the reinserts were ~8% of `count by $2 every 1m`). An empty state is
    // no group: `live` counts the others.
    detail::group_map<State> map;
    std::size_t live = 0;
    std::optional<State> other;
    static constexpr bool counts = std::is_same_v<State, count_state>;
    struct sorted_row {
        std::conditional_t<counts, std::uint64_t, number> value; // (a count: its n)
        std::string_view key;
        std::uint64_t prefix; // the key's first 8 bytes, big-endian: most keys compare by it alone
        const State* state;
    };
    static std::uint64_t prefix_of(std::string_view key) noexcept {
        unsigned char bytes[8] = {};
        std::memcpy(bytes, key.data(), std::min<std::size_t>(8, key.size()));
        std::uint64_t p = 0;
        for (unsigned char b : bytes) {
            p = p << 8 | b;
        }
        return p;
    }
    static bool key_less(const sorted_row& a, const sorted_row& b) noexcept {
        return a.prefix != b.prefix ? a.prefix < b.prefix : a.key < b.key;
    }
    mutable std::vector<sorted_row> sorted; // write's, kept for the next window

    // The line's FIELD as text and number; false if it does not count.
    bool read_value(std::string_view line, number& value) {
        if (!field) {
            return true; // count
        }
        std::optional<field_value> v = field->find(line, scratch);
        if (!v) {
            return false;
        }
        if (spec.what == group_aggregate::distinct) {
            value_text.assign(v->text);
            return true;
        }
        std::optional<number> n = number::parse(v->text);
        if (!n) {
            return false;
        }
        value = *n;
        value_text.assign(v->text);
        return true;
    }

    void offer(std::string_view line) override {
        number value;
        if (!read_value(line, value)) {
            ++skipped;
            return;
        }
        const std::string_view composite = keys->of(line, scratch, field.has_value());
        State* state = map.find(composite);
        if (state == nullptr || state->empty()) {
            const std::size_t limit = std::min(options.group_limit, map.max_size());
            if (live >= limit) {
                if (!other) {
                    other.emplace(spec);
                    if (options.on_warning && !limit_warned) {
                        limit_warned = true;
                        options.on_warning(std::string(spec.name) + ": more than " +
                                           std::to_string(options.group_limit) +
                                           " groups; lines of further groups are counted in the group (other)");
                    }
                }
                ++overflowed;
                other->offer(value_text, value);
                return;
            }
            if (state == nullptr) {
                if (map.size() >= limit) { // (the keys of earlier windows make room)
                    map.erase_if([](const State& s) { return s.empty(); });
                }
                state = &map.insert(composite, spec);
            }
            ++live;
        }
        state->offer(value_text, value);
    }

    void offer_lines(std::string_view block) override {
        detail::each_line(block, [this](std::string_view line) { table::offer(line); }); // (final: no virtual call)
    }

    std::vector<group_result> results() const override {
        std::vector<group_result> rows;
        rows.reserve(live + (other ? 1 : 0));
        for (const auto& [key, state] : map.entries()) {
            if (!state.empty()) {
                rows.push_back({keys->split(key), state.value(), state.text()});
            }
        }
        if (other) {
            rows.push_back({std::vector<std::string>(keys->size(), std::string(other_key)), other->value(),
                            other->text()});
        }
        std::sort(rows.begin(), rows.end(), [](const group_result& a, const group_result& b) {
            const std::partial_ordering order = a.value <=> b.value;
            if (order != std::partial_ordering::equivalent && order != std::partial_ordering::unordered) {
                return order == std::partial_ordering::greater;
            }
            return a.keys < b.keys;
        });
        return rows;
    }

    void write(std::string& out, std::string_view window) const override {
        if (keys->size() != 1) {
            std::vector<std::string_view> row_keys;
            for (const group_result& row : results()) {
                row_keys.assign(row.keys.begin(), row.keys.end());
                write_row(out, window, row_keys, row.value, row.text);
            }
            return;
        }
        // One key: sorted as results() sorts, without a group_result (a
        // vector of key strings) per group — a window is written often.
        sorted.clear();
        std::size_t key_bytes = 0;
        auto add = [this, &key_bytes](std::string_view key, const State& state) {
            key_bytes += key.size();
            if constexpr (counts) {
                sorted.push_back({state.n, key, prefix_of(key), &state});
            } else {
                sorted.push_back({state.value(), key, prefix_of(key), &state});
            }
        };
        for (const auto& [key, state] : map.entries()) {
            if (!state.empty()) {
                add(key, state);
            }
        }
        if (other) {
            add(other_key, *other);
        }
        std::sort(sorted.begin(), sorted.end(), [](const sorted_row& a, const sorted_row& b) {
            if constexpr (counts) { // (compared as integers: number's compare was 4% of a windowed count)
                return a.value != b.value ? a.value > b.value : key_less(a, b);
            } else {
                const std::partial_ordering by_value = a.value <=> b.value;
                if (by_value != std::partial_ordering::equivalent && by_value != std::partial_ordering::unordered) {
                    return by_value == std::partial_ordering::greater;
                }
                return key_less(a, b);
            }
        });
        if constexpr (counts) {
            if (!options.json) {
                // Counts as TSV: every row in place after one resize, the count
                // without a string (a window of ~30 groups is written ~25,000
                // times in 5M lines; its appends were a tenth of the run).
                const std::size_t at = out.size();
                out.resize(at + sorted.size() * (window.size() + 24 + 3) + 2 * key_bytes);
                char* p = out.data() + at;
                for (const sorted_row& r : sorted) {
                    char digits[24];
                    const std::to_chars_result end = std::to_chars(std::begin(digits), std::end(digits), r.value);
                    p = put_tsv_row(p, window, {&r.key, 1}, std::string_view(digits, end.ptr));
                }
                out.resize(static_cast<std::size_t>(p - out.data()));
                return;
            }
        }
        for (const sorted_row& r : sorted) {
            const std::string_view key[1] = {r.key};
            if constexpr (counts) {
                write_row(out, window, key, number::from_uint(r.value), r.state->text());
            } else {
                write_row(out, window, key, r.value, r.state->text());
            }
        }
    }

    std::size_t groups() const noexcept override { return live + (other ? 1 : 0); }

    void clear() override {
        if (map.size() > 2 * live) { // (mostly keys of earlier windows: they go)
            map.clear();
        } else {
            for (auto& e : map.entries()) {
                e.state = State(spec);
            }
        }
        live = 0;
        other.reset();
    }
};

template <class State>
std::unique_ptr<group_table::impl> make_table() {
    return std::make_unique<table<State>>();
}

std::unique_ptr<group_table::impl> make_impl(const group_by_spec& spec) {
    switch (spec.what) {
    case group_aggregate::count: return make_table<count_state>();
    case group_aggregate::sum:
    case group_aggregate::avg: return make_table<sum_state>();
    case group_aggregate::min:
    case group_aggregate::max: return make_table<best_state>();
    case group_aggregate::quantile: return make_table<quantile_state>();
    case group_aggregate::distinct: return make_table<distinct_state>();
    }
    return make_table<count_state>();
}

} // namespace

group_table::group_table(group_by_spec spec, group_by_options options) : impl_(make_impl(spec)) {
    if (spec.name.empty()) {
        spec.name = std::string(default_name(spec.what));
    }
    if (spec.what != group_aggregate::count) {
        impl_->field.emplace(field_ref::parse(spec.field));
    }
    impl_->keys.emplace(spec.keys);
    if (options.group_limit == 0) {
        options.group_limit = 1;
    }
    impl_->spec = std::move(spec);
    impl_->options = std::move(options);
}

group_table::group_table(group_table&&) noexcept = default;
group_table& group_table::operator=(group_table&&) noexcept = default;
group_table::~group_table() = default;

void group_table::offer(std::string_view line) {
    impl_->offer(line);
}

void group_table::offer_lines(std::string_view block) {
    impl_->offer_lines(block);
}

std::vector<group_result> group_table::results() const {
    return impl_->results();
}

void group_table::write(std::string& out, std::string_view window) const {
    impl_->write(out, window);
}

void group_table::impl::write_row(std::string& out, std::string_view window, std::span<const std::string_view> row_keys,
                                  const number& value, std::string_view text) const {
    if (options.json) {
        out += '{';
        if (!window.empty()) {
            out += "\"window\":";
            append_json_string(out, window);
            out += ',';
        }
        for (std::size_t i = 0; i < row_keys.size(); ++i) {
            append_json_string(out, spec.keys[i]);
            out += ':';
            append_json_string(out, row_keys[i]);
            out += ',';
        }
        append_json_string(out, spec.name);
        out += ':';
        const double d = value.to_double();
        if (!std::isfinite(d)) {
            out += "null";
        } else if (spec.what == group_aggregate::min || spec.what == group_aggregate::max) {
            out += value.to_string(); // `007`, `1e3` as written are no JSON numbers
        } else {
            out += text;
        }
        out += "}\n";
    } else {
        std::size_t most = window.size() + 1 + text.size() + 1;
        for (std::string_view key : row_keys) {
            most += 2 * key.size() + 1;
        }
        const std::size_t at = out.size();
        out.resize(at + most);
        char* const end = put_tsv_row(out.data() + at, window, row_keys, text);
        out.resize(static_cast<std::size_t>(end - out.data()));
    }
}

void group_table::report_skipped() {
    impl& s = *impl_;
    if (s.skipped == 0 || s.skipped_reported || !s.options.on_warning) {
        return;
    }
    s.skipped_reported = true;
    const char* what = s.spec.what == group_aggregate::distinct ? "" : "a number in ";
    s.options.on_warning(s.spec.name + ": " + std::to_string(s.skipped) + " line" + (s.skipped == 1 ? "" : "s") +
                         " without " + what + s.spec.field + " not counted");
}

void group_table::clear() {
    impl_->clear();
}

const group_by_options& group_table::options() const noexcept {
    return impl_->options;
}

std::size_t group_table::groups() const noexcept {
    return impl_->groups();
}

std::uint64_t group_table::skipped() const noexcept {
    return impl_->skipped;
}

std::uint64_t group_table::overflowed() const noexcept {
    return impl_->overflowed;
}

namespace {

std::int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A line's time for `every`: its time FIELD, or an RFC 3339 timestamp at
// its start, or @time; else the system clock.
struct line_clock {
    std::optional<field_ref> field;
    field_ref syslog_time = field_ref::parse("@time");
    field_scratch scratch;

    detail::rfc3339_reader times; // (its own: the minute of this input's last line kept)

    std::int64_t time_of(std::string_view line) {
        std::optional<std::int64_t> t;
        if (field) {
            if (std::optional<field_value> v = field->find(line, scratch)) {
                t = times.parse(v->text);
            }
        } else {
            t = times.parse(line);
            if (!t) {
                if (std::optional<field_value> v = syslog_time.find(line, scratch)) {
                    t = times.parse(v->text);
                }
            }
        }
        if (t) {
            return *t;
        }
        return now_ms();
    }
};

std::int64_t window_of(std::int64_t ms, std::int64_t every) noexcept {
    const std::int64_t q = ms / every;
    return (ms % every != 0 && ms < 0) ? q - 1 : q;
}

} // namespace

struct detail::group_windows::state {
    explicit state(group_table t) : table(std::move(t)) {}
    group_table table;
    line_clock clock;
    std::int64_t every = 0; // 0: one window, the whole input, written without its start
    std::optional<std::int64_t> current;
    std::optional<std::int64_t> written; // the last window a tick wrote
    std::uint64_t late = 0;
    std::int64_t grace = 0;
    std::string name;

    void write_current(std::string& out) {
        const std::string window = every > 0 ? format_rfc3339(*current * every) : std::string();
        if (every > 0 && table.options().on_window) {
            table.options().on_window(window, table.results());
        }
        table.write(out, window);
        table.clear();
    }

    bool is_late(std::int64_t index) const noexcept {
        return current ? index < *current : written && index <= *written;
    }

    void offer(std::string_view line, std::string& out) {
        if (every > 0) {
            const std::int64_t t = clock.time_of(line);
            // (most lines: of the current window, its start a product, no division)
            if (!current || t < *current * every || t - *current * every >= every) {
                const std::int64_t index = window_of(t, every);
                if (is_late(index)) {
                    ++late;
                    return;
                }
                if (current) {
                    write_current(out);
                }
                current = index;
            }
        } else {
            current = 0;
        }
        table.offer(line);
    }
};

detail::group_windows::group_windows(group_by_spec spec, group_by_options options) {
    std::optional<field_ref> time_field;
    if (!options.time_field.empty()) {
        time_field.emplace(field_ref::parse(options.time_field));
    }
    const std::int64_t every = options.every ? std::max<std::int64_t>(1, options.every->count()) : 0;
    std::string name = spec.name.empty() ? std::string(default_name(spec.what)) : spec.name;
    s_ = std::make_unique<state>(group_table(std::move(spec), std::move(options)));
    s_->clock.field = std::move(time_field);
    s_->every = every;
    s_->grace = std::max<std::int64_t>(0, s_->table.options().grace.count());
    s_->name = std::move(name);
}

detail::group_windows::group_windows(group_windows&&) noexcept = default;
detail::group_windows& detail::group_windows::operator=(group_windows&&) noexcept = default;
detail::group_windows::~group_windows() = default;

bool detail::group_windows::windowed() const noexcept {
    return s_->every > 0;
}

void detail::group_windows::offer(std::string_view line, std::string& out) {
    s_->offer(line, out);
}

void detail::group_windows::offer_lines(std::string_view block, std::string& out) {
    state& s = *s_;
    if (s.every == 0) { // one window: no time to read
        if (!block.empty()) {
            s.current = 0;
            s.table.offer_lines(block);
        }
        return;
    }
    detail::each_line(block, [&s, &out](std::string_view line) { s.offer(line, out); });
}

bool detail::group_windows::tick(std::string& out) {
    state& s = *s_;
    if (s.every == 0 || !s.current || now_ms() < (*s.current + 1) * s.every + s.grace) {
        return false;
    }
    s.write_current(out);
    s.written = s.current;
    s.current.reset();
    return true;
}

void detail::group_windows::finish(std::string& out) {
    state& s = *s_;
    s.table.report_skipped();
    if (s.late > 0 && s.table.options().on_warning) {
        s.table.options().on_warning(s.name + ": " + std::to_string(s.late) + " late line" + (s.late == 1 ? "" : "s") +
                                     " (of windows already written) not counted");
    }
    if (s.current) {
        s.write_current(out);
    }
}

namespace {

// Every line into the current window's groups; a window's lines when a
// line of a later one (or a tick past its end) comes, and at the end.
stage<std::string_view> window_lines(std::unique_ptr<detail::group_windows> w) {
    std::string out;
    for (bool ended = false; !ended;) {
        std::string_view* line = co_await input;
        out.clear();
        if (line == nullptr) {
            ended = true;
            w->finish(out);
        } else if (line->data() == group_by_tick().data()) {
            w->tick(out);
        } else {
            w->offer(*line, out);
        }
        std::string_view rest = out;
        while (!rest.empty()) {
            const std::size_t end = rest.find('\n');
            co_yield rest.substr(0, end);
            rest.remove_prefix(end + 1);
        }
    }
}

} // namespace

std::string_view group_by_tick() noexcept {
    static const char mark = '\0';
    return {&mark, 0};
}

stage<std::string_view> group_by(group_by_spec spec, group_by_options options) {
    return window_lines(std::make_unique<detail::group_windows>(std::move(spec), std::move(options)));
}

} // namespace coropipe
