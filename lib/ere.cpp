// POSIX ERE, as GNU grep -E reads it under LC_ALL=C, translated into the
// syntax RE2 and Hyperscan share. The grammar and the corner cases follow
// GNU's dfa.c (gnulib), which decides what grep -E matches when there is no
// back-reference:
//
//   regexp  := branch ('|' branch)*
//   branch  := closure closure*            (up to ')' '|' or the end)
//   closure := atom ('*' | '+' | '?' | '{m,n}')*
//   atom    := char | '.' | '[...]' | '^' | '$' | \< \> \b \B \` \'
//            | '(' regexp ')' | nothing   (a repeat at the start repeats "nothing")
//
// Lexing is context-free except for ')' (a literal when no '(' is open) and
// '{' (a literal unless a well-formed interval follows). Newlines separate
// whole patterns, as in grep's PATTERNS. GNU grep also compiles the pattern
// with glibc's regcomp, which must accept it too (and which matches instead
// of dfa.c when a bracket holds [=a=] or [.a.]): the lexer follows its
// reading as far as acceptance goes, and where the two parsers read a
// construct differently, the pattern is refused (docs/regex.md lists them).
//
// The parse is a small tree of byte sets, assertions, concatenations,
// alternations and repeats; it is simplified (alternatives with a common
// start merged, see `factored`), `\<` and `\>` are rewritten into `\b` where
// that is exact, and the tree is printed with every byte escaped.

#include <coropipe/detail/ere.hpp>

#include <coropipe/regex_error.hpp>

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coropipe::detail {

namespace {

using byte_set = std::bitset<256>;

constexpr int unbounded = -1;
constexpr int gnu_dup_max = 32767;   // RE_DUP_MAX: the largest count GNU grep takes
constexpr int engine_dup_max = 1000; // RE2's largest count
constexpr int max_nesting = 200;     // groups and repeats inside each other (RE2 takes 1000 levels)

constexpr bool is_digit(unsigned char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_upper(unsigned char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(unsigned char c) noexcept { return c >= 'a' && c <= 'z'; }
constexpr bool is_alnum(unsigned char c) noexcept { return is_digit(c) || is_upper(c) || is_lower(c); }
constexpr unsigned char ascii_upper(unsigned char c) noexcept {
    return is_lower(c) ? static_cast<unsigned char>(c - 32) : c;
}

byte_set range(unsigned lo, unsigned hi) {
    byte_set s;
    for (unsigned c = lo; c <= hi; ++c) {
        s.set(c);
    }
    return s;
}

byte_set single(unsigned char c) {
    byte_set s;
    s.set(c);
    return s;
}

// The C locale's classes.
byte_set word_set() { return range('0', '9') | range('A', 'Z') | range('a', 'z') | single('_'); }
byte_set space_set() { return range('\t', '\r') | single(' '); }

std::optional<byte_set> class_set(std::string_view name) {
    const byte_set digit = range('0', '9');
    const byte_set upper = range('A', 'Z');
    const byte_set lower = range('a', 'z');
    const byte_set graph = range(0x21, 0x7E);
    if (name == "alpha") {
        return upper | lower;
    }
    if (name == "digit") {
        return digit;
    }
    if (name == "alnum") {
        return digit | upper | lower;
    }
    if (name == "upper") {
        return upper;
    }
    if (name == "lower") {
        return lower;
    }
    if (name == "space") {
        return space_set();
    }
    if (name == "blank") {
        return single(' ') | single('\t');
    }
    if (name == "punct") {
        return graph & ~(digit | upper | lower);
    }
    if (name == "print") {
        return range(0x20, 0x7E);
    }
    if (name == "graph") {
        return graph;
    }
    if (name == "cntrl") {
        return range(0x00, 0x1F) | single(0x7F);
    }
    if (name == "xdigit") {
        return digit | range('A', 'F') | range('a', 'f');
    }
    return std::nullopt;
}

// `s` with both cases of every ASCII letter it holds.
byte_set case_folded(byte_set s) {
    for (unsigned c = 'A'; c <= 'Z'; ++c) {
        if (s[c] || s[c + 32]) {
            s.set(c);
            s.set(c + 32);
        }
    }
    return s;
}

// ---- the tree ---------------------------------------------------------------------

struct node {
    enum class kind : unsigned char {
        chars,             // one byte of `set`
        bol,               // ^ \`
        eol,               // $ \'
        word_boundary,     // \b
        not_word_boundary, // \B
        word_start,        // \< (rewritten into \b before printing)
        word_end,          // \> (idem)
        empty,             // matches the empty string
        dead,              // matches nothing
        concat,
        alt,
        repeat, // kids[0] min..max times
    };
    kind what = kind::empty;
    byte_set set;
    std::vector<node> kids;
    int min = 0;
    int max = 0;
    std::size_t pos = 0; // where it starts in the pattern

    static node of(kind k, std::size_t at) {
        node n;
        n.what = k;
        n.pos = at;
        return n;
    }
    static node of_chars(byte_set s, std::size_t at) {
        node n = of(kind::chars, at);
        n.set = s;
        return n;
    }
    static node of_kids(kind k, std::vector<node> kids, std::size_t at) {
        node n = of(k, at);
        n.kids = std::move(kids);
        return n;
    }
    static node of_repeat(node kid, int lo, int hi, std::size_t at) {
        node n = of(kind::repeat, at);
        n.kids.push_back(std::move(kid));
        n.min = lo;
        n.max = hi;
        return n;
    }
};
using kind = node::kind;

bool is_assertion(kind k) noexcept {
    return k == kind::bol || k == kind::eol || k == kind::word_boundary || k == kind::not_word_boundary ||
           k == kind::word_start || k == kind::word_end;
}

// Matches only the empty string (in some contexts): assertions, empty.
bool zero_width(const node& n) {
    switch (n.what) {
    case kind::chars:
    case kind::dead:
        return false;
    case kind::concat:
    case kind::alt:
    case kind::repeat:
        return std::all_of(n.kids.begin(), n.kids.end(), zero_width);
    default:
        return true;
    }
}

// Can match the empty string, assertions taken as true.
bool nullable(const node& n) {
    switch (n.what) {
    case kind::chars:
    case kind::dead:
        return false;
    case kind::concat:
        return std::all_of(n.kids.begin(), n.kids.end(), nullable);
    case kind::alt:
        return std::any_of(n.kids.begin(), n.kids.end(), nullable);
    case kind::repeat:
        return n.min == 0 || nullable(n.kids[0]);
    default:
        return true;
    }
}

// Matches the empty string wherever it is tried: every line matches.
bool matches_empty_anywhere(const node& n) {
    switch (n.what) {
    case kind::empty:
        return true;
    case kind::concat:
        return std::all_of(n.kids.begin(), n.kids.end(), matches_empty_anywhere);
    case kind::alt:
        return std::any_of(n.kids.begin(), n.kids.end(), matches_empty_anywhere);
    case kind::repeat:
        return n.min == 0 || matches_empty_anywhere(n.kids[0]);
    default:
        return false;
    }
}

// The bytes a non-empty match can start with (`first`) or end with (`!first`).
byte_set edge(const node& n, bool first) {
    switch (n.what) {
    case kind::chars:
        return n.set;
    case kind::alt: {
        byte_set s;
        for (const node& k : n.kids) {
            s |= edge(k, first);
        }
        return s;
    }
    case kind::repeat:
        return n.max == 0 ? byte_set{} : edge(n.kids[0], first);
    case kind::concat: {
        byte_set s;
        const std::size_t size = n.kids.size();
        for (std::size_t i = 0; i < size; ++i) {
            const node& k = n.kids[first ? i : size - 1 - i];
            s |= edge(k, first);
            if (!nullable(k)) {
                break;
            }
        }
        return s;
    }
    default:
        return {};
    }
}

// ---- lexing -------------------------------------------------------------------------

enum class tok : unsigned char { atom, lparen, rparen, bar, repeat, end };

struct token {
    tok what = tok::end;
    std::size_t pos = 0;
    node atom;   // tok::atom
    int min = 0; // tok::repeat
    int max = 0;
    bool interval = false; // a tok::repeat written {m,n}
};

class lexer {
public:
    lexer(std::string_view whole, std::size_t from, std::size_t to, bool ignore_case) noexcept
        : whole_(whole),
          i_(from),
          end_(to),
          ignore_case_(ignore_case) {}

    std::vector<token> run() {
        std::vector<token> out;
        int open = 0;
        while (i_ < end_) {
            const std::size_t at = i_;
            const auto c = static_cast<unsigned char>(whole_[i_++]);
            token t;
            switch (c) {
            case '\\':
                t = escape(at);
                break;
            case '[':
                t = atom(node::of_chars(bracket(at), at));
                break;
            case '(':
                ++open;
                t = plain(tok::lparen, at);
                break;
            case ')':
                if (open == 0) {
                    t = chars(single(c), at); // GNU: an unmatched ')' is itself
                } else {
                    --open;
                    t = plain(tok::rparen, at);
                }
                break;
            case '|':
                t = plain(tok::bar, at);
                break;
            case '*':
                t = {tok::repeat, at, {}, 0, unbounded};
                break;
            case '+':
                t = {tok::repeat, at, {}, 1, unbounded};
                break;
            case '?':
                t = {tok::repeat, at, {}, 0, 1};
                break;
            case '{':
                t = interval(at);
                break;
            case '^':
                t = atom(node::of(kind::bol, at));
                break;
            case '$':
                t = atom(node::of(kind::eol, at));
                break;
            case '.':
                t = atom(node::of_chars(~single('\n'), at));
                break;
            default:
                t = chars(single(c), at);
            }
            as_glibc_reads(t, c == '{');
            out.push_back(std::move(t));
        }
        if (glibc_matches_ && (leading_brace_ || icase_range_)) {
            fail("this '[=' or '[.' with " +
                     std::string(leading_brace_ ? "a '{' that starts an alternative" : "a range under -i"),
                 leading_brace_ ? *leading_brace_ : *icase_range_,
                 "a bracket with [=a=] or [.a.] makes GNU grep match with glibc's regex, which reads that "
                 "differently; write the character itself for [=a=] or [.a.]");
        }
        out.push_back(plain(tok::end, end_));
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& reason, std::size_t at, const std::string& hint = {}) const {
        throw regex_error(reason, at, hint);
    }

    static token plain(tok what, std::size_t at) {
        token t;
        t.what = what;
        t.pos = at;
        return t;
    }
    static token atom(node n) {
        token t;
        t.what = tok::atom;
        t.pos = n.pos;
        t.atom = std::move(n);
        return t;
    }
    token chars(byte_set s, std::size_t at) const {
        return atom(node::of_chars(ignore_case_ ? case_folded(s) : s, at));
    }

    token escape(std::size_t at) {
        if (i_ == end_) {
            fail("trailing backslash", at);
        }
        const auto c = static_cast<unsigned char>(whole_[i_++]);
        switch (c) {
        case 'w':
            return chars(word_set(), at);
        case 'W':
            return chars(~word_set(), at);
        case 's':
            return chars(space_set(), at);
        case 'S':
            return chars(~space_set(), at);
        case 'b':
            return atom(node::of(kind::word_boundary, at));
        case 'B':
            return atom(node::of(kind::not_word_boundary, at));
        case '<':
            return atom(node::of(kind::word_start, at));
        case '>':
            return atom(node::of(kind::word_end, at));
        case '`':
            return atom(node::of(kind::bol, at)); // GNU: the start of the line
        case '\'':
            return atom(node::of(kind::eol, at));
        default:
            break;
        }
        if (is_digit(c) && c != '0') {
            fail("back-references (\\" + std::string(1, static_cast<char>(c)) + ") are not supported", at,
                 "coropipe matches in time linear in the line (RE2, Hyperscan), which rules them out");
        }
        if (is_alnum(c)) {
            stray(c, at);
        }
        return chars(single(c), at); // \. \* \[ \{ \| \/ \- ...: the byte itself, as in GNU grep
    }

    // A backslash before a letter or digit that GNU grep reads as the
    // letter itself (it warns "stray \"): rejected, as it most likely means
    // what it does in Perl or RE2.
    [[noreturn]] void stray(unsigned char c, std::size_t at) const {
        const std::string escape = std::string("'\\") + static_cast<char>(c) + "'";
        std::string hint;
        switch (c) {
        case 'd':
            hint = "for a digit write [0-9]";
            break;
        case 'D':
            hint = "for a non-digit write [^0-9]";
            break;
        case 't':
            hint = "for a tab write the tab itself (\"\\t\" in double quotes)";
            break;
        case 'n':
            hint = "a line holds no newline; a newline in the pattern separates alternatives";
            break;
        case 'x':
            hint = "write the byte itself";
            break;
        case 'A':
            hint = "for the start of the line write ^";
            break;
        case 'z':
        case 'Z':
            hint = "for the end of the line write $";
            break;
        default:
            hint = std::string("for the letter write ") + static_cast<char>(c);
        }
        fail(escape + " is not ERE (GNU grep -E would read it as '" + std::string(1, static_cast<char>(c)) + "')", at,
             hint);
    }

    // After '{' at `at`: a repeat if an interval follows, else the byte '{'.
    token interval(std::size_t at) {
        if (!glibc_start_ && glibc_rejects_interval(i_)) {
            fail("invalid content of {}", at, "GNU grep rejects this interval; write \\{ for a '{'");
        }
        std::size_t j = i_;
        int lo = -1;
        int hi = -1;
        auto number = [&](int& value) {
            for (; j < end_ && is_digit(static_cast<unsigned char>(whole_[j])); ++j) {
                const int d = whole_[j] - '0';
                value = value < 0 ? d : std::min(gnu_dup_max + 1, value * 10 + d);
            }
        };
        number(lo);
        if (j < end_) {
            if (whole_[j] != ',') {
                hi = lo;
            } else {
                lo = std::max(lo, 0);
                ++j;
                number(hi);
            }
        }
        if (j == end_ || whole_[j] != '}' || lo < 0 || (hi >= 0 && lo > hi)) {
            return chars(single('{'), at); // dfa.c: a '{' that starts no interval is itself
        }
        i_ = j + 1;
        if (lo > gnu_dup_max || hi > gnu_dup_max) {
            fail("regular expression too big (a count over " + std::to_string(gnu_dup_max) + ")", at);
        }
        if (lo > engine_dup_max || hi > engine_dup_max) {
            fail("repeat count over " + std::to_string(engine_dup_max), at,
                 "GNU grep takes up to " + std::to_string(gnu_dup_max) + ", coropipe's regex engine (RE2) up to " +
                     std::to_string(engine_dup_max));
        }
        return {tok::repeat, at, {}, lo, hi, true};
    }

    // From after '[' at `at` to its closing ']': the set, case-folded then
    // complemented for [^...].
    byte_set bracket(std::size_t at) {
        bool negate = false;
        if (i_ < end_ && whole_[i_] == '^') {
            negate = true;
            ++i_;
        }
        const std::size_t content = i_;
        bool plain = true; // no class, range or [. .] [= =]: for the [:alpha:] mistake
        byte_set s;
        for (bool first = true;; first = false) {
            if (i_ == end_) {
                fail("unmatched '['", at);
            }
            const std::size_t elem = i_;
            const auto c = static_cast<unsigned char>(whole_[i_]);
            if (c == ']' && !first) {
                ++i_;
                break;
            }
            std::optional<unsigned char> lo;
            if (c == '[' && i_ + 1 < end_ &&
                (whole_[i_ + 1] == ':' || whole_[i_ + 1] == '.' || whole_[i_ + 1] == '=')) {
                plain = false;
                const char type = whole_[i_ + 1];
                glibc_matches_ = glibc_matches_ || type != ':';
                const std::string_view name = delimited(at, type);
                if (type == ':') {
                    const std::optional<byte_set> cls = class_set(name);
                    if (!cls) {
                        fail("invalid character class name '[:" + std::string(name) + ":]'", elem,
                             "the classes are alpha digit alnum upper lower space blank punct print graph cntrl "
                             "xdigit");
                    }
                    s |= *cls;
                    no_range_after(elem);
                    continue;
                }
                if (name.size() != 1) {
                    fail("invalid collation character '" + std::string(name) + "'", elem,
                         "in the C locale a collating element is one byte");
                }
                if (type == '=') {
                    s.set(static_cast<unsigned char>(name[0]));
                    no_range_after(elem);
                    continue;
                }
                lo = static_cast<unsigned char>(name[0]);
            } else {
                lo = c;
                ++i_;
            }
            if (i_ + 1 < end_ && whole_[i_] == '-' && whole_[i_ + 1] != ']') {
                plain = false;
                if (ignore_case_ && !icase_range_) {
                    icase_range_ = elem;
                }
                ++i_;
                unsigned char hi = 0;
                if (whole_[i_] == '[' && i_ + 1 < end_ && whole_[i_ + 1] == '.') {
                    glibc_matches_ = true;
                    const std::string_view name = delimited(at, '.');
                    if (name.size() != 1) {
                        fail("invalid collation character '" + std::string(name) + "'", elem);
                    }
                    hi = static_cast<unsigned char>(name[0]);
                } else if (whole_[i_] == '[' && i_ + 1 < end_ && (whole_[i_ + 1] == ':' || whole_[i_ + 1] == '=')) {
                    fail("invalid range end", elem, "a range ends at a character");
                } else {
                    hi = static_cast<unsigned char>(whole_[i_++]);
                }
                if (hi < *lo) {
                    fail("invalid range end", elem, "the range is empty: its end is below its start");
                }
                if (ignore_case_ && ascii_upper(hi) < ascii_upper(*lo)) {
                    fail("invalid range end", elem, "with -i, GNU grep compares a range's ends in upper case");
                }
                s |= range(*lo, hi);
                no_range_after(elem);
            } else {
                s.set(*lo);
            }
        }
        const std::string_view inside = whole_.substr(content, i_ - 1 - content);
        if (plain && inside.size() >= 2 && inside.front() == ':' && inside.back() == ':' &&
            inside.find_first_not_of(':') != std::string_view::npos) {
            fail("character class syntax is [[:space:]], not [:space:]", at);
        }
        if (ignore_case_) {
            s = case_folded(s);
        }
        return negate ? ~s : s;
    }

    // At "[:" "[." or "[=" (i_): the name up to ":]" ".]" or "=]", i_ past it.
    std::string_view delimited(std::size_t bracket_at, char type) {
        const char close[] = {type, ']'};
        const std::size_t stop = whole_.substr(0, end_).find(std::string_view(close, 2), i_ + 2);
        if (stop == std::string_view::npos) {
            fail("unmatched '['", bracket_at);
        }
        const std::string_view name = whole_.substr(i_ + 2, stop - (i_ + 2));
        i_ = stop + 2;
        return name;
    }

    // After a class or a range, '-' can only be the last byte: [a-c-e] is an error in GNU grep.
    void no_range_after(std::size_t elem) const {
        if (i_ + 1 < end_ && whole_[i_] == '-' && whole_[i_ + 1] != ']') {
            fail("invalid range end", elem, "write '-' first or last for a literal '-'");
        }
    }

    // GNU grep also compiles the pattern with glibc's regex (regcomp.c),
    // which must accept it too, and which reads a repeat operator (or a
    // '{') where no expression has started yet (at the start, after '(',
    // '|' or an anchor) by skipping it. Tracks that state after token `t`.
    void as_glibc_reads(const token& t, bool brace) {
        const bool op = t.what == tok::repeat || brace;
        if (t.what == tok::rparen && skipped_) {
            fail("a repeat operator with nothing before it, before ')'", skipped_at_,
                 "GNU grep reads that ')' as a character, and the '(' as unmatched");
        }
        if (op && glibc_start_) {
            if (!skipped_) {
                skipped_at_ = t.pos;
            }
            skipped_ = true;
            if (brace && t.what == tok::atom) {
                leading_brace_ = t.pos;
            }
            return; // glibc skips it: an expression has still not started
        }
        skipped_ = false;
        glibc_start_ =
            t.what == tok::lparen || t.what == tok::bar || (t.what == tok::atom && is_assertion(t.atom.what));
    }

    // Whether glibc rejects the interval after the '{' at j - 1, which
    // follows an expression (regcomp.c's parse_dup_op and fetch_number):
    // `{}`, a second ',', the minimum over the maximum. What it cannot read
    // as an interval is a literal '{'.
    bool glibc_rejects_interval(std::size_t j) const {
        // Reads a count up to '}', ',' (returned) or the end (0). -1: no digits; -2: not a number.
        auto fetch = [&](int& num) -> char {
            num = -1;
            while (j < end_) {
                auto c = static_cast<unsigned char>(whole_[j]);
                const bool escaped = c == '\\' && j + 1 < end_;
                if (escaped) {
                    c = static_cast<unsigned char>(whole_[j + 1]);
                }
                j += escaped ? 2 : 1;
                if ((c == '}' && !escaped) || c == ',') {
                    return static_cast<char>(c);
                }
                num = escaped || !is_digit(c) || num == -2 ? -2
                      : num == -1                          ? c - '0'
                                                           : std::min(gnu_dup_max + 1, num * 10 + (c - '0'));
            }
            num = -2;
            return 0;
        };
        int lo = 0;
        char stop = fetch(lo);
        if (lo == -1) {
            if (stop != ',') {
                return stop == '}'; // {} is invalid
            }
            lo = 0;
        }
        int hi = lo;
        if (lo != -2 && stop == ',') {
            stop = fetch(hi);
        }
        if (lo == -2 || hi == -2) {
            return false; // not an interval: a '{'
        }
        return (hi != -1 && lo > hi) || stop != '}'; // (a count over RE_DUP_MAX: interval() says so)
    }

    std::string_view whole_;
    std::size_t i_;
    std::size_t end_;
    bool ignore_case_;
    // As glibc reads the pattern (see as_glibc_reads).
    bool glibc_start_ = true;
    bool skipped_ = false;
    std::size_t skipped_at_ = 0;
    std::optional<std::size_t> leading_brace_; // a '{' glibc skips and dfa.c reads as itself
    std::optional<std::size_t> icase_range_;   // a range under -i: glibc compares its ends in upper case
    bool glibc_matches_ = false;               // a bracket holds [=a=] or [.a.]
};

// ---- parsing ------------------------------------------------------------------------

class parser {
public:
    explicit parser(std::vector<token> tokens) noexcept : tokens_(std::move(tokens)) {}

    node run() {
        node n = regexp();
        // The lexer makes a ')' with no '(' open a literal, so only the end is left.
        return n;
    }

private:
    [[noreturn]] void fail(const std::string& reason, std::size_t at, const std::string& hint = {}) const {
        throw regex_error(reason, at, hint);
    }
    const token& peek() const noexcept { return tokens_[i_]; }

    node regexp() {
        const std::size_t at = peek().pos;
        std::vector<node> branches;
        branches.push_back(branch());
        while (peek().what == tok::bar) {
            ++i_;
            branches.push_back(branch());
        }
        return branches.size() == 1 ? std::move(branches[0]) : node::of_kids(kind::alt, std::move(branches), at);
    }

    node branch() {
        const std::size_t at = peek().pos;
        std::vector<node> parts;
        parts.push_back(closure());
        while (peek().what != tok::rparen && peek().what != tok::bar && peek().what != tok::end) {
            parts.push_back(closure());
        }
        return parts.size() == 1 ? std::move(parts[0]) : node::of_kids(kind::concat, std::move(parts), at);
    }

    node closure() {
        const token& first = peek();
        const bool nothing = first.what != tok::atom && first.what != tok::lparen;
        const bool anchor = first.what == tok::atom && is_assertion(first.atom.what);
        node n = atom();
        int chained = 0;
        while (peek().what == tok::repeat) {
            const token& t = peek();
            if (depth_ + ++chained > max_nesting) {
                fail("groups and repeats nested too deeply (over " + std::to_string(max_nesting) + ")", t.pos);
            }
            // GNU grep parses a pattern twice (dfa.c to match, glibc's regex
            // to check it, and to match when a bracket holds [=a=] or [.a.]),
            // and the two read these differently: refused, not guessed.
            if (anchor) {
                fail("a repeat operator after an anchor", t.pos,
                     "it repeats an empty match, which GNU grep's two parsers read differently; remove it, or write "
                     "\\* for a '*'");
            }
            if (nothing && t.interval) {
                fail("an interval with nothing before it", t.pos,
                     "GNU grep reads it as a repeat of nothing or as text, depending on the rest; write \\{ for a "
                     "'{'");
            }
            n = repeated(std::move(n), t.min, t.max, t.pos);
            ++i_;
        }
        return n;
    }

    node atom() {
        const token& t = peek();
        if (t.what == tok::atom) {
            ++i_;
            return t.atom;
        }
        if (t.what == tok::lparen) {
            const std::size_t open = t.pos;
            if (++depth_ > max_nesting) {
                fail("groups and repeats nested too deeply (over " + std::to_string(max_nesting) + ")", open);
            }
            ++i_;
            node n = regexp();
            if (peek().what != tok::rparen) {
                fail("unmatched '('", open);
            }
            ++i_;
            --depth_;
            return n;
        }
        return node::of(kind::empty, t.pos); // GNU: a repeat with nothing before it repeats the empty string
    }

    // `n` repeated lo..hi times, folding a repeat of a repeat where that is exact.
    static node repeated(node n, int lo, int hi, std::size_t at) {
        if (n.what == kind::repeat && hi != 0) {
            const int in_lo = n.min;
            const int in_hi = n.max;
            if (in_hi == unbounded && (lo >= 1 || in_lo <= 1) && in_lo * std::max(lo, 1) <= engine_dup_max) {
                // (x{a,}){b,c}: at least a*b x (a*b+1, ... reachable by growing one copy).
                n.min = in_lo * lo;
                return n;
            }
            if (in_lo == 0 && in_hi == 1) {
                // (x?){b,c} is x{0,c}.
                n.min = 0;
                n.max = hi;
                return n;
            }
        }
        return node::of_repeat(std::move(n), lo, hi, at);
    }

    std::vector<token> tokens_;
    std::size_t i_ = 0;
    int depth_ = 0;
};

// ---- rewriting ----------------------------------------------------------------------

void simplify(node& n);

bool is_byte(const node& n) { return n.what == kind::chars && n.set.count() == 1; }

// The alternatives `kids`, those that start with the same bytes merged into
// one: ab|ac|d is a(?:b|c)|d. RE2 (Debian's 2022-06-01) does this itself,
// and gets it wrong in Latin-1 mode when the common part holds a byte from
// 0x80 on (\xe9b|\xe9c matches nothing); done here, RE2 finds nothing left
// to merge.
std::vector<node> factored(std::vector<node> kids) {
    std::vector<std::vector<node>> parts; // each alternative as a sequence
    for (node& k : kids) {
        parts.push_back(k.what == kind::concat ? std::move(k.kids) : std::vector<node>{std::move(k)});
    }
    std::vector<node> out;
    std::vector<bool> done(parts.size(), false);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (done[i]) {
            continue;
        }
        std::vector<std::size_t> group{i};
        for (std::size_t j = i + 1; j < parts.size() && is_byte(parts[i][0]); ++j) {
            if (!done[j] && is_byte(parts[j][0]) && parts[j][0].set == parts[i][0].set) {
                group.push_back(j);
            }
        }
        const std::size_t at = parts[i][0].pos;
        if (group.size() == 1) {
            out.push_back(parts[i].size() == 1 ? std::move(parts[i][0])
                                               : node::of_kids(kind::concat, std::move(parts[i]), at));
            continue;
        }
        // The bytes they all start with, then the alternatives of the rests.
        std::size_t common = 1;
        for (;; ++common) {
            const auto same = [&](std::size_t g) {
                return common < parts[g].size() && is_byte(parts[g][common]) &&
                       parts[g][common].set == parts[i][common].set;
            };
            if (!std::all_of(group.begin(), group.end(), same)) {
                break;
            }
        }
        std::vector<node> rests;
        for (const std::size_t g : group) {
            done[g] = true;
            std::vector<node> rest(std::make_move_iterator(parts[g].begin() + static_cast<std::ptrdiff_t>(common)),
                                   std::make_move_iterator(parts[g].end()));
            rests.push_back(node::of_kids(kind::concat, std::move(rest), at));
        }
        std::vector<node> prefix(std::make_move_iterator(parts[i].begin()),
                                 std::make_move_iterator(parts[i].begin() + static_cast<std::ptrdiff_t>(common)));
        prefix.push_back(node::of_kids(kind::alt, std::move(rests), at));
        node merged = node::of_kids(kind::concat, std::move(prefix), at);
        simplify(merged);
        out.push_back(std::move(merged));
    }
    return out;
}

// Flattens, drops what cannot match and the empty parts, removes '\n' from
// every set (no line holds one), and settles repeats of zero-width parts.
void simplify(node& n) {
    switch (n.what) {
    case kind::chars:
        n.set.reset('\n');
        if (n.set.none()) {
            n.what = kind::dead;
        }
        return;
    case kind::concat: {
        std::vector<node> kids;
        for (node& k : n.kids) {
            simplify(k);
            if (k.what == kind::dead) {
                n = node::of(kind::dead, n.pos);
                return;
            }
            if (k.what == kind::concat) {
                std::move(k.kids.begin(), k.kids.end(), std::back_inserter(kids));
            } else if (k.what != kind::empty) {
                kids.push_back(std::move(k));
            }
        }
        if (kids.empty()) {
            n = node::of(kind::empty, n.pos);
        } else if (kids.size() == 1) {
            n = std::move(kids[0]);
        } else {
            n.kids = std::move(kids);
        }
        return;
    }
    case kind::alt: {
        std::vector<node> kids;
        bool has_empty = false;
        for (node& k : n.kids) {
            simplify(k);
            if (k.what == kind::alt) {
                for (node& kk : k.kids) {
                    kids.push_back(std::move(kk));
                }
            } else if (k.what == kind::empty) {
                has_empty = true;
            } else if (k.what != kind::dead) {
                kids.push_back(std::move(k));
            }
        }
        const std::size_t at = n.pos;
        if (kids.empty()) {
            n = node::of(has_empty ? kind::empty : kind::dead, at);
            return;
        }
        kids = factored(std::move(kids));
        n = kids.size() == 1 ? std::move(kids[0]) : node::of_kids(kind::alt, std::move(kids), at);
        if (has_empty) {
            n = node::of_repeat(std::move(n), 0, 1, at); // a|b| is (a|b)?
            simplify(n);
        }
        return;
    }
    case kind::repeat: {
        simplify(n.kids[0]);
        node& k = n.kids[0];
        if (n.max == 0 || (k.what == kind::dead && n.min == 0) || (zero_width(k) && n.min == 0)) {
            n = node::of(kind::empty, n.pos);
        } else if (k.what == kind::dead || zero_width(k) || (n.min == 1 && n.max == 1)) {
            node kid = std::move(k);
            n = std::move(kid);
        }
        return;
    }
    default:
        return;
    }
}

// `\<` and `\>` as `\b`, where that is exact. `\<` holds where the previous
// byte is not a word byte and the next one is; `\b` where exactly one of
// them is. So `\<X` is `\bX` when every match of X starts with a word byte,
// and `\<C` is `\b[C and word]` for one byte set C. A `\<` that ends a
// top-level branch may consume the word byte (`\b\w`): nothing follows it
// in the match. The same holds for `\>` mirrored. Any other `\<` or `\>` is
// an error: RE2 and Hyperscan have no lookaround to say it.
class word_edges {
public:
    void rewrite(node& n, bool top) {
        switch (n.what) {
        case kind::word_start:
        case kind::word_end: {
            node c = node::of(kind::concat, n.pos);
            c.kids.push_back(std::move(n));
            n = std::move(c);
            rewrite_concat(n, top);
            return;
        }
        case kind::concat:
            rewrite_concat(n, top);
            return;
        case kind::alt:
            for (node& k : n.kids) {
                rewrite(k, top);
            }
            return;
        case kind::repeat:
            rewrite(n.kids[0], false);
            return;
        default:
            return;
        }
    }

private:
    [[noreturn]] void cannot(std::size_t at, bool start) const {
        throw regex_error(std::string("coropipe cannot express this ") + (start ? "\\<" : "\\>") + " exactly", at,
                          start ? "what follows \\< must start with a word byte in every match, or be one bracket "
                                  "expression or character (maybe repeated); or write \\b"
                                : "what precedes \\> must end with a word byte in every match, or be one bracket "
                                  "expression or character (maybe repeated); or write \\b");
    }

    void rewrite_concat(node& n, bool top) {
        std::vector<node>& kids = n.kids;
        for (node& k : kids) {
            if (k.what != kind::word_start && k.what != kind::word_end) {
                rewrite(k, false);
            }
        }
        for (std::size_t i = 0; i < kids.size(); ++i) {
            if (kids[i].what == kind::word_start) {
                i = word_start(kids, i, top);
            } else if (kids[i].what == kind::word_end) {
                i = word_end(kids, i, top);
            }
        }
    }

    // The \< at kids[i]; returns the index of the last node it became.
    std::size_t word_start(std::vector<node>& kids, std::size_t i, bool top) const {
        const std::size_t at = kids[i].pos;
        const byte_set word = word_set();
        const node after = node::of_kids(kind::concat, std::vector<node>(kids.begin() + offset(i + 1), kids.end()), at);
        if (after.kids.empty() && top) {
            kids[i] = node::of(kind::word_boundary, at);
            kids.push_back(node::of_chars(word, at));
            return i + 1;
        }
        if (!nullable(after)) {
            const byte_set first = edge(after, true);
            if ((first & ~word).none() || (first & word).none()) {
                kids[i] = node::of((first & word).none() ? kind::dead : kind::word_boundary, at);
                return i;
            }
        }
        if (i + 1 < kids.size() && narrow(kids[i + 1], word, true)) {
            kids[i] = node::of(kind::word_boundary, at);
            return i;
        }
        cannot(at, true);
    }

    // The \> at kids[i], mirrored.
    std::size_t word_end(std::vector<node>& kids, std::size_t i, bool top) const {
        const std::size_t at = kids[i].pos;
        const byte_set word = word_set();
        const node before = node::of_kids(kind::concat, std::vector<node>(kids.begin(), kids.begin() + offset(i)), at);
        if (before.kids.empty() && top) {
            kids[i] = node::of(kind::word_boundary, at);
            kids.insert(kids.begin(), node::of_chars(word, at));
            return i + 1;
        }
        if (!nullable(before)) {
            const byte_set last = edge(before, false);
            if ((last & ~word).none() || (last & word).none()) {
                kids[i] = node::of((last & word).none() ? kind::dead : kind::word_boundary, at);
                return i;
            }
        }
        if (i > 0 && narrow(kids[i - 1], word, false)) {
            kids[i] = node::of(kind::word_boundary, at);
            return i;
        }
        cannot(at, false);
    }

    static std::ptrdiff_t offset(std::size_t i) noexcept { return static_cast<std::ptrdiff_t>(i); }

    // Makes the first (or last) byte of `n` a byte of `word`, if `n` is a
    // byte set, or a byte set repeated at least once.
    static bool narrow(node& n, const byte_set& word, bool first) {
        if (n.what == kind::chars) {
            n.set &= word;
            return true;
        }
        if (n.what == kind::repeat && n.min >= 1 && n.kids[0].what == kind::chars) {
            // C{m,M} is (C and word) C{m-1,M-1} (or mirrored).
            const std::size_t at = n.pos;
            node one = node::of_chars(n.kids[0].set & word, at);
            node more = node::of_repeat(n.kids[0], n.min - 1, n.max == unbounded ? unbounded : n.max - 1, at);
            std::vector<node> parts;
            if (first) {
                parts.push_back(std::move(one));
                parts.push_back(std::move(more));
            } else {
                parts.push_back(std::move(more));
                parts.push_back(std::move(one));
            }
            n = node::of_kids(kind::concat, std::move(parts), at);
            return true;
        }
        return false;
    }
};

// ---- printing -----------------------------------------------------------------------

void print_byte(std::string& out, unsigned c) {
    if (c < 0x80 && is_alnum(static_cast<unsigned char>(c))) {
        out += static_cast<char>(c);
        return;
    }
    constexpr char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 0xF];
}

void print_set(std::string& out, const byte_set& s) {
    if (s.count() == 1) {
        for (unsigned c = 0; c < 256; ++c) {
            if (s[c]) {
                print_byte(out, c);
            }
        }
        return;
    }
    out += '[';
    for (unsigned c = 0; c < 256;) {
        if (!s[c]) {
            ++c;
            continue;
        }
        unsigned hi = c;
        while (hi + 1 < 256 && s[hi + 1]) {
            ++hi;
        }
        print_byte(out, c);
        if (hi > c) {
            if (hi > c + 1) {
                out += '-';
            }
            print_byte(out, hi);
        }
        c = hi + 1;
    }
    out += ']';
}

void print(std::string& out, const node& n) {
    switch (n.what) {
    case kind::chars:
        print_set(out, n.set);
        return;
    case kind::bol:
        out += '^';
        return;
    case kind::eol:
        out += '$';
        return;
    case kind::word_boundary:
        out += "\\b";
        return;
    case kind::not_word_boundary:
        out += "\\B";
        return;
    case kind::concat:
        for (const node& k : n.kids) {
            if (k.what == kind::alt) {
                out += "(?:";
                print(out, k);
                out += ')';
            } else {
                print(out, k);
            }
        }
        return;
    case kind::alt:
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
            out += i == 0 ? "" : "|";
            print(out, n.kids[i]);
        }
        return;
    case kind::repeat: {
        const node& k = n.kids[0];
        if (k.what == kind::chars) {
            print(out, k);
        } else {
            out += "(?:";
            print(out, k);
            out += ')';
        }
        if (n.min == 0 && n.max == unbounded) {
            out += '*';
        } else if (n.min == 1 && n.max == unbounded) {
            out += '+';
        } else if (n.min == 0 && n.max == 1) {
            out += '?';
        } else {
            out += '{' + std::to_string(n.min);
            if (n.max != n.min) {
                out += ',';
                out += n.max == unbounded ? "" : std::to_string(n.max);
            }
            out += '}';
        }
        return;
    }
    default:
        // empty, dead: only at the top, where the shape says it all.
        out += "(?:)";
        return;
    }
}

// The byte a set stands for in a literal: one byte, or with ignore_case a
// letter in both cases (then in lower case).
std::optional<char> literal_byte(const node& n, bool ignore_case) {
    if (n.what != kind::chars) {
        return std::nullopt;
    }
    for (unsigned c = 0; c < 256; ++c) {
        if (n.set[c]) {
            if (n.set.count() == 1) {
                return static_cast<char>(c);
            }
            if (ignore_case && n.set.count() == 2 && is_upper(static_cast<unsigned char>(c)) && n.set[c + 32]) {
                return static_cast<char>(c + 32);
            }
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// Sets t.what to literal or prefix if `root` is one.
void find_literal(const node& root, bool ignore_case, ere_translation& t) {
    const std::vector<node> one{root};
    const std::vector<node>& parts = root.what == kind::concat ? root.kids : one;
    std::size_t from = 0;
    const bool anchored = !ignore_case && parts.front().what == kind::bol;
    if (anchored) {
        from = 1;
    }
    if (from == parts.size()) {
        return;
    }
    std::string text;
    for (std::size_t i = from; i < parts.size(); ++i) {
        const std::optional<char> c = literal_byte(parts[i], ignore_case);
        if (!c) {
            return;
        }
        text += *c;
    }
    t.what = anchored ? ere_translation::shape::prefix : ere_translation::shape::literal;
    t.text = std::move(text);
}

} // namespace

ere_translation translate_ere(std::string_view pattern, bool ignore_case) {
    // grep's PATTERNS: one pattern per line, any of them.
    std::vector<node> patterns;
    std::size_t from = 0;
    for (;;) {
        const std::size_t nl = pattern.find('\n', from);
        const std::size_t to = nl == std::string_view::npos ? pattern.size() : nl;
        patterns.push_back(parser(lexer(pattern, from, to, ignore_case).run()).run());
        if (nl == std::string_view::npos) {
            break;
        }
        from = nl + 1;
    }
    node root = patterns.size() == 1 ? std::move(patterns[0]) : node::of_kids(kind::alt, std::move(patterns), 0);
    simplify(root);
    word_edges().rewrite(root, true);
    simplify(root);

    ere_translation t;
    if (matches_empty_anywhere(root)) {
        t.what = ere_translation::shape::always;
        print(t.engine_pattern, root); // for what replaces matches (redact)
        t.can_match_empty = true;
        return t;
    }
    if (root.what == kind::dead) {
        t.what = ere_translation::shape::never;
        return t;
    }
    print(t.engine_pattern, root);
    t.can_match_empty = nullable(root);
    find_literal(root, ignore_case, t);
    return t;
}

} // namespace coropipe::detail
