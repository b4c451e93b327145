#include <coropipe/where_expr.hpp>

#include <coropipe/syntax_error.hpp>

#include <catch2/catch.hpp>
#include <syntax_error_of.hpp>

#include <string>
#include <string_view>
#include <tuple>
#include <vector>

using namespace std::literals;
using coropipe::where_expr;

namespace {

bool matches(std::string_view expr, std::string_view line) {
    where_expr::scratch scratch;
    return where_expr::parse(expr).matches(line, scratch);
}

coropipe::syntax_error parse_error(std::string_view text) {
    return coropipe::test::syntax_error_of([](std::string_view t) { return where_expr::parse(t); }, text);
}

constexpr std::string_view logfmt =
    R"(ts=2026-11-23T10:15:32Z level=error latency_ms=512 status=503 path=/api/v1/users )"
    R"(user=u42 msg="upstream timed out" bytes=12345678901234567890)";
constexpr std::string_view json = R"({"ts":"2026-11-23T10:15:32Z","level":"error","latency_ms":512,"status":503,)"
                                  R"("req":{"path":"/api/v1/users","tags":["a","b"]},"ok":false,"user":null,)"
                                  R"("bytes":12345678901234567890,"msg":"say \"hi\""})";

} // namespace

TEST_CASE("where compares numbers numerically", "[where][compare]") {
    CHECK(matches("latency_ms > 500", logfmt));
    CHECK(matches("latency_ms >= 512", logfmt));
    CHECK_FALSE(matches("latency_ms > 512", logfmt));
    CHECK(matches("latency_ms < 1e3", logfmt));
    CHECK(matches("latency_ms == 512.0", logfmt));
    CHECK(matches("latency_ms != 511", logfmt));
    CHECK(matches("latency_ms <= 512", logfmt));
    CHECK(matches("bytes == 12345678901234567890", logfmt));
    CHECK_FALSE(matches("bytes == 12345678901234567891", logfmt));
    CHECK(matches("bytes > 12345678901234567889", logfmt));
    CHECK(matches("-5 < latency_ms", logfmt)); // a literal on the left
    CHECK(matches(".latency_ms > 500", json));
    CHECK(matches(".bytes == 12345678901234567890", json));
    CHECK(matches("$3 > 500", "GET /x 503 12"));
}

TEST_CASE("where compares text as bytes when a side is not numeric", "[where][compare]") {
    CHECK(matches(R"(level == "error")", logfmt));
    CHECK(matches(R"(level != "info")", logfmt));
    CHECK(matches(R"(msg == "upstream timed out")", logfmt));
    CHECK(matches(R"(level < "warn")", logfmt));
    CHECK(matches(R"(.level == "error")", json));
    CHECK(matches(R"(.msg == "say \"hi\"")", json));
    CHECK(matches(R"(.level == 'error')", json));
    CHECK(matches(R"(.req.path == "/api/v1/users")", json));
    CHECK(matches(R"(.req.tags[1] == "b")", json));
    CHECK(matches(R"(.req.tags == "[\"a\",\"b\"]")", json)); // an array's raw text
    CHECK(matches(R"(.ts >= "2026-11-23T00:00:00Z")", json));
    // "512" is a string: bytes against the field's text.
    CHECK(matches(R"(latency_ms == "512")", logfmt));
    CHECK_FALSE(matches(R"(latency_ms == "512.0")", logfmt));
    // A JSON string that holds digits is not numeric: bytes.
    CHECK(matches(R"(.n == 500)", R"({"n":"500"})"));
    CHECK_FALSE(matches(R"(.n > 500)", R"({"n":"1000"})")); // "1000" < "500" as bytes
    CHECK(matches(R"(.n > 500)", R"({"n":1000})"));
}

TEST_CASE("true, false and null are literals", "[where][compare]") {
    CHECK(matches(".ok == false", json));
    CHECK(matches(".user == null", json));
    CHECK_FALSE(matches(".ok == true", json));
    CHECK(matches("debug == true", "debug=true"));
}

TEST_CASE("a field may be compared with another field", "[where][compare]") {
    CHECK(matches("a < b", "a=2 b=10"));                      // numbers
    CHECK_FALSE(matches("a < b", "a=x2 b=x10"));              // bytes
    CHECK(matches(".a == .b", R"({"a":"s\"q","b":"s\"q"})")); // both unescaped in the scratch
    CHECK_FALSE(matches(".a == .b", R"({"a":"s\"q","b":"s\"r"})"));
    CHECK(matches("a == b", R"(a="q\"1" b="q\"1")"));
    CHECK(matches("@app == app", "Nov 23 10:15:32 web sshd[1]: app=sshd"));
    CHECK(matches("$1 == $3", "x y x"));
}

TEST_CASE("~ and !~ match a grep -E regex anywhere in the field", "[where][regex]") {
    CHECK(matches(R"(path ~ "^/api")", logfmt));
    CHECK_FALSE(matches(R"(path ~ "^/v1")", logfmt));
    CHECK(matches(R"(path !~ "^/health")", logfmt));
    CHECK(matches(R"(.req.path ~ "users$")", json));
    CHECK(matches(R"(@host ~ "^web-")", "Nov 23 10:15:32 web-14 nginx[1]: x"));
    CHECK(matches(R"(msg ~ "[Tt][Ii][Mm][Ee][Dd]")", logfmt));
    CHECK(matches(R"(msg ~ "\\btimed\\b")", logfmt));
}

TEST_CASE("a missing field makes a comparison false and its negation true", "[where][missing]") {
    const auto expr =
        GENERATE(as<std::string>{}, "nope == 1", "nope != 1", "nope < 1", "nope >= 1", R"(nope ~ "")", R"(nope !~ "x")",
                 "nope == nope", "1 == nope", ".nope == null", "$99 != 0", R"(@severity == "err")");
    CAPTURE(expr);
    const std::string& text = expr;
    CHECK_FALSE(matches(text, logfmt));
    CHECK(matches("not (" + text + ")", logfmt));
    CHECK(matches("not " + text, logfmt));
}

TEST_CASE("has tests that a field is there, even empty or null", "[where][has]") {
    CHECK(matches("has user", logfmt));
    CHECK_FALSE(matches("has nope", logfmt));
    CHECK(matches("has empty", "empty= x=1"));
    CHECK(matches("has .user", json));
    CHECK(matches("has .req.tags[1]", json));
    CHECK_FALSE(matches("has .req.tags[2]", json));
    CHECK(matches("has @host", "Nov 23 10:15:32 web sshd: x"));
    CHECK_FALSE(matches("has @host", "plain text"));
    CHECK(matches("has @msg", "plain text"));
    CHECK(matches("not has nope", logfmt));
}

TEST_CASE("not binds tighter than and, and than or, and parentheses group", "[where][logic]") {
    CHECK(matches("a == 1 or b == 1 and c == 1", "a=1 b=0 c=0")); // a or (b and c)
    CHECK_FALSE(matches("(a == 1 or b == 1) and c == 1", "a=1 b=0 c=0"));
    CHECK(matches("not a == 2 and b == 0", "a=1 b=0")); // (not a==2) and b==0
    CHECK_FALSE(matches("not (a == 1 and b == 0)", "a=1 b=0"));
    CHECK(matches("not not a == 1", "a=1"));
    CHECK(matches("((((a == 1))))", "a=1"));
    CHECK(matches("a==1 and(b==0)", "a=1 b=0")); // no blanks needed around symbols
    CHECK(matches(R"(.level == "error" and .status >= 500)", json));
    CHECK(matches(R"(status >= 500 and path ~ "^/api")", logfmt));
}

TEST_CASE("@severity and @facility compare syslog codes with a name or number", "[where][syslog]") {
    constexpr std::string_view warning = "<156>1 2026-11-23T12:31:57Z vm myapp - - - hello"; // local3.warning
    CHECK(matches(R"(@severity == "warning")", warning));
    CHECK(matches(R"(@severity == "warn")", warning)); // logger's alias
    CHECK(matches(R"(@severity <= "warning")", warning));
    CHECK(matches(R"(@severity <= "notice")", warning));
    CHECK_FALSE(matches(R"(@severity <= "err")", warning));
    CHECK(matches("@severity == 4", warning));
    CHECK(matches(R"("err" < @severity)", warning));
    CHECK(matches(R"(@facility == "local3")", warning));
    CHECK(matches("@facility == 19", warning));
    CHECK(matches(R"(@severity ~ "^warn")", warning)); // a regex sees the name
    CHECK_FALSE(matches(R"(@severity == "warning")", "Nov 23 10:15:32 vm app: no PRI"));
}

TEST_CASE("where never fails on odd lines", "[where][bad-input]") {
    const auto line = GENERATE(as<std::string>{}, "", "\n", std::string("a=\0b", 4), "\xff\xfe level=error",
                               R"({"level":)", std::string(100000, '{'), "level=\"unterminated");
    CAPTURE(line.size());
    where_expr::scratch scratch;
    const where_expr e = where_expr::parse(R"(level == "error" or .level == "error" or $2 > 1 or @app ~ "x")");
    (void)e.matches(line, scratch);
    SUCCEED();
    CHECK(e.matches("\xff\xfe level=error", scratch));
}

TEST_CASE("a malformed expression is a syntax_error with its position and a hint", "[where][parse][error]") {
    using row = std::tuple<std::string, std::size_t, std::string>; // text, position, words in reason or hint
    const auto [text, position, words] = GENERATE(table<std::string, std::size_t, std::string>({
        row{"", 0, "empty expression"},
        row{"   ", 0, "empty expression"},
        row{"level = 5", 6, "write =="},
        row{"level === 5", 6, "write =="},
        row{"path =~ \"x\"", 5, "write ~"},
        row{"a =< 5", 2, "write <="},
        row{"a => 5", 2, "write >="},
        row{"a <> 5", 2, "write !="},
        row{"a == 1 && b == 2", 7, "write and"},
        row{"a == 1 || b == 2", 7, "write or"},
        row{"a == 1 & b == 2", 7, "write and"},
        row{"!a == 1", 0, "write not"},
        row{"a == 1, b == 2", 6, "and / or"},
        row{"latency_ms >", 12, "missing value after '>'"},
        row{"latency_ms > and b == 1", 13, "missing value"},
        row{"latency_ms", 10, "has latency_ms"},
        row{"latency_ms 500", 11, "expected an operator"},
        row{"a == 1 b == 2", 7, "join conditions"},
        row{"a == 1 and", 10, "condition"},
        row{"and a == 1", 0, "condition before 'and'"},
        row{"(a == 1", 7, "to close the '(' at offset 0"},
        row{"(a == 1 b", 8, "expected ')'"},
        row{"a == 1)", 6, "no '(' to close"},
        row{"()", 1, "condition before ')'"},
        row{"> 5", 0, "missing FIELD"},
        row{"a == \"abc", 5, "unterminated string"},
        row{"a == 'abc", 5, "unterminated string"},
        row{"a == \"\\q\"", 6, "unknown escape"},
        row{"a == 12ms", 5, "bad number"},
        row{"a == 1.2.3", 5, "bad number"},
        row{"path ~ \"(\"", 8, "invalid regex"},
        row{"path ~ 5", 7, "is a \"string\""},
        row{"path ~ other", 7, "is a \"string\""},
        row{"path ~", 6, "missing pattern"},
        row{"\"x\" ~ \"y\"", 0, "the left of"},
        row{"has", 3, "expected a FIELD after has"},
        row{"has (a)", 4, "without parentheses"},
        row{"has 5", 4, "expected a FIELD after has"},
        row{"$0 > 1", 1, "numbered from 1"},
        row{".a[x] == 1", 3, "expected an index"},
        row{"x == 1 and @hots == \"a\"", 11, "did you mean @host"},
        row{"@severity == \"loud\"", 13, "unknown severity"},
        row{"@facility == 99", 13, "unknown facility"},
        row{std::string(201, '(') + "a == 1" + std::string(201, ')'), 200, "nested too deeply"},
    }));
    CAPTURE(text);
    const coropipe::syntax_error e = parse_error(text);
    CHECK(e.position() == position);
    CHECK_THAT(e.reason() + " | " + e.hint(), Catch::Contains(words));
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("coropipe::where: "));
}

TEST_CASE("deep nesting of not is refused, not a stack overflow", "[where][parse][error]") {
    std::string text;
    for (int i = 0; i < 100000; ++i) {
        text += "not ";
    }
    text += "a == 1";
    CHECK_THROWS_AS(where_expr::parse(text), coropipe::syntax_error);
    std::string ok;
    for (int i = 0; i < 200; ++i) {
        ok += "not ";
    }
    CHECK(matches(ok + "a == 1", "a=1"));
}

TEST_CASE("a long and/or chain is fine", "[where][logic]") {
    std::string text = "a == 0";
    for (int i = 1; i < 20000; ++i) {
        text += " or a == " + std::to_string(i);
    }
    CHECK(matches(text, "a=19999"));
    CHECK_FALSE(matches(text, "a=20000"));
}

TEST_CASE("prefilter gives the literals every matching line holds", "[where][prefilter]") {
    using V = std::vector<std::string>;
    auto pre = [](std::string_view text) { return where_expr::parse(text).prefilter(); };

    CHECK(pre(R"(.level == "ERROR")").literals == V{"ERROR", R"("level")"}); // values first: they are selective
    CHECK(pre(R"(.level == "ERROR")").json_escapes);
    CHECK(pre("latency_ms > 500").literals == V{"latency_ms="});
    CHECK_FALSE(pre("latency_ms > 500").json_escapes);
    CHECK(pre(R"(level == "error" and status >= 500)").literals == V{"error", "status=", "level="});
    CHECK(pre(R"(status >= 500 and (path ~ "^/api" and has user))").literals == V{"status=", "path=", "user="});
    CHECK(pre(R"(a == "x" or b == "y")").literals.empty());
    CHECK(pre(R"(not a == "x")").literals.empty());
    CHECK(pre("status == 500").literals == V{"status="}); // 500 may be written 5e2
    CHECK(pre(R"(msg == "a/b")").literals == V{"msg="});  // '/' may be escaped as \/
    CHECK(pre(R"(msg == "say \"hi\"")").literals == V{"msg="});
    CHECK(pre(R"(@host == "web-1")").literals == V{"web-1"});
    CHECK(pre(R"(@severity == "err")").literals.empty()); // compared as a code
    CHECK(pre(R"($2 == "GET")").literals == V{"GET"});
    CHECK(pre(R"(level != "x")").literals == V{"level="});
    CHECK(pre(R"(a == b)").literals == V{"a=", "b="});
    CHECK(pre(R"(key == "key=")").literals == V{"key="}); // one inside another: once
}

TEST_CASE("admits passes the lines that hold every literal, or a JSON escape", "[where][prefilter]") {
    const where_expr e = where_expr::parse(R"(.level == "ERROR")");
    CHECK(e.admits(R"({"level":"ERROR"})"));
    CHECK_FALSE(e.admits(R"({"level":"INFO"})"));
    CHECK(e.admits(R"({"le\u0076el":"ERROR"})"));
    where_expr::scratch scratch;
    CHECK(e.matches(R"({"le\u0076el":"\u0045RROR"})", scratch)); // and so it should be admitted:
    CHECK(e.admits(R"({"le\u0076el":"\u0045RROR"})"));
    CHECK(where_expr::parse("a > 1 or b > 1").admits("anything"));
}

TEST_CASE("a where_expr is a value: copies share the compiled expression", "[where][value]") {
    const where_expr a = where_expr::parse(R"(path ~ "^/api" and latency_ms > 500)");
    const where_expr b = a; // NOLINT: the copy is the point
    where_expr::scratch s1;
    where_expr::scratch s2;
    CHECK(a.matches("path=/api/x latency_ms=501", s1));
    CHECK(b.matches("path=/api/x latency_ms=501", s2));
    CHECK(b.text() == a.text());
}
