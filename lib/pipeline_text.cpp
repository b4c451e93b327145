#include <coropipe/pipeline_text.hpp>
#include "text/registry.hpp"
#include <coropipe/detail/edit_distance.hpp>

#include <coropipe/field_ref.hpp>
#include <coropipe/stages/format.hpp>
#include <coropipe/syntax_error.hpp>
#include <coropipe/syslog.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace coropipe {

namespace {

// The grammar of each stage is its registry entry (lib/text/registry.hpp).
using text::find_stage;
using text::operand_kind;
using text::option_info;
using stage_grammar = text::stage_definition;

constexpr std::string_view field_hint = "FIELD is a key (key=value), $N (column N), .json.path or @host, @app, ...";

// ---- messages --------------------------------------------------------------

constexpr bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
constexpr bool is_continuation(char c) noexcept {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}
constexpr bool is_control(char c) noexcept {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
}

// `word` in single quotes for a one-line message: control bytes escaped,
// cut (on a UTF-8 boundary) after 40 bytes.
std::string quoted(std::string_view word) {
    constexpr std::size_t max_bytes = 40;
    std::size_t n = word.size();
    bool cut = n > max_bytes;
    if (cut) {
        n = max_bytes;
        while (n > 0 && is_continuation(word[n])) {
            --n;
        }
    }
    std::string out = "'";
    for (char c : word.substr(0, n)) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (is_control(c)) {
            constexpr char hex[] = "0123456789abcdef";
            auto u = static_cast<unsigned char>(c);
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xF];
        } else {
            out += c;
        }
    }
    out += cut ? "...'" : "'";
    return out;
}

// Every error goes through here. `stage` is empty before the name is known.
[[noreturn]] void fail(std::string_view stage, std::string_view what, std::size_t position,
                       std::string_view hint = {}) {
    std::string message = "coropipe: ";
    if (!stage.empty()) {
        message += stage;
        message += ": ";
    }
    message += what;
    message += " at column ";
    message += std::to_string(position + 1);
    if (!hint.empty()) {
        message += "; ";
        message += hint;
    }
    throw pipeline_text_error(message, position);
}

// "did you mean 'grep'?" for the nearest known stage name; else empty.
std::string suggestion(std::string_view name) {
    const std::string_view best = detail::nearest_name(name, text::stage_definitions(), &stage_grammar::name);
    return best.empty() ? std::string() : "did you mean '" + std::string(best) + "'?";
}

[[noreturn]] void unknown_stage(std::string_view name, std::size_t position) {
    fail({}, "unknown stage " + quoted(name), position, suggestion(name));
}

// ---- words -----------------------------------------------------------------

struct word {
    std::string text;
    std::size_t position = 0; // of its first byte in the text
    std::size_t end = 0;      // just past its last byte
    bool plain = true;        // no quote or escape: text is the bytes [position, end)
    // Where the bytes of `text` come from, run by run: {offset in text, position
    // in the pipeline text}, offsets ascending. An escape is a run of its own.
    std::vector<std::pair<std::size_t, std::size_t>> origins;

    // Appends the bytes `bytes`, which start at `from` in the pipeline text.
    void append(std::string_view bytes, std::size_t from) {
        if (!bytes.empty()) {
            origins.emplace_back(text.size(), from);
            text += bytes;
        }
    }

    // The position in the pipeline text of byte `offset` of `text`.
    std::size_t source_of(std::size_t offset) const {
        auto after = std::upper_bound(origins.begin(), origins.end(), offset,
                                      [](std::size_t o, const auto& run) { return o < run.first; });
        if (after == origins.begin() || offset >= text.size()) {
            return offset >= text.size() ? end : position;
        }
        --after;
        return after->second + (offset - after->first);
    }
};

// Splits the text into words and `|`s, shell style.
class lexer {
public:
    explicit lexer(std::string_view text) noexcept : text_(text) {}

    std::size_t position() const noexcept { return pos_; }
    bool at_end() const noexcept { return pos_ == text_.size(); }
    bool at_pipe() const noexcept { return !at_end() && text_[pos_] == '|'; }
    void skip_pipe() noexcept { ++pos_; }

    // Blanks, and backslash-newline (a line continuation, as in sh).
    void skip_blanks() noexcept {
        while (!at_end()) {
            if (is_blank(text_[pos_])) {
                ++pos_;
            } else if (continuation_at(pos_)) {
                pos_ += 2;
            } else {
                break;
            }
        }
    }

    // The word at the current position (not at a blank, a `|` or the end).
    // `stage` names the stage in error messages.
    word read(std::string_view stage) {
        word w;
        w.position = pos_;
        while (!at_end() && !is_blank(text_[pos_]) && text_[pos_] != '|') {
            char c = text_[pos_];
            if (c == '\'') {
                w.plain = false;
                std::size_t close = text_.find('\'', pos_ + 1);
                if (close == std::string_view::npos) {
                    fail(stage, "unterminated single quote", pos_);
                }
                w.append(text_.substr(pos_ + 1, close - pos_ - 1), pos_ + 1);
                pos_ = close + 1;
            } else if (c == '"') {
                w.plain = false;
                read_double_quoted(w, stage);
            } else if (c == '\\') {
                w.plain = false;
                if (pos_ + 1 == text_.size()) {
                    fail(stage, "backslash at the end of the text", pos_);
                }
                if (text_[pos_ + 1] != '\n') { // backslash-newline joins lines
                    w.append(text_.substr(pos_ + 1, 1), pos_ + 1);
                }
                pos_ += 2;
            } else {
                std::size_t run_end = text_.find_first_of(special_, pos_);
                run_end = run_end == std::string_view::npos ? text_.size() : run_end;
                w.append(text_.substr(pos_, run_end - pos_), pos_);
                pos_ = run_end;
            }
        }
        w.end = pos_;
        return w;
    }

private:
    bool continuation_at(std::size_t at) const noexcept {
        return text_[at] == '\\' && at + 1 < text_.size() && text_[at + 1] == '\n';
    }

    // From the opening '"': \" \\ \| \n \t are escapes; any other backslash
    // is kept with the byte after it ("\d" stays \d for a regex).
    void read_double_quoted(word& w, std::string_view stage) {
        std::size_t open = pos_++;
        for (;;) {
            std::size_t stop = text_.find_first_of("\"\\", pos_);
            if (stop == std::string_view::npos || (text_[stop] == '\\' && stop + 1 == text_.size())) {
                fail(stage, "unterminated double quote", open);
            }
            w.append(text_.substr(pos_, stop - pos_), pos_);
            pos_ = stop + 1;
            if (text_[stop] == '"') {
                return;
            }
            char next = text_[pos_++];
            switch (next) {
            case '"':
            case '\\':
            case '|':
                w.append(text_.substr(stop + 1, 1), stop + 1);
                break;
            case 'n':
                w.append("\n", stop);
                break;
            case 't':
                w.append("\t", stop);
                break;
            default:
                w.append(text_.substr(stop, 2), stop); // the backslash and the byte, as they are
            }
        }
    }

    static constexpr std::string_view special_ = " \t\n\r\v\f|'\"\\";
    std::string_view text_;
    std::size_t pos_ = 0;
};

// ---- validation ------------------------------------------------------------

// The whole of `digits` as a std::size_t; empty if it is not all decimal
// digits or (then `too_large` is set) does not fit.
std::optional<std::size_t> parse_size(std::string_view digits, bool& too_large) noexcept {
    too_large = false;
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range) {
        too_large = true;
        return std::nullopt;
    }
    return value;
}

void check_field(std::string_view stage, const word& w) {
    bool too_large = false;
    if (w.text.starts_with('$')) {
        std::optional<std::size_t> n = parse_size(std::string_view(w.text).substr(1), too_large);
        if (!n || *n == 0) {
            fail(stage, "bad column " + quoted(w.text), w.position, "columns are $1, $2, ...");
        }
    } else if (w.text.empty()) {
        fail(stage, "empty FIELD", w.position, field_hint);
    } else if (!w.text.starts_with('.') && !w.text.starts_with('@') &&
               std::any_of(w.text.begin(), w.text.end(), [](char c) { return is_blank(c) || c == '='; })) {
        fail(stage, "bad field name " + quoted(w.text), w.position, field_hint);
    }
    try {
        (void)field_ref::parse(w.text);
    } catch (const syntax_error& e) {
        fail(stage, e.reason(), w.source_of(e.position()), e.hint().empty() ? field_hint : e.hint());
    }
}

void check_operand(const stage_grammar& g, const word& w) {
    bool too_large = false;
    switch (g.operand) {
    case operand_kind::none:
    case operand_kind::text:
        return;
    case operand_kind::format:
        try {
            detail::line_format check(w.text); // the parser the stage uses; built again, once, by the builder
        } catch (const format_string_error& e) {
            fail(g.name, e.reason(), w.source_of(e.position()), e.hint());
        }
        return;
    case operand_kind::file:
        if (w.text.empty()) {
            fail(g.name, "empty " + std::string(g.operand_name), w.position);
        }
        return;
    case operand_kind::number:
        if (!parse_size(w.text, too_large)) {
            fail(g.name, quoted(w.text) + (too_large ? " is too large" : " is not a number"), w.position);
        }
        return;
    case operand_kind::field:
        check_field(g.name, w);
        return;
    case operand_kind::expression:
        return; // checked by the stage (its `check`)
    case operand_kind::severity:
        if (!parse_severity(w.text)) {
            fail(g.name, "unknown severity " + quoted(w.text), w.position, g.notes[0]);
        }
        return;
    case operand_kind::facility:
        if (!parse_facility(w.text)) {
            fail(g.name, "unknown facility " + quoted(w.text), w.position, g.notes[0]);
        }
        return;
    }
}

bool takes_option(const stage_grammar& g, std::string_view spelling) noexcept {
    return std::any_of(g.options.begin(), g.options.end(),
                       [&](const option_info& o) { return o.spelling == spelling; });
}

bool is_digits(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What `g` takes instead of the unknown option `spelling`: the nearest of
// its options, else the list of them, else that it takes none.
std::string option_hint(const stage_grammar& g, std::string_view spelling) {
    if (g.options.empty()) {
        return std::string(g.name) + " takes no options; usage: " + std::string(g.usage);
    }
    if (spelling.size() > 2) {
        const std::string_view best = detail::nearest_name(spelling, g.options, &option_info::spelling);
        if (!best.empty()) {
            return "did you mean '" + std::string(best) + "'?";
        }
    }
    std::string list;
    for (const option_info& o : g.options) {
        list += list.empty() ? "" : " ";
        list += o.spelling;
    }
    return std::string(g.name) + " takes " + list + "; usage: " + std::string(g.usage);
}

// The spec of stage `g` from its name and the words after it. Options come
// first (POSIX: the first operand or `--` ends them); "missing ..." points
// just past the stage's last word.
// The keys of a `by` clause: the words after `by`, split at commas
// (`by $2, host`, `by $2,host`, `by $2 , host`), each a FIELD.
void read_group_keys(const stage_grammar& g, const word& by, std::span<const word> words, stage_spec& spec) {
    for (const word& w : words) {
        std::size_t begin = 0;
        while (begin <= w.text.size()) {
            std::size_t comma = w.text.find(',', begin);
            comma = comma == std::string::npos ? w.text.size() : comma;
            if (comma > begin) {
                word key;
                key.text = w.text.substr(begin, comma - begin);
                key.position = w.source_of(begin);
                key.end = w.source_of(comma);
                key.plain = w.plain;
                key.origins.emplace_back(0, key.position);
                check_field(g.name, key);
                spec.group_by.push_back(key.text);
                spec.group_by_positions.push_back(key.position);
            }
            begin = comma + 1;
        }
    }
    if (spec.group_by.empty()) {
        fail(g.name, "missing KEY after 'by'", words.empty() ? by.end : words.back().end,
             "usage: " + std::string(g.usage));
    }
}

stage_spec validate(const stage_grammar& g, const word& name, const std::vector<word>& all_words) {
    stage_spec spec;
    // `by KEY...` after the operand (if any) of a stage that takes it.
    std::span<const word> words(all_words);
    std::vector<word> kept;      // the words but the by clause
    std::vector<word> by_clause; // (unused but for its lifetime)
    if (g.takes_by) {
        const std::size_t operands = g.operand == operand_kind::none ? 0 : 1;
        for (std::size_t k = 0; k < all_words.size(); ++k) {
            const word& w = all_words[k];
            if (w.text.starts_with('-') && w.text.size() > 1) {
                continue; // an option
            }
            if (w.plain && w.text == "by") {
                if (operands == 1 && g.operand_required && (k == 0 || all_words[k - 1].text.starts_with('-')) &&
                    k + 1 < all_words.size()) {
                    fail(g.name, "missing " + std::string(g.operand_name) + " before 'by'", w.position,
                         "usage: " + std::string(g.usage));
                }
                // The keys run to the end, or to a keyword (`by $2 every 1m`).
                std::size_t stop = k + 1;
                while (stop < words.size() &&
                       !(words[stop].plain &&
                         std::find(g.keywords.begin(), g.keywords.end(), words[stop].text) != g.keywords.end())) {
                    ++stop;
                }
                read_group_keys(g, w, words.subspan(k + 1, stop - k - 1), spec);
                by_clause.assign(words.begin() + static_cast<std::ptrdiff_t>(k),
                                 words.begin() + static_cast<std::ptrdiff_t>(stop));
                kept.assign(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(k));
                kept.insert(kept.end(), words.begin() + static_cast<std::ptrdiff_t>(stop), words.end());
                words = kept;
                break;
            }
        }
    }
    // `KEYWORD VALUE` clauses, wherever they stand after the options.
    std::vector<word> rest;
    if (!g.keywords.empty()) {
        for (std::size_t k = 0; k < words.size(); ++k) {
            const word& w = words[k];
            std::string lower = w.text;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
            // `with` or `WITH`, unquoted
            const bool keyword = w.plain &&
                                 (lower == w.text || std::all_of(w.text.begin(), w.text.end(),
                                                                 [](char c) { return c >= 'A' && c <= 'Z'; })) &&
                                 std::find(g.keywords.begin(), g.keywords.end(), lower) != g.keywords.end();
            if (!keyword) {
                rest.push_back(w);
                continue;
            }
            if (k + 1 == words.size()) {
                fail(g.name, "missing value after '" + w.text + "'", w.end, "usage: " + std::string(g.usage));
            }
            if (spec.find_clause(lower) != nullptr) {
                fail(g.name, "'" + lower + "' given twice", w.position, "usage: " + std::string(g.usage));
            }
            spec.clauses.push_back({lower, words[k + 1].text, words[k + 1].position});
            ++k;
        }
        words = rest;
    }
    spec.name = std::string(g.name);
    spec.position = name.position;

    std::string seen; // short flags, in the order given
    std::size_t i = 0;
    for (; i < words.size(); ++i) {
        const word& w = words[i];
        if (w.text == "--") {
            ++i;
            break;
        }
        if (w.text.size() < 2 || w.text[0] != '-') {
            break; // "-" alone is an operand (stdin, say)
        }
        if (w.text.starts_with("--")) {
            if (w.text != "--final" || !takes_option(g, w.text)) {
                fail(g.name, "unknown option " + quoted(w.text), w.position, option_hint(g, w.text));
            }
            spec.final_only = true;
            continue;
        }
        if (w.text.size() > 2 && takes_option(g, "-" + w.text)) { // -final for --final
            fail(g.name, "unknown option " + quoted(w.text), w.position, "did you mean '-" + w.text + "'?");
        }
        if (g.operand == operand_kind::number && (w.text == "-n" || is_digits(w.text.substr(1)))) {
            // head -5, head -n 5: the count is the operand
            fail(g.name, "unknown option " + quoted(w.text), w.position,
                 "the count is an operand: '" + std::string(g.name) + " N', as '" + std::string(g.name) + " 10'");
        }
        for (std::size_t k = 1; k < w.text.size(); ++k) {
            char c = w.text[k];
            // "-x" points at its '-'; the x of "-vx" at itself, if the bytes are where they seem
            std::size_t at = k > 1 && w.plain ? w.position + k : w.position;
            if (is_control(c) || static_cast<unsigned char>(c) >= 0x80) {
                fail(g.name, "unknown option " + quoted(w.text), w.position);
            }
            const char spelling[] = {'-', c};
            if (!takes_option(g, std::string_view(spelling, 2))) {
                fail(g.name, "unknown option " + quoted(std::string_view(spelling, 2)), at,
                     option_hint(g, std::string_view(spelling, 2)));
            }
            if (g.exclusive.find(c) != std::string_view::npos) {
                for (char other : g.exclusive) {
                    if (other != c && seen.find(other) != std::string::npos) {
                        fail(g.name, "-" + std::string(1, c) + " conflicts with -" + std::string(1, other), at);
                    }
                }
            }
            seen += c;
        }
    }
    for (const option_info& o : g.options) {
        if (o.spelling.size() == 2 && seen.find(o.spelling[1]) != std::string::npos) {
            spec.flags += o.spelling[1];
        }
    }

    std::size_t max_operands = g.operand == operand_kind::none ? 0 : 1;
    if (words.size() - i > max_operands) {
        const word& extra = words[i + max_operands];
        fail(g.name, "unexpected argument " + quoted(extra.text), extra.position, "usage: " + std::string(g.usage));
    }
    if (i == words.size()) {
        if (g.operand_required) {
            std::size_t end = words.empty() ? name.end : words.back().end;
            fail(g.name, "missing " + std::string(g.operand_name), end);
        }
        return spec;
    }
    check_operand(g, words[i]);
    spec.operands.push_back(words[i].text);
    spec.operand_positions.push_back(words[i].position);
    spec.operand_origins.push_back(words[i].origins);
    return spec;
}

// A stage whose operand is the rest of its text, as written (`where EXPR`):
// from its first word to the end of its last, quotes and all, so that the
// stage's own parser sees its quotes and its errors point into the text.
stage_spec expression_stage(const stage_grammar& g, const word& name, const std::vector<word>& words,
                            std::string_view text) {
    stage_spec spec;
    spec.name = std::string(g.name);
    spec.position = name.position;
    if (words.empty()) {
        fail(g.name, "missing " + std::string(g.operand_name), name.end, "usage: " + std::string(g.usage));
    }
    const std::size_t begin = words.front().position;
    spec.operands.emplace_back(text.substr(begin, words.back().end - begin));
    spec.operand_positions.push_back(begin);
    return spec;
}

void append_usage(std::string& out, const stage_grammar& g) {
    out += g.usage;
    out += "\n    ";
    out += g.description;
    out += '\n';
}

} // namespace

std::size_t stage_spec::source_of(std::size_t i, std::size_t offset) const noexcept {
    if (i >= operand_origins.size() || operand_origins[i].empty()) {
        return i < operand_positions.size() ? operand_positions[i] + offset : position;
    }
    const auto& runs = operand_origins[i];
    auto after = std::upper_bound(runs.begin(), runs.end(), offset,
                                  [](std::size_t o, const auto& run) { return o < run.first; });
    if (after == runs.begin()) {
        return operand_positions[i];
    }
    --after;
    return after->second + (offset - after->first);
}

namespace {

// Reads one stage at the lexer's position (up to its `|` or the end).
stage_spec read_stage(lexer& lex, std::string_view text, bool* last_only) {
    lex.skip_blanks();
    if (lex.at_end() || lex.at_pipe()) {
        fail({}, "empty stage", lex.position());
    }
    word name = lex.read({});
    const stage_grammar* g = find_stage(name.text);
    if (!g) {
        unknown_stage(name.text, name.position);
    }
    std::vector<word> words;
    for (lex.skip_blanks(); !lex.at_end() && !lex.at_pipe(); lex.skip_blanks()) {
        words.push_back(lex.read(g->name));
    }
    stage_spec spec = g->operand == operand_kind::expression ? expression_stage(*g, name, words, text)
                                                              : validate(*g, name, words);
    if (g->check != nullptr) {
        g->check(spec);
    }
    *last_only = g->last_only;
    return spec;
}

// After an error in a stage: the lexer at the `|` that ends it, or at the
// end. False when the rest cannot be read (an unterminated quote).
bool skip_stage(lexer& lex) {
    try {
        for (lex.skip_blanks(); !lex.at_end() && !lex.at_pipe(); lex.skip_blanks()) {
            (void)lex.read({});
        }
        return true;
    } catch (const pipeline_text_error&) {
        return false;
    }
}

} // namespace

std::vector<stage_spec> parse_pipeline(std::string_view text) {
    lexer lex(text);
    lex.skip_blanks();
    if (lex.at_end()) {
        fail({}, "empty pipeline text", 0);
    }
    std::vector<stage_spec> stages;
    for (;;) {
        bool last_only = false;
        stages.push_back(read_stage(lex, text, &last_only));
        if (lex.at_end()) {
            return stages;
        }
        if (last_only) {
            fail(stages.back().name, "must be the last stage", stages.back().position);
        }
        lex.skip_pipe();
    }
}

std::vector<pipeline_text_error> parse_pipeline_errors(std::string_view text) {
    std::vector<pipeline_text_error> errors;
    lexer lex(text);
    lex.skip_blanks();
    if (lex.at_end()) {
        try {
            fail({}, "empty pipeline text", 0);
        } catch (const pipeline_text_error& e) {
            errors.push_back(e);
        }
        return errors;
    }
    for (;;) {
        bool last_only = false;
        try {
            const stage_spec spec = read_stage(lex, text, &last_only);
            if (!lex.at_end() && last_only) {
                fail(spec.name, "must be the last stage", spec.position);
            }
        } catch (const pipeline_text_error& e) {
            errors.push_back(e);
            if (!skip_stage(lex)) {
                return errors;
            }
        }
        if (lex.at_end()) {
            return errors;
        }
        lex.skip_pipe();
    }
}

std::string stage_help(std::string_view name) {
    const stage_grammar* g = find_stage(name);
    if (!g) {
        std::string message = "coropipe: unknown stage " + quoted(name);
        if (std::string hint = suggestion(name); !hint.empty()) {
            message += "; " + hint;
        }
        throw pipeline_text_error(message, 0);
    }
    std::string out = "usage: ";
    append_usage(out, *g);
    for (const option_info& o : g->options) {
        out += "  ";
        out += o.spelling;
        out.append(o.spelling.size() < 8 ? 8 - o.spelling.size() : 1, ' ');
        out += o.help;
        out += '\n';
    }
    for (std::string_view line : g->notes) {
        out += "  ";
        out += line;
        out += '\n';
    }
    return out;
}

std::string all_stages_help() {
    std::string out;
    for (const stage_grammar* g : text::stage_definitions()) {
        append_usage(out, *g);
    }
    return out;
}

std::string format_error(std::string_view text, const pipeline_text_error& err) {
    constexpr std::size_t context = 60; // bytes shown each side of the caret in a long line
    std::size_t pos = std::min(err.position(), text.size());
    std::size_t line_begin = pos == 0 ? 0 : text.rfind('\n', pos - 1) + 1; // npos + 1 == 0
    std::size_t line_end = std::min(text.find('\n', pos), text.size());

    std::size_t begin = pos - std::min(pos - line_begin, context);
    std::size_t end = std::min(line_end, pos + context);
    while (begin < pos && is_continuation(text[begin])) {
        ++begin;
    }
    while (end < line_end && is_continuation(text[end])) {
        ++end;
    }

    std::string shown = begin > line_begin ? "..." : "";
    std::string caret = begin > line_begin ? "   " : "";
    for (std::size_t i = begin; i < end; ++i) {
        char c = text[i];
        shown += c == '\t' || !is_control(c) ? c : '?';
        if (i < pos && !is_continuation(c)) {
            caret += c == '\t' ? '\t' : ' ';
        }
    }
    if (end < line_end) {
        shown += "...";
    }
    return shown + "\n" + caret + "^\n";
}

} // namespace coropipe
