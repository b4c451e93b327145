#include <coropipe/pipeline_text.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

using namespace std::literals;
using coropipe::format_error;
using coropipe::parse_pipeline;
using coropipe::pipeline_text_error;
using coropipe::stage_spec;
using strings = std::vector<std::string>;

namespace {

// The one stage `text` parses to.
stage_spec only_stage(std::string_view text) {
    std::vector<stage_spec> stages = parse_pipeline(text);
    REQUIRE(stages.size() == 1);
    return stages[0];
}

// The operands of the one stage `text` parses to.
strings operands(std::string_view text) {
    return only_stage(text).operands;
}

// The error parsing `text` throws; fails the test if it throws none.
pipeline_text_error error_of(std::string_view text) {
    try {
        parse_pipeline(text);
    } catch (const pipeline_text_error& e) {
        return e;
    }
    FAIL("no error for: " << text);
    return pipeline_text_error("", 0);
}

// The second line of format_error's output, without its '\n'.
std::string caret_line(std::string_view text) {
    std::string shown = format_error(text, error_of(text));
    std::size_t nl = shown.find('\n');
    REQUIRE(nl != std::string::npos);
    REQUIRE(shown.back() == '\n');
    return shown.substr(nl + 1, shown.size() - nl - 2);
}

} // namespace

// ---- valid forms -------------------------------------------------------------

TEST_CASE("every stage parses in each of its valid forms", "[pipeline_text][parse]") {
    auto [text, name, flags, final_only, args] = GENERATE(table<std::string, std::string, std::string, bool, strings>({
        {"grep ERROR", "grep", "", false, {"ERROR"}},
        {"grep -v DEBUG", "grep", "v", false, {"DEBUG"}},
        {"grep -i error", "grep", "i", false, {"error"}},
        {"grep -F a.b", "grep", "F", false, {"a.b"}},
        {"grep -E 'a.*b'", "grep", "E", false, {"a.*b"}},
        {"grep -v -i -E x", "grep", "viE", false, {"x"}},
        {"grep -vi x", "grep", "vi", false, {"x"}},
        {"grep -iv x", "grep", "vi", false, {"x"}},
        {"grep -Eiv x", "grep", "viE", false, {"x"}},
        {"grep -v -v x", "grep", "v", false, {"x"}},
        {"grep -F -F x", "grep", "F", false, {"x"}},
        {"grep -- -v", "grep", "", false, {"-v"}},
        {"grep -v -- -x", "grep", "v", false, {"-x"}},
        {"grep -- --", "grep", "", false, {"--"}},
        {"grep -", "grep", "", false, {"-"}},
        {"grep ''", "grep", "", false, {""}},
        {"prefix 2026-11-23T11", "prefix", "", false, {"2026-11-23T11"}},
        {"prefix -v 2026", "prefix", "v", false, {"2026"}},
        {"prefix ''", "prefix", "", false, {""}},
        {"min latency_ms", "min", "", false, {"latency_ms"}},
        {"min $3", "min", "", false, {"$3"}},
        {"min --final latency_ms", "min", "", true, {"latency_ms"}},
        {"max $1", "max", "", false, {"$1"}},
        {"max --final bytes", "max", "", true, {"bytes"}},
        {"sum bytes", "sum", "", false, {"bytes"}},
        {"sum --final $12", "sum", "", true, {"$12"}},
        {"avg latency_ms", "avg", "", false, {"latency_ms"}},
        {"avg --final --final $2", "avg", "", true, {"$2"}},
        {"min -- -", "min", "", false, {"-"}},
        {"count", "count", "", false, {}},
        {"count --final", "count", "", true, {}},
        {"head 0", "head", "", false, {"0"}},
        {"head 10", "head", "", false, {"10"}},
        {"head 007", "head", "", false, {"007"}},
        {"head 18446744073709551615", "head", "", false, {"18446744073709551615"}},
        {"uniq", "uniq", "", false, {}},
        {"tee out.log", "tee", "", false, {"out.log"}},
        {"tee -", "tee", "", false, {"-"}},
        {"tee -- -x", "tee", "", false, {"-x"}},
        {"print", "print", "", false, {}},
        {"print 'min={}'", "print", "", false, {"min={}"}},
        {"print -- -{}-", "print", "", false, {"-{}-"}},
    }));
    CAPTURE(text);
    stage_spec s = only_stage(text);
    CHECK(s.name == name);
    CHECK(s.flags == flags);
    CHECK(s.final_only == final_only);
    CHECK(s.operands == args);
    CHECK(s.operand_positions.size() == s.operands.size());
    CHECK(s.position == 0);
}

TEST_CASE("has() tells which flags were given", "[pipeline_text][parse]") {
    stage_spec s = only_stage("grep -vE x");
    CHECK(s.has('v'));
    CHECK(s.has('E'));
    CHECK_FALSE(s.has('i'));
    CHECK_FALSE(s.has('F'));
}

TEST_CASE("stages and operands carry the byte offsets of their words", "[pipeline_text][parse]") {
    std::vector<stage_spec> stages = parse_pipeline("prefix 2026-11-23T11 | grep -v DEBUG");
    REQUIRE(stages.size() == 2);
    CHECK(stages[0] == stage_spec{"prefix", "", false, {"2026-11-23T11"}, 0, {7}});
    CHECK(stages[1] == stage_spec{"grep", "v", false, {"DEBUG"}, 23, {31}});

    stages = parse_pipeline("grep ERROR | min --final latency_ms | print");
    REQUIRE(stages.size() == 3);
    CHECK(stages[0] == stage_spec{"grep", "", false, {"ERROR"}, 0, {5}});
    CHECK(stages[1] == stage_spec{"min", "", true, {"latency_ms"}, 13, {25}});
    CHECK(stages[2] == stage_spec{"print", "", false, {}, 38, {}});
}

TEST_CASE("a quoted operand's position is that of its opening quote", "[pipeline_text][parse]") {
    CHECK(only_stage("grep   'a b'").operand_positions == std::vector<std::size_t>{7});
    CHECK(only_stage("grep x\"y\"").operand_positions == std::vector<std::size_t>{5});
}

TEST_CASE("a long pipeline parses every stage in order", "[pipeline_text][parse]") {
    std::vector<stage_spec> stages =
        parse_pipeline("prefix 2026 | grep -v DEBUG | grep -iE 'time(out)?' | tee t.log | head 5 | uniq | "
                       "count --final | print 'n={}'");
    std::vector<std::string> names;
    for (const stage_spec& s : stages) {
        names.push_back(s.name);
    }
    CHECK(names == strings{"prefix", "grep", "grep", "tee", "head", "uniq", "count", "print"});
    CHECK(stages[2].operands == strings{"time(out)?"});
}

// ---- quoting, escapes, whitespace ---------------------------------------------

TEST_CASE("quotes and backslashes build words as a shell does", "[pipeline_text][quoting]") {
    auto [text, word] = GENERATE(table<std::string, std::string>({
        {R"(grep 'a b')", "a b"},
        {R"(grep "a b")", "a b"},
        {R"(grep a\ b)", "a b"},
        {R"(grep 'a|b')", "a|b"},
        {R"(grep "a|b")", "a|b"},
        {R"(grep a\|b)", "a|b"},
        {R"(grep "a\|b")", "a|b"},
        {R"(grep "a\"b")", "a\"b"},
        {R"(grep "a\\b")", "a\\b"},
        {R"(grep "a\nb")", "a\nb"},
        {R"(grep "a\tb")", "a\tb"},
        {R"(grep "a\db")", "a\\db"}, // other escapes keep their backslash, as in sh
        {R"(grep "\$1")", "\\$1"},
        {R"(grep 'a\nb')", "a\\nb"}, // nothing is special in single quotes
        {R"(grep 'a"b')", "a\"b"},
        {R"(grep "a'b")", "a'b"},
        {R"(grep a\nb)", "anb"}, // a backslash outside quotes quotes the next byte
        {R"(grep \\)", "\\"},
        {R"(grep \')", "'"},
        {R"(grep 'it'\''s')", "it's"}, // words join across quotes
        {R"(grep a'b c'"d e"f)", "ab cd ef"},
        {R"(grep "")", ""},
        {R"(grep '')", ""},
        {R"(grep ''"")", ""},
        {"grep a\\\nb", "ab"}, // backslash-newline joins lines
    }));
    CAPTURE(text);
    CHECK(operands(text) == strings{word});
}

TEST_CASE("a quoted or escaped stage name is still the stage name", "[pipeline_text][quoting]") {
    CHECK(only_stage("'grep' x").name == "grep");
    CHECK(only_stage("\"min\" $1").name == "min");
    CHECK(only_stage("gr\\ep x").name == "grep");
}

TEST_CASE("quoted options are options, and a quoted -- ends them", "[pipeline_text][quoting]") {
    CHECK(only_stage("grep '-v' x").flags == "v");
    CHECK(only_stage("grep \"--\" -v").operands == strings{"-v"});
}

TEST_CASE("an unquoted | ends a stage even without blanks around it", "[pipeline_text][quoting]") {
    std::vector<stage_spec> stages = parse_pipeline("grep a|print");
    REQUIRE(stages.size() == 2);
    CHECK(stages[0].operands == strings{"a"});
    CHECK(stages[1] == stage_spec{"print", "", false, {}, 7, {}});
}

TEST_CASE("blanks of any kind and amount separate words", "[pipeline_text][whitespace]") {
    auto text = GENERATE(as<std::string>{}, "grep -v x | head 3", "  grep -v x | head 3  ", "grep\t-v\tx\t|\thead\t3",
                         "grep -v x|head 3", "\n grep   -v  x \n| head 3\n", "grep\r\n-v x |\r\nhead 3\r\n",
                         "grep\v-v\fx | head 3", "grep -v x \\\n| head 3", "grep \\\n -v x | head \\\n3");
    CAPTURE(text);
    std::vector<stage_spec> stages = parse_pipeline(text);
    REQUIRE(stages.size() == 2);
    CHECK(stages[0].name == "grep");
    CHECK(stages[0].flags == "v");
    CHECK(stages[0].operands == strings{"x"});
    CHECK(stages[1].name == "head");
    CHECK(stages[1].operands == strings{"3"});
}

TEST_CASE("non-ASCII and arbitrary bytes pass through unchanged", "[pipeline_text][bytes]") {
    CHECK(operands("grep 'héllo wörld'") == strings{"héllo wörld"});
    CHECK(operands("prefix 日本語") == strings{"日本語"});
    CHECK(operands("grep \"😀|x\"") == strings{"😀|x"});
    CHECK(operands("min ключ") == strings{"ключ"});
    std::string raw = "\xff\xfe\x80\xc3"; // not UTF-8
    CHECK(operands("grep " + raw) == strings{raw});
    std::string with_nul = "a\0b"s;
    CHECK(operands("grep " + with_nul) == strings{with_nul});
    CHECK(operands("grep '" + with_nul + "'") == strings{with_nul});
}

TEST_CASE("a 1 MB argument parses, bare or quoted", "[pipeline_text][bytes]") {
    const std::string big(1 << 20, 'x');
    CHECK(operands("grep " + big) == strings{big});
    CHECK(operands("grep '" + big + "'") == strings{big});
    CHECK(operands("grep \"" + big + "\" ") == strings{big});
    std::vector<stage_spec> stages = parse_pipeline("prefix " + big + " | head 1");
    REQUIRE(stages.size() == 2);
    CHECK(stages[0].operands == strings{big});
    CHECK(stages[1].position == big.size() + 10);
}

TEST_CASE("an error about a 1 MB word stays one short line", "[pipeline_text][bytes]") {
    const std::string big(1 << 20, 'y');
    for (std::string text : {"grep x -" + big, big, "grep x y" + big, "head " + big, "grep '" + big}) {
        pipeline_text_error e = error_of(text);
        std::string_view what = e.what();
        CHECK(what.size() < 200);
        CHECK(what.find('\n') == std::string_view::npos);
        CHECK(format_error(text, e).size() < 300);
    }
    CHECK(error_of(big).what() == "coropipe: unknown stage '" + std::string(40, 'y') + "...' at column 1");
}

// ---- errors --------------------------------------------------------------------

TEST_CASE("every error names the stage, the problem and the column", "[pipeline_text][errors]") {
    auto [text, message, position] = GENERATE(table<std::string, std::string, std::size_t>({
        // unknown stages, with a suggestion within distance 2
        {"grpe x", "coropipe: unknown stage 'grpe' at column 1; did you mean 'grep'?", 0},
        {"GREP x", "coropipe: unknown stage 'GREP' at column 1; did you mean 'grep'?", 0},
        {"prefx x", "coropipe: unknown stage 'prefx' at column 1; did you mean 'prefix'?", 0},
        {"grep x | mn y", "coropipe: unknown stage 'mn' at column 10; did you mean 'min'?", 9},
        {"grep x | cnt", "coropipe: unknown stage 'cnt' at column 10; did you mean 'count'?", 9},
        {"uniqe", "coropipe: unknown stage 'uniqe' at column 1; did you mean 'uniq'?", 0},
        {"frobnicate", "coropipe: unknown stage 'frobnicate' at column 1", 0},
        {"x", "coropipe: unknown stage 'x' at column 1", 0},
        {"'' x", "coropipe: unknown stage '' at column 1", 0},
        {"-v grep", "coropipe: unknown stage '-v' at column 1", 0},
        // missing operands: the column just past the stage's last word
        {"grep", "coropipe: grep: missing PATTERN at column 5", 4},
        {"grep -v", "coropipe: grep: missing PATTERN at column 8", 7},
        {"grep -v | print", "coropipe: grep: missing PATTERN at column 8", 7},
        {"grep --", "coropipe: grep: missing PATTERN at column 8", 7},
        {"prefix", "coropipe: prefix: missing STR at column 7", 6},
        {"min", "coropipe: min: missing FIELD at column 4", 3},
        {"max --final", "coropipe: max: missing FIELD at column 12", 11},
        {"sum", "coropipe: sum: missing FIELD at column 4", 3},
        {"avg", "coropipe: avg: missing FIELD at column 4", 3},
        {"head", "coropipe: head: missing N at column 5", 4},
        {"tee", "coropipe: tee: missing FILE at column 4", 3},
        // bad operands
        {"head abc", "coropipe: head: 'abc' is not a number at column 6", 5},
        {"head 1.5", "coropipe: head: '1.5' is not a number at column 6", 5},
        {"head ''", "coropipe: head: '' is not a number at column 6", 5},
        {"head +3", "coropipe: head: '+3' is not a number at column 6", 5},
        {"head -- -1", "coropipe: head: '-1' is not a number at column 9", 8},
        {"head 18446744073709551616", "coropipe: head: '18446744073709551616' is too large at column 6", 5},
        {"min $0", "coropipe: min: bad column '$0' at column 5; columns are $1, $2, ...", 4},
        {"min $", "coropipe: min: bad column '$' at column 5; columns are $1, $2, ...", 4},
        {"max $x", "coropipe: max: bad column '$x' at column 5; columns are $1, $2, ...", 4},
        {"sum -- $-1", "coropipe: sum: bad column '$-1' at column 8; columns are $1, $2, ...", 7},
        {"avg $99999999999999999999",
         "coropipe: avg: bad column '$99999999999999999999' at column 5; columns are $1, "
         "$2, ...",
         4},
        {"min ''",
         "coropipe: min: empty FIELD at column 5; FIELD is a key (key=value), $N (column N), .json.path or @host, @app, ...",
         4},
        {"min a=b",
         "coropipe: min: bad field name 'a=b' at column 5; FIELD is a key (key=value), $N (column N), .json.path or @host, @app, ...",
         4},
        {"max 'a b'",
         "coropipe: max: bad field name 'a b' at column 5; FIELD is a key (key=value), $N (column N), .json.path or @host, @app, ...",
         4},
        {"tee ''", "coropipe: tee: empty FILE at column 5", 4},
        // by clauses and keywords
        {"count by", "coropipe: count: missing KEY after 'by' at column 9; usage: count [--final] [by KEY[, KEY...]] [every DURATION]", 8},
        {"count by ,", "coropipe: count: missing KEY after 'by' at column 11; usage: count [--final] [by KEY[, KEY...]] [every DURATION]", 10},
        {"sum by $2", "coropipe: sum: missing FIELD before 'by' at column 5; usage: sum [--final] FIELD [by KEY[, KEY...]] [every DURATION]", 4},
        {"p99 ms by host,$0", "coropipe: p99: bad column '$0' at column 16; columns are $1, $2, ...", 15},
        {"distinct ip by a=b", "coropipe: distinct: bad field name 'a=b' at column 16; FIELD is a key (key=value), $N (column N), .json.path or @host, @app, ...", 15},
        {"p50", "coropipe: p50: missing FIELD at column 4", 3},
        {"redact x with", "coropipe: redact: missing value after 'with' at column 14; usage: redact REGEX [with TEXT]", 13},
        {"redact x with a with b", "coropipe: redact: 'with' given twice at column 17; usage: redact REGEX [with TEXT]", 16},
        {"redact 'a(b'", "coropipe: redact: invalid regex: unmatched '(' at column 10", 9},
        {"sample 0", "coropipe: sample: N must be 1 or more at column 8", 7},
        {"throttle 5", "coropipe: throttle: missing 'per DURATION' at column 10; usage: throttle N per DURATION", 9},
        {"throttle 5 per 1.5s", "coropipe: throttle: '1.5s' is not a duration at column 16; write 500ms, 10s, 1m, 1h or 1d", 15},
        {"dedup 10", "coropipe: dedup: '10' is not a duration at column 7; write 500ms, 10s, 1m, 1h or 1d", 6},
        // options
        {"grep -x foo", "coropipe: grep: unknown option '-x' at column 6; grep takes -v -i -F -E; usage: grep [-v] [-i] [-F|-E] PATTERN", 5},
        {"grep -vx foo", "coropipe: grep: unknown option '-x' at column 8; grep takes -v -i -F -E; usage: grep [-v] [-i] [-F|-E] PATTERN", 7},
        {"grep '-vx' foo", "coropipe: grep: unknown option '-x' at column 6; grep takes -v -i -F -E; usage: grep [-v] [-i] [-F|-E] PATTERN", 5},
        {"grep --color foo", "coropipe: grep: unknown option '--color' at column 6; grep takes -v -i -F -E; usage: grep [-v] [-i] [-F|-E] PATTERN", 5},
        {"grep --final foo", "coropipe: grep: unknown option '--final' at column 6; grep takes -v -i -F -E; usage: grep [-v] [-i] [-F|-E] PATTERN", 5},
        {"prefix -i x", "coropipe: prefix: unknown option '-i' at column 8; prefix takes -v; usage: prefix [-v] STR", 7},
        {"min -v x", "coropipe: min: unknown option '-v' at column 5; min takes --final; usage: min [--final] FIELD [by KEY[, KEY...]] [every DURATION]", 4},
        {"min --fnal x", "coropipe: min: unknown option '--fnal' at column 5; did you mean '--final'?", 4},
        {"min -final x", "coropipe: min: unknown option '-final' at column 5; did you mean '--final'?", 4},
        {"head -n 5", "coropipe: head: unknown option '-n' at column 6; the count is an operand: 'head N', as 'head 10'", 5},
        {"head -5", "coropipe: head: unknown option '-5' at column 6; the count is an operand: 'head N', as 'head 10'", 5},
        {"uniq -c", "coropipe: uniq: unknown option '-c' at column 6; uniq takes no options; usage: uniq", 5},
        {"print -x", "coropipe: print: unknown option '-x' at column 7; print takes no options; usage: print [FORMAT]", 6},
        {"grep -é x", "coropipe: grep: unknown option '-é' at column 6", 5},
        {"grep \"-\\n\" x", "coropipe: grep: unknown option '-\\n' at column 6", 5},
        {"grep -F -E x", "coropipe: grep: -E conflicts with -F at column 9", 8},
        {"grep -EF x", "coropipe: grep: -F conflicts with -E at column 8", 7},
        // extra arguments
        {"grep x y", "coropipe: grep: unexpected argument 'y' at column 8; usage: grep [-v] [-i] [-F|-E] PATTERN", 7},
        {"grep x -v", "coropipe: grep: unexpected argument '-v' at column 8; usage: grep [-v] [-i] [-F|-E] PATTERN", 7},
        {"uniq x", "coropipe: uniq: unexpected argument 'x' at column 6; usage: uniq", 5},
        {"count latency_ms", "coropipe: count: unexpected argument 'latency_ms' at column 7; usage: count [--final] [by KEY[, KEY...]] [every DURATION]",
         6},
        {"count -- x", "coropipe: count: unexpected argument 'x' at column 10; usage: count [--final] [by KEY[, KEY...]] [every DURATION]", 9},
        {"head 1 2", "coropipe: head: unexpected argument '2' at column 8; usage: head N", 7},
        {"tee a b", "coropipe: tee: unexpected argument 'b' at column 7; usage: tee FILE", 6},
        {"print a b", "coropipe: print: unexpected argument 'b' at column 9; usage: print [FORMAT]", 8},
        {"min --final a b", "coropipe: min: unexpected argument 'b' at column 15; usage: min [--final] FIELD [by KEY[, KEY...]] [every DURATION]", 14},
        // empty stages and text: the column where a stage name was expected
        {"grep x | | print", "coropipe: empty stage at column 10", 9},
        {"grep x || print", "coropipe: empty stage at column 9", 8},
        {"grep x |", "coropipe: empty stage at column 9", 8},
        {"grep x |  ", "coropipe: empty stage at column 11", 10},
        {"| grep x", "coropipe: empty stage at column 1", 0},
        {"  | grep x", "coropipe: empty stage at column 3", 2},
        {"|", "coropipe: empty stage at column 1", 0},
        {"", "coropipe: empty pipeline text at column 1", 0},
        {"   \t\n ", "coropipe: empty pipeline text at column 1", 0},
        {"\\\n", "coropipe: empty pipeline text at column 1", 0},
        // unterminated quotes and escapes: the column of the opening quote
        {"grep 'abc", "coropipe: grep: unterminated single quote at column 6", 5},
        {"grep \"abc", "coropipe: grep: unterminated double quote at column 6", 5},
        {"grep \"abc\\\"", "coropipe: grep: unterminated double quote at column 6", 5},
        {"grep \"abc\\", "coropipe: grep: unterminated double quote at column 6", 5},
        {"grep x'y | print", "coropipe: grep: unterminated single quote at column 7", 6},
        {"grep abc\\", "coropipe: grep: backslash at the end of the text at column 9", 8},
        {"'grep x", "coropipe: unterminated single quote at column 1", 0},
        {"grep x | \"pr", "coropipe: unterminated double quote at column 10", 9},
        // the first error, left to right
        {"grpe 'x", "coropipe: unknown stage 'grpe' at column 1; did you mean 'grep'?", 0},
        {"grep -x | head abc", "coropipe: grep: unknown option '-x' at column 6; grep takes -v -i -F -E; usage: grep [-v] [-i] [-F|-E] PATTERN", 5},
        {"grep x | head abc | frob", "coropipe: head: 'abc' is not a number at column 15", 14},
    }));
    CAPTURE(text);
    pipeline_text_error e = error_of(text);
    CHECK(e.what() == message);
    CHECK(e.position() == position);
}

TEST_CASE("pipeline_text_error is a coropipe::error", "[pipeline_text][errors]") {
    CHECK_THROWS_AS(parse_pipeline("grpe"), coropipe::error);
    STATIC_REQUIRE(std::is_base_of_v<coropipe::error, pipeline_text_error>);
}

TEST_CASE("a one-letter typo suggests nothing when the name is that short", "[pipeline_text][errors]") {
    // "x" is 2 edits from "max" but shares nothing with it.
    CHECK(std::string(error_of("x").what()).find("did you mean") == std::string::npos);
    CHECK(std::string(error_of("ma").what()).ends_with("did you mean 'max'?"));
}

// ---- format_error ----------------------------------------------------------------

TEST_CASE("format_error draws a caret under the error's column", "[pipeline_text][format_error]") {
    CHECK(format_error("grpe x", error_of("grpe x")) == "grpe x\n^\n");
    CHECK(format_error("grep -x foo", error_of("grep -x foo")) == "grep -x foo\n     ^\n");
    CHECK(format_error("grep", error_of("grep")) == "grep\n    ^\n");
    CHECK(format_error("grep x | | print", error_of("grep x | | print")) == "grep x | | print\n         ^\n");
}

TEST_CASE("format_error keeps tabs so the caret lines up", "[pipeline_text][format_error]") {
    CHECK(caret_line("grep\t-x foo") == "    \t^");
}

TEST_CASE("format_error counts a UTF-8 character as one column", "[pipeline_text][format_error]") {
    CHECK(caret_line("prefix é | grep -x y") == std::string(16, ' ') + "^");
    CHECK(caret_line("prefix 日本 | grep -x y") == std::string(17, ' ') + "^");
}

TEST_CASE("format_error shows only the line of a multi-line text that holds the error",
          "[pipeline_text][format_error]") {
    std::string text = "grep x |\n  grpe y\n| print";
    CHECK(format_error(text, error_of(text)) == "  grpe y\n  ^\n");
    text = "grep x |\n";
    CHECK(format_error(text, error_of(text)) == "\n^\n");
}

TEST_CASE("format_error shows control bytes as ?", "[pipeline_text][format_error]") {
    std::string text = "grep -x \x01\x7f";
    CHECK(format_error(text, error_of(text)) == "grep -x ??\n     ^\n");
}

TEST_CASE("format_error cuts a long line to a window around the caret", "[pipeline_text][format_error]") {
    const std::string big(1 << 20, 'a');
    for (std::string text : {"grep " + big + " -x", "grep -x " + big, "grep " + big + " -x " + big}) {
        pipeline_text_error e = error_of(text);
        std::string shown = format_error(text, e);
        CAPTURE(shown);
        std::size_t nl = shown.find('\n');
        std::string line = shown.substr(0, nl);
        std::string caret = shown.substr(nl + 1);
        CHECK(shown.size() < 300);
        REQUIRE(caret.size() >= 2);
        std::size_t column = caret.size() - 2; // without "^\n"
        CHECK(line.substr(column, 2) == "-x"); // all ASCII here: bytes are columns
    }
    CHECK(format_error("grep " + big + " -x", error_of("grep " + big + " -x")).starts_with("..."));
    CHECK(format_error("grep -x " + big, error_of("grep -x " + big)).ends_with("...\n     ^\n"));
}

TEST_CASE("format_error never cuts a UTF-8 character in two", "[pipeline_text][format_error]") {
    std::string wide;
    for (int i = 0; i < 100; ++i) {
        wide += "é";
    }
    std::string text = "grep " + wide + " -x " + wide;
    std::string shown = format_error(text, error_of(text));
    std::string line = shown.substr(0, shown.find('\n'));
    std::string_view inner = std::string_view(line).substr(3, line.size() - 6); // within the "..."
    CHECK(line.starts_with("..."));
    CHECK(line.ends_with("..."));
    CHECK(static_cast<unsigned char>(inner.front()) == 0xC3);
    CHECK(static_cast<unsigned char>(inner.back()) == 0xA9);
}

// ---- help --------------------------------------------------------------------------

TEST_CASE("stage_help gives the usage, a description and the options of a stage", "[pipeline_text][help]") {
    std::string grep = coropipe::stage_help("grep");
    CHECK(grep.starts_with("usage: grep [-v] [-i] [-F|-E] PATTERN\n    pass the lines that contain PATTERN\n"));
    CHECK(grep.find("  -E      PATTERN is a POSIX extended regular expression, as GNU grep -E reads it (see docs/regex.md)\n") != std::string::npos);
    CHECK(grep.ends_with('\n'));
    CHECK(coropipe::stage_help("min").find("--final") != std::string::npos);
    CHECK(coropipe::stage_help("min").find("$N") != std::string::npos);
    CHECK(coropipe::stage_help("uniq") == "usage: uniq\n    drop each line that equals the line before it\n");
}

TEST_CASE("stage_help of an unknown stage throws with a suggestion", "[pipeline_text][help]") {
    CHECK_THROWS_MATCHES(coropipe::stage_help("grpe"), pipeline_text_error,
                         Catch::Message("coropipe: unknown stage 'grpe'; did you mean 'grep'?"));
    CHECK_THROWS_MATCHES(coropipe::stage_help("frobnicate"), pipeline_text_error,
                         Catch::Message("coropipe: unknown stage 'frobnicate'"));
}

TEST_CASE("all_stages_help lists every stage, and each listed usage parses", "[pipeline_text][help]") {
    std::string all = coropipe::all_stages_help();
    // A minimal valid text per stage, from its usage line.
    auto [name, minimal] = GENERATE(table<std::string, std::string>({
        {"grep", "grep x"},
        {"prefix", "prefix x"},
        {"where", "where a == 1"},
        {"min", "min $1"},
        {"max", "max $1"},
        {"sum", "sum $1"},
        {"count", "count"},
        {"avg", "avg $1"},
        {"head", "head 1"},
        {"uniq", "uniq"},
        {"tee", "tee f"},
        {"print", "print"},
        {"severity", "severity info"},
        {"facility", "facility user"},
        {"host", "host h"},
        {"app", "app a"},
        {"p50", "p50 $1"},
        {"p90", "p90 $1"},
        {"p95", "p95 $1"},
        {"p99", "p99 $1 by $2"},
        {"distinct", "distinct $1"},
        {"redact", "redact x"},
        {"sample", "sample 2"},
        {"throttle", "throttle 1 per 1s"},
        {"dedup", "dedup"},
    }));
    CAPTURE(name);
    CHECK(only_stage(minimal).name == name);
    // stage_help's first two lines, without "usage: ", are the stage's entry in all_stages_help.
    std::string help = coropipe::stage_help(name);
    std::size_t second_line_end = help.find('\n', help.find('\n') + 1);
    std::string entry = help.substr(7, second_line_end + 1 - 7);
    CHECK(entry.starts_with(name));
    CHECK(all.find(entry) != std::string::npos);
    std::size_t lines = 0;
    for (char c : all) {
        lines += c == '\n' ? 1 : 0;
    }
    CHECK(lines == 2 * 25);
}

// ---- robustness ----------------------------------------------------------------------

namespace {

// Parses `text`: true if it parsed; false if it threw a well-formed
// pipeline_text_error. Anything else fails the test.
bool parses_or_reports(const std::string& text) {
    try {
        parse_pipeline(text);
        return true;
    } catch (const pipeline_text_error& e) {
        std::string_view what = e.what();
        CHECK(what.starts_with("coropipe: "));
        CHECK(what.find('\n') == std::string_view::npos);
        CHECK(e.position() <= text.size());
        std::string shown = format_error(text, e);
        CHECK(std::count(shown.begin(), shown.end(), '\n') == 2);
        return false;
    } catch (const std::exception& e) {
        FAIL("unexpected " << e.what() << " for text of " << text.size() << " bytes");
    } catch (...) {
        FAIL("unexpected non-standard exception");
    }
    return false;
}

} // namespace

TEST_CASE("random bytes either parse or throw pipeline_text_error, never anything else", "[pipeline_text][fuzz]") {
    std::mt19937 rng(20261123); // mt19937's sequence is fixed by the standard
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text(rng() % 48, '\0');
        for (char& c : text) {
            c = static_cast<char>(rng() & 0xFF);
        }
        parsed += parses_or_reports(text) ? 1 : 0;
    }
    CHECK(parsed < 20000);
}

TEST_CASE("random mixes of stage names, options and quotes parse or throw pipeline_text_error",
          "[pipeline_text][fuzz]") {
    const std::vector<std::string_view> pieces = {
        "grep", "prefix", "min", "max", "sum", "count",   "avg", "head", "uniq", "tee",  "print", "grpe",    "-v", "-i",
        "-F",   "-E",     "-vi", "-x",  "--",  "--final", "$1",  "$0",   "$",    "10",   "abc",   "''",      "'",  "\"",
        "\\",   "\\|",    "|",   " ",   "  ",  "\t",      "\n",  "\\\n", "é",    "\xff", "a=b",   "\"\\n\"",
    };
    std::mt19937 rng(42);
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        for (auto n = rng() % 12; n > 0; --n) {
            text += pieces[rng() % pieces.size()];
            if (rng() % 2 == 0) {
                text += ' ';
            }
        }
        parsed += parses_or_reports(text) ? 1 : 0;
    }
    CHECK(parsed > 0); // the mixes reach valid texts too, not only the first error
}
