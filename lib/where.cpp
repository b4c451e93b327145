#include <coropipe/where_expr.hpp>

#include <coropipe/regex_error.hpp>

#include "quoted_text.hpp"

#include <coropipe/detail/regex.hpp>
#include <coropipe/detail/search.hpp>
#include <coropipe/field_ref.hpp>
#include <coropipe/number.hpp>
#include <coropipe/syntax_error.hpp>
#include <coropipe/syslog.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

// No coroutine in this file: the `where` fuzz target compiles it alone.

namespace coropipe {

namespace {

constexpr std::string_view context = "coropipe::where";
constexpr std::size_t max_depth = 200; // parentheses and `not`s: the evaluator recurses that deep

[[noreturn]] void fail(const std::string& reason, std::size_t at, const std::string& hint = {}) {
    throw syntax_error(context, reason, at, hint);
}

constexpr std::string_view condition_examples = "e.g. latency_ms > 500, .level == \"error\", has user";
constexpr std::string_view value_examples = "a number, a \"string\" or a FIELD (key, $N, .json.path, @host)";

enum class cmp : std::uint8_t { eq, ne, lt, le, gt, ge };

// Which syslog codes a comparison compares (`@severity <= "warning"`).
enum class codes : std::uint8_t { none, severity, facility };

// One side of a comparison: a FIELD, or a literal.
struct operand {
    std::optional<field_ref> field;
    std::string text;         // a literal as text: a string unescaped, a number as written
    number num;               // a number literal (or a syslog code)
    bool numeric = false;     // a number literal (or a syslog code)
    std::size_t position = 0; // in the expression
};

enum class node_kind : std::uint8_t { all, any, negation, has, compare, match };

struct node {
    node_kind kind = node_kind::all;
    std::vector<std::size_t> children; // all, any: each; negation: one
    operand lhs;                       // compare, match, has (the field)
    operand rhs;                       // compare
    cmp op = cmp::eq;
    codes code = codes::none;
    bool negate = false;                                // match: `!~`
    std::shared_ptr<const detail::regex_matcher> regex; // match
};

// ---- tokens ------------------------------------------------------------------------

enum class token_kind : std::uint8_t { end, open, close, op, match, no_match, kw_and, kw_or, kw_not, kw_has, value };

struct token {
    token_kind kind = token_kind::end;
    std::size_t position = 0;
    std::size_t size = 0;
    cmp op = cmp::eq;
    operand value; // token_kind::value
};

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// The bytes where a bare word (a keyword or a logfmt key) ends.
constexpr bool ends_word(char c) noexcept {
    return is_blank(c) || std::string_view("=!<>~()&|,\"'").find(c) != std::string_view::npos;
}

class lexer {
public:
    explicit lexer(std::string_view text) : text_(text) {}

    std::string_view text() const noexcept { return text_; }

    token next() {
        while (pos_ < text_.size() && is_blank(text_[pos_])) {
            ++pos_;
        }
        token t;
        t.position = pos_;
        if (pos_ == text_.size()) {
            return t;
        }
        const char c = text_[pos_];
        const char c1 = peek(1);
        switch (c) {
        case '(':
            return take(t, token_kind::open, 1);
        case ')':
            return take(t, token_kind::close, 1);
        case '=':
            if (c1 == '=' && peek(2) == '=') {
                fail("unknown operator '==='", pos_, "write == to compare");
            }
            if (c1 == '=') {
                return take_op(t, cmp::eq, 2);
            }
            if (c1 == '~') {
                fail("unknown operator '=~'", pos_, "write ~ for a regex match");
            }
            if (c1 == '<' || c1 == '>') {
                fail("unknown operator '" + std::string(text_.substr(pos_, 2)) + "'", pos_,
                     std::string("write ") + c1 + "=");
            }
            fail("unknown operator '='", pos_, "write == to compare");
        case '!':
            if (c1 == '=') {
                return take_op(t, cmp::ne, 2);
            }
            if (c1 == '~') {
                return take(t, token_kind::no_match, 2);
            }
            fail("unknown operator '!'", pos_, "write not to negate a condition");
        case '<':
            if (c1 == '>') {
                fail("unknown operator '<>'", pos_, "write != for 'not equal'");
            }
            return c1 == '=' ? take_op(t, cmp::le, 2) : take_op(t, cmp::lt, 1);
        case '>':
            return c1 == '=' ? take_op(t, cmp::ge, 2) : take_op(t, cmp::gt, 1);
        case '~':
            return take(t, token_kind::match, 1);
        case '&':
            fail(std::string("unknown operator '") + (c1 == '&' ? "&&" : "&") + "'", pos_, "write and");
        case '|':
            fail(std::string("unknown operator '") + (c1 == '|' ? "||" : "|") + "'", pos_, "write or");
        case ',':
            fail("unexpected ','", pos_, "join conditions with and / or");
        case '"':
        case '\'': {
            std::size_t end = 0;
            t.value.text = detail::read_quoted(text_, pos_, &end, context);
            return take_value(t, end - pos_);
        }
        default:
            break;
        }
        if (is_digit(c) || ((c == '-' || c == '.') && is_digit(c1))) {
            return number_token(t);
        }
        if (c == '$' || c == '.' || c == '@') {
            return field_token(t);
        }
        std::size_t end = pos_;
        while (end < text_.size() && !ends_word(text_[end])) {
            ++end;
        }
        const std::string_view word = text_.substr(pos_, end - pos_);
        if (word == "and") {
            return take(t, token_kind::kw_and, 3);
        }
        if (word == "or") {
            return take(t, token_kind::kw_or, 2);
        }
        if (word == "not") {
            return take(t, token_kind::kw_not, 3);
        }
        if (word == "has") {
            return take(t, token_kind::kw_has, 3);
        }
        if (word == "true" || word == "false" || word == "null") {
            t.value.text = word;
            return take_value(t, word.size());
        }
        return field_token(t);
    }

private:
    char peek(std::size_t ahead) const noexcept { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
    token take(token& t, token_kind kind, std::size_t size) {
        t.kind = kind;
        t.size = size;
        pos_ += size;
        return std::move(t);
    }
    token take_op(token& t, cmp op, std::size_t size) {
        t.op = op;
        return take(t, token_kind::op, size);
    }
    token take_value(token& t, std::size_t size) {
        t.value.position = pos_;
        return take(t, token_kind::value, size);
    }

    // 42, -3.5, .5, 1e3: the bytes a number can hold, then anything
    // word-like glued to it, so that `12ms` is one bad token.
    token number_token(token& t) {
        std::size_t end = pos_ + 1;
        while (end < text_.size()) {
            const char c = text_[end];
            const char before = text_[end - 1];
            if (is_alnum(c) || c == '.' || ((c == '-' || c == '+') && (before == 'e' || before == 'E'))) {
                ++end;
            } else {
                break;
            }
        }
        const std::string_view word = text_.substr(pos_, end - pos_);
        const std::optional<number> n = number::parse(word);
        if (!n) {
            fail("bad number " + detail::shown(word), pos_,
                 "a number is like 42, -3.5 or 1e3; quote text: \"" + std::string(word) + "\"");
        }
        t.value.num = *n;
        t.value.numeric = true;
        t.value.text = word;
        return take_value(t, word.size());
    }

    token field_token(token& t) {
        std::size_t length = 0;
        try {
            t.value.field = field_ref::parse_prefix(text_.substr(pos_), &length);
        } catch (const syntax_error& e) {
            fail(e.reason(), pos_ + e.position(), e.hint());
        }
        return take_value(t, length);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

// ---- parser ------------------------------------------------------------------------

std::string_view cmp_name(cmp op) noexcept {
    constexpr std::string_view names[] = {"==", "!=", "<", "<=", ">", ">="};
    return names[static_cast<std::size_t>(op)];
}

bool is_syslog_field(const operand& o, field_ref::syslog_field which) noexcept {
    return o.field && o.field->from() == field_ref::source::syslog && o.field->syslog() == which;
}

class parser {
public:
    explicit parser(std::string_view text) : lex_(text) { advance(); }

    std::vector<node> parse(std::size_t* root) {
        if (tok_.kind == token_kind::end) {
            fail("empty expression", 0, std::string(condition_examples));
        }
        *root = parse_or(0);
        if (tok_.kind != token_kind::end) {
            const std::string what = describe(tok_);
            if (tok_.kind == token_kind::close) {
                fail("unexpected ')'", tok_.position, "there is no '(' to close");
            }
            fail("unexpected " + what + " after a complete condition", tok_.position, "join conditions with and / or");
        }
        return std::move(nodes_);
    }

private:
    void advance() { tok_ = lex_.next(); }

    std::string describe(const token& t) const {
        if (t.kind == token_kind::end) {
            return "end of expression";
        }
        return detail::shown(lex_.text().substr(t.position, t.size));
    }

    std::size_t add(node n) {
        nodes_.push_back(std::move(n));
        return nodes_.size() - 1;
    }

    void enter(std::size_t depth) const {
        if (depth > max_depth) {
            fail("expression nested too deeply", tok_.position,
                 "at most " + std::to_string(max_depth) + " levels of parentheses and not");
        }
    }

    // or_expr := and_expr ('or' and_expr)*
    std::size_t parse_or(std::size_t depth) {
        return parse_chain(depth, token_kind::kw_or, node_kind::any, &parser::parse_and);
    }
    // and_expr := unary ('and' unary)*
    std::size_t parse_and(std::size_t depth) {
        return parse_chain(depth, token_kind::kw_and, node_kind::all, &parser::parse_unary);
    }

    // One node for a whole chain `x KEYWORD y KEYWORD z`, so that a long
    // chain costs no depth.
    std::size_t parse_chain(std::size_t depth, token_kind keyword, node_kind kind,
                            std::size_t (parser::*operand)(std::size_t)) {
        const std::size_t first = (this->*operand)(depth);
        if (tok_.kind != keyword) {
            return first;
        }
        node n;
        n.kind = kind;
        n.children.push_back(first);
        while (tok_.kind == keyword) {
            advance();
            n.children.push_back((this->*operand)(depth));
        }
        return add(std::move(n));
    }

    // unary := 'not' unary | '(' or_expr ')' | 'has' FIELD | comparison
    std::size_t parse_unary(std::size_t depth) {
        switch (tok_.kind) {
        case token_kind::kw_not: {
            enter(depth + 1);
            advance();
            node n;
            n.kind = node_kind::negation;
            n.children.push_back(parse_unary(depth + 1));
            return add(std::move(n));
        }
        case token_kind::open: {
            enter(depth + 1);
            const std::size_t open = tok_.position;
            advance();
            const std::size_t inner = parse_or(depth + 1);
            if (tok_.kind != token_kind::close) {
                fail(tok_.kind == token_kind::end ? "missing ')'" : "expected ')' before " + describe(tok_),
                     tok_.position, "to close the '(' at offset " + std::to_string(open));
            }
            advance();
            return inner;
        }
        case token_kind::kw_has: {
            advance();
            if (tok_.kind != token_kind::value || !tok_.value.field) {
                fail("expected a FIELD after has", tok_.position,
                     tok_.kind == token_kind::open ? "write has FIELD, without parentheses" : "e.g. has user");
            }
            node n;
            n.kind = node_kind::has;
            n.lhs = std::move(tok_.value);
            advance();
            return add(std::move(n));
        }
        case token_kind::value:
            return parse_comparison();
        case token_kind::end:
            fail("the expression ends where a condition is expected", tok_.position, std::string(condition_examples));
        case token_kind::close:
            fail("expected a condition before ')'", tok_.position, std::string(condition_examples));
        case token_kind::kw_and:
        case token_kind::kw_or:
            fail("expected a condition before " + describe(tok_), tok_.position, std::string(condition_examples));
        case token_kind::op:
        case token_kind::match:
        case token_kind::no_match:
            fail("missing FIELD before " + describe(tok_), tok_.position,
                 "e.g. latency_ms " + std::string(lex_.text().substr(tok_.position, tok_.size)) + " 500");
        }
        fail("expected a condition", tok_.position, std::string(condition_examples));
    }

    // comparison := operand OP operand | FIELD ('~' | '!~') "regex"
    std::size_t parse_comparison() {
        operand lhs = std::move(tok_.value);
        const std::string lhs_text = describe(tok_);
        advance();
        node n;
        if (tok_.kind == token_kind::match || tok_.kind == token_kind::no_match) {
            n.kind = node_kind::match;
            n.negate = tok_.kind == token_kind::no_match;
            const std::string op = describe(tok_);
            if (!lhs.field) {
                fail("the left of " + op + " is a FIELD", lhs.position, "e.g. path ~ \"^/api\"");
            }
            advance();
            if (tok_.kind != token_kind::value || tok_.value.field || tok_.value.numeric) {
                fail(tok_.kind == token_kind::value ? "the pattern of " + op + " is a \"string\""
                                                    : "missing pattern after " + op,
                     tok_.position, "e.g. path ~ \"^/api\"");
            }
            n.regex = compile(tok_.value.text, tok_.position);
            n.lhs = std::move(lhs);
            advance();
            return add(std::move(n));
        }
        if (tok_.kind != token_kind::op) {
            const std::string hint = lhs.field ? "compare it (== != < <= > >= ~ !~), or write has " +
                                                     std::string(lhs.field->text()) + " to test that it is there"
                                               : "compare it with == != < <= > >=";
            fail("expected an operator after " + lhs_text +
                     (tok_.kind == token_kind::end ? std::string() : ", not " + describe(tok_)),
                 tok_.position, hint);
        }
        n.kind = node_kind::compare;
        n.op = tok_.op;
        advance();
        if (tok_.kind != token_kind::value) {
            fail("missing value after '" + std::string(cmp_name(n.op)) + "'", tok_.position,
                 std::string(value_examples));
        }
        n.lhs = std::move(lhs);
        n.rhs = std::move(tok_.value);
        set_codes(n);
        advance();
        return add(std::move(n));
    }

    std::shared_ptr<const detail::regex_matcher> compile(const std::string& pattern, std::size_t at) {
        try {
            return std::make_shared<const detail::regex_matcher>(pattern, false);
        } catch (const regex_error& e) {
            // At the byte of the pattern (exact when the string has no escapes).
            fail("invalid regex: " + e.reason(), at + 1 + e.position(),
                 e.hint().empty() ? std::string("the syntax is grep -E's: see docs/regex.md") : e.hint());
        }
    }

    // `@severity OP literal` (either way round) compares codes: the
    // literal becomes its code now.
    void set_codes(node& n) {
        for (const auto& [which, kind] : {std::pair{field_ref::syslog_field::severity_code, codes::severity},
                                          std::pair{field_ref::syslog_field::facility_code, codes::facility}}) {
            const bool left = is_syslog_field(n.lhs, which);
            const bool right = is_syslog_field(n.rhs, which);
            if (!left && !right) {
                continue;
            }
            operand& other = left ? n.rhs : n.lhs;
            if (other.field) {
                if (left && right) {
                    n.code = kind; // both sides are codes
                }
                return;
            }
            const int code = literal_code(other, kind);
            other.num = number::from_int(code);
            other.numeric = true;
            n.code = kind;
            return;
        }
    }

    static int literal_code(const operand& o, codes kind) {
        const bool severity = kind == codes::severity;
        std::optional<int> code;
        if (severity) {
            if (const std::optional<syslog_severity> s = parse_severity(o.text)) {
                code = static_cast<int>(*s);
            }
        } else if (const std::optional<syslog_facility> f = parse_facility(o.text)) {
            code = static_cast<int>(*f);
        }
        if (!code) {
            std::string names;
            if (severity) {
                for (std::string_view name : detail::severity_names) {
                    names += " " + std::string(name);
                }
            } else {
                for (std::string_view name : detail::facility_names) {
                    names += " " + std::string(name);
                }
            }
            fail(std::string("unknown ") + (severity ? "severity " : "facility ") + detail::shown(o.text), o.position,
                 std::string("the names are") + names + (severity ? " (or 0-7)" : " (or 0-23)"));
        }
        return *code;
    }

    lexer lex_;
    token tok_;
    std::vector<node> nodes_;
};

// ---- prefilter ------------------------------------------------------------------------

bool safe_literal(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(),
                                     [](char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '/'; });
}

} // namespace

// ---- where_expr ------------------------------------------------------------------------

struct where_expr::program {
    std::string text;
    std::vector<node> nodes;
    std::size_t root = 0;
    required_text prefilter;
    std::vector<detail::substring_searcher> literals; // prefilter.literals, compiled
};

namespace {

// What `required` gathers: the `==` values and the keys apart.
struct gathered {
    std::vector<std::string> values;
    std::vector<std::string> keys;
    bool json_escapes = false;
};

void add_field(const operand& o, gathered& out) {
    if (!o.field) {
        return;
    }
    for (std::string& literal : o.field->required_literals()) {
        out.keys.push_back(std::move(literal));
        out.json_escapes = out.json_escapes || o.field->from() == field_ref::source::json;
    }
}

// Longest first, and appended to `out` unless a literal there holds it.
void add_longest_first(std::vector<std::string> literals, std::vector<std::string>& out) {
    std::stable_sort(literals.begin(), literals.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (std::string& literal : literals) {
        if (std::none_of(out.begin(), out.end(),
                         [&](const std::string& k) { return k.find(literal) != std::string::npos; })) {
            out.push_back(std::move(literal));
        }
    }
}

where_expr::required_text required(const std::vector<node>& nodes, std::size_t root) {
    gathered out;
    std::vector<std::size_t> conditions;
    if (nodes[root].kind == node_kind::all) {
        conditions = nodes[root].children;
    } else {
        conditions.push_back(root);
    }
    // Every condition of the top-level `and` holds in a matching line; a
    // nested `and` in parentheses too.
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        const node& n = nodes[conditions[i]];
        switch (n.kind) {
        case node_kind::all:
            conditions.insert(conditions.end(), n.children.begin(), n.children.end());
            break;
        case node_kind::has:
        case node_kind::match:
            add_field(n.lhs, out); // a missing field fails `has`, `~` and `!~`
            break;
        case node_kind::compare: {
            add_field(n.lhs, out); // and any comparison
            add_field(n.rhs, out);
            // FIELD == "literal": compared as bytes (a string is never
            // numeric), so the value is the literal, which its encoding
            // holds as it is (safe_literal) or through a \u (json_escapes).
            const operand& field = n.lhs.field ? n.lhs : n.rhs;
            const operand& literal = n.lhs.field ? n.rhs : n.lhs;
            if (n.op == cmp::eq && n.code == codes::none && field.field && !literal.field && !literal.numeric &&
                safe_literal(literal.text)) {
                out.values.push_back(literal.text);
                out.json_escapes = out.json_escapes || field.field->from() == field_ref::source::json;
            }
            break;
        }
        case node_kind::any:
        case node_kind::negation:
            break;
        }
    }
    where_expr::required_text text;
    add_longest_first(std::move(out.values), text.literals);
    add_longest_first(std::move(out.keys), text.literals);
    text.json_escapes = out.json_escapes && !text.literals.empty();
    return text;
}

// One side of a comparison, resolved in a line.
struct resolved {
    std::string_view text;
    number num;
    bool numeric = false;
};

struct evaluation {
    const std::vector<node>* nodes = nullptr;
    std::string_view line;
    field_scratch* fields = nullptr;
    std::string* held = nullptr;
    bool looked = false; // a field of this line was looked up: the next ones reuse its parse
};

} // namespace

namespace {

std::optional<field_value> look_up(const field_ref& f, evaluation& ev) {
    std::optional<field_value> v = ev.looked ? f.find_in_same_line(ev.line, *ev.fields) : f.find(ev.line, *ev.fields);
    ev.looked = true;
    return v;
}

std::optional<resolved> resolve(const operand& o, codes code, evaluation& ev) {
    if (!o.field) {
        return resolved{o.text, o.num, o.numeric};
    }
    const std::optional<field_value> v = look_up(*o.field, ev);
    if (!v) {
        return std::nullopt;
    }
    if (code != codes::none && o.field->from() == field_ref::source::syslog) {
        // The field's text is the name `parse_syslog` gave: its code.
        const int c = code == codes::severity ? static_cast<int>(parse_severity(v->text).value_or(syslog_severity{}))
                                              : static_cast<int>(parse_facility(v->text).value_or(syslog_facility{}));
        return resolved{v->text, number::from_int(c), true};
    }
    return resolved{v->text, v->numeric, v->kind == field_kind::number};
}

bool holds(std::partial_ordering order, cmp op) noexcept {
    switch (op) {
    case cmp::eq:
        return order == 0;
    case cmp::ne:
        return order != 0;
    case cmp::lt:
        return order < 0;
    case cmp::le:
        return order <= 0;
    case cmp::gt:
        return order > 0;
    case cmp::ge:
        return order >= 0;
    }
    return false;
}

bool evaluate(std::size_t index, evaluation& ev) {
    const node& n = (*ev.nodes)[index];
    switch (n.kind) {
    case node_kind::all:
        return std::all_of(n.children.begin(), n.children.end(), [&](std::size_t c) { return evaluate(c, ev); });
    case node_kind::any:
        return std::any_of(n.children.begin(), n.children.end(), [&](std::size_t c) { return evaluate(c, ev); });
    case node_kind::negation:
        return !evaluate(n.children.front(), ev);
    case node_kind::has:
        return look_up(*n.lhs.field, ev).has_value();
    case node_kind::match: {
        const std::optional<field_value> v = look_up(*n.lhs.field, ev);
        return v && n.regex->matches(v->text) != n.negate;
    }
    case node_kind::compare: {
        std::optional<resolved> left = resolve(n.lhs, n.code, ev);
        if (!left) {
            return false;
        }
        // The right side's lookup may reuse the memory the left's text is in.
        const bool in_line = left->text.data() >= ev.line.data() &&
                             left->text.data() + left->text.size() <= ev.line.data() + ev.line.size();
        if (n.rhs.field && n.lhs.field && !in_line) {
            ev.held->assign(left->text);
            left->text = *ev.held;
        }
        const std::optional<resolved> right = resolve(n.rhs, n.code, ev);
        if (!right) {
            return false;
        }
        if (left->numeric && right->numeric) {
            return holds(left->num <=> right->num, n.op);
        }
        return holds(left->text <=> right->text, n.op);
    }
    }
    return false;
}

} // namespace

where_expr where_expr::parse(std::string_view text) {
    auto p = std::make_shared<program>();
    p->text = text;
    parser parse(p->text);
    p->nodes = parse.parse(&p->root);
    p->prefilter = required(p->nodes, p->root);
    for (const std::string& literal : p->prefilter.literals) {
        p->literals.emplace_back(literal);
    }
    return where_expr(std::move(p));
}

bool where_expr::admits(std::string_view line) const noexcept {
    for (const detail::substring_searcher& literal : program_->literals) {
        if (!literal.matches(line)) {
            return program_->prefilter.json_escapes && line.find("\\u") != std::string_view::npos;
        }
    }
    return true;
}

bool where_expr::matches(std::string_view line, scratch& s) const {
    evaluation ev{&program_->nodes, line, &s.fields_, &s.held_, false};
    return evaluate(program_->root, ev);
}

const where_expr::required_text& where_expr::prefilter() const noexcept { return program_->prefilter; }

std::string_view where_expr::text() const noexcept { return program_->text; }

} // namespace coropipe
