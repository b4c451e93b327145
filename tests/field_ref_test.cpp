#include <coropipe/field_ref.hpp>

#include <coropipe/syntax_error.hpp>

#include <catch2/catch.hpp>
#include <syntax_error_of.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

using namespace std::literals;
using coropipe::field_kind;
using coropipe::field_ref;
using coropipe::field_scratch;
using coropipe::field_value;

namespace {

// The value's text, or "<none>" when the line has no such field.
std::string text_of(std::string_view field, std::string_view line) {
    field_scratch scratch;
    const std::optional<field_value> v = field_ref::parse(field).find(line, scratch);
    return v ? std::string(v->text) : "<none>";
}

field_kind kind_of(std::string_view field, std::string_view line) {
    field_scratch scratch;
    const std::optional<field_value> v = field_ref::parse(field).find(line, scratch);
    REQUIRE(v.has_value());
    return v->kind;
}

coropipe::syntax_error parse_error(std::string_view text) {
    return coropipe::test::syntax_error_of([](std::string_view t) { return field_ref::parse(t); }, text);
}

} // namespace

// ---- logfmt -------------------------------------------------------------------------

TEST_CASE("a key finds its logfmt value as find_field does for unquoted values", "[field_ref][logfmt]") {
    constexpr std::string_view line = "ts=1 level=info latency_ms=58 path=/api/v1 user=u42";
    CHECK(text_of("latency_ms", line) == "58");
    CHECK(text_of("path", line) == "/api/v1");
    CHECK(text_of("ts", line) == "1");
    CHECK(text_of("missing", line) == "<none>");
    CHECK(text_of("ms", line) == "<none>");             // `latency_ms=` is not `ms=`
    CHECK(text_of("level", "xlevel=1 level=2") == "2"); // a key starts the line or follows a blank
    CHECK(text_of("a", "a= b=1") == "");                // present, empty
    CHECK(text_of("a", "b=1\ta=2\r") == "2");           // tab before, CR after
    CHECK(text_of("a", "a=1 a=2") == "1");              // the first one
}

TEST_CASE("a quoted logfmt value runs to its closing quote, unescaped", "[field_ref][logfmt]") {
    CHECK(text_of("msg", R"(level=info msg="user logged in" user=u42)") == "user logged in");
    CHECK(text_of("msg", R"(msg="say \"hi\"" x=1)") == R"(say "hi")");
    CHECK(text_of("msg", R"(msg="back\\slash" x=1)") == R"(back\slash)");
    CHECK(text_of("msg", R"(msg="keep \n as is")") == R"(keep \n as is)");
    CHECK(text_of("msg", R"(msg="")") == "");
    CHECK(text_of("user", R"(msg="a b" user=u42)") == "u42");
    // Cut short: up to the end of the line (or CR/LF).
    CHECK(text_of("msg", R"(level=info msg="truncated li)") == "truncated li");
    CHECK(text_of("msg", "msg=\"a b\r") == "a b");
    CHECK(text_of("msg", R"(msg="ends in \)") == R"(ends in \)");
}

TEST_CASE("logfmt values are numbers when they read as one, quoted or not", "[field_ref][logfmt]") {
    CHECK(kind_of("a", "a=58") == field_kind::number);
    CHECK(kind_of("a", "a=\"58\"") == field_kind::number);
    CHECK(kind_of("a", "a=-1.5e3") == field_kind::number);
    CHECK(kind_of("a", "a=58ms") == field_kind::string);
    CHECK(kind_of("a", "a=") == field_kind::string);
    field_scratch scratch;
    const std::optional<field_value> v = field_ref::parse("id").find("id=12345678901234567890", scratch);
    REQUIRE(v);
    CHECK(v->numeric.to_string() == "12345678901234567890");
}

// ---- columns ----------------------------------------------------------------------

TEST_CASE("$N is whitespace column N", "[field_ref][column]") {
    constexpr std::string_view line = "  GET /index.html\t200  5120 ";
    CHECK(text_of("$1", line) == "GET");
    CHECK(text_of("$3", line) == "200");
    CHECK(text_of("$4", line) == "5120");
    CHECK(text_of("$5", line) == "<none>");
    CHECK(kind_of("$3", line) == field_kind::number);
    CHECK(kind_of("$2", line) == field_kind::string);
}

TEST_CASE("$N splits at spaces, tabs and CR only, in fields of any length, as a byte-by-byte scan does",
          "[field_ref][column]") {
    // A reference: the plain scan the word-at-a-time one must agree with.
    const auto reference = [](std::string_view line, std::size_t n) -> std::optional<std::string_view> {
        const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        std::size_t pos = 0;
        for (std::size_t col = 1;; ++col) {
            while (pos < line.size() && space(line[pos])) {
                ++pos;
            }
            if (pos == line.size()) {
                return std::nullopt;
            }
            std::size_t end = pos;
            while (end < line.size() && !space(line[end])) {
                ++end;
            }
            if (col == n) {
                return line.substr(pos, end - pos);
            }
            pos = end;
        }
    };
    // Bytes the word test flags and must then reject (controls, '!' just
    // above the space, bytes >= 0x80), mixed with the four separators.
    constexpr char alphabet[] = {' ', '\t', '\r', '\x01', '\x1f', '!', 'a', 'Z', '\x80', '\xff', '\0', '\x0b', '\x0c'};
    std::uint64_t state = 12345;
    field_scratch scratch;
    for (int round = 0; round < 20'000; ++round) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        std::string line(static_cast<std::size_t>(state >> 58), 'x'); // 0 to 63 bytes
        for (char& c : line) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            c = (state >> 60) < 9 ? 'x' : alphabet[(state >> 33) % sizeof alphabet];
        }
        for (std::size_t n = 1; n <= 4; ++n) {
            const field_ref f = field_ref::parse("$" + std::to_string(n));
            INFO("line '" << line << "' $" << n);
            const std::optional<field_value> v = f.find(line, scratch);
            const std::optional<std::string_view> expected = reference(line, n);
            REQUIRE(v.has_value() == expected.has_value());
            if (expected) {
                CHECK(v->text == *expected);
                CHECK(f.find_text(line, scratch) == expected); // the text alone, for keys
            }
        }
    }
}

TEST_CASE("find_text gives the text find gives, for every form of FIELD", "[field_ref]") {
    field_scratch scratch;
    const std::string_view json = R"({"host":"web-1","ms":12})";
    CHECK(field_ref::parse(".host").find_text(json, scratch) == "web-1");
    CHECK(field_ref::parse(".ms").find_text(json, scratch, true) == "12");
    CHECK(field_ref::parse(".nope").find_text(json, scratch) == std::nullopt);
    CHECK(field_ref::parse("user").find_text("a=1 user=\"x y\"", scratch) == "x y");
    CHECK(field_ref::parse("@host").find_text("<13>1 2026-11-23T10:00:00Z web-2 app - - - hi", scratch) == "web-2");
}

// ---- JSON ---------------------------------------------------------------------------

TEST_CASE("a JSON path finds values in a JSON object line", "[field_ref][json]") {
    constexpr std::string_view line =
        R"({"ts":"2026-11-23T10:15:32Z","level":"error","status":503,"req":{"path":"/api","headers":{"x-id":"7"}},)"
        R"("tags":["a","b",{"c":[10,20,30]}],"ok":false,"user":null,"odd key":{"b c":[1,2,{"d":"deep"}]}})";
    CHECK(text_of(".level", line) == "error");
    CHECK(text_of(".status", line) == "503");
    CHECK(text_of(".req.path", line) == "/api");
    CHECK(text_of(".req.headers.x-id", line) == "7");
    CHECK(text_of(".tags[0]", line) == "a");
    CHECK(text_of(".tags[1]", line) == "b");
    CHECK(text_of(".tags[2].c[2]", line) == "30");
    CHECK(text_of(".tags[3]", line) == "<none>");
    CHECK(text_of(R"(."odd key"."b c"[2].d)", line) == "deep");
    CHECK_THROWS_AS(field_ref::parse(R"(.["odd key"])"), coropipe::syntax_error); // a path starts with .key
    CHECK(text_of(R"(."odd key"["b c"][0])", line) == "1");
    CHECK(text_of(".ok", line) == "false");
    CHECK(text_of(".user", line) == "null");
    CHECK(text_of(".req", line) == R"({"path":"/api","headers":{"x-id":"7"}})");
    CHECK(text_of(".tags[2]", line) == R"({"c":[10,20,30]})");
    CHECK(text_of(".tags", line) == R"(["a","b",{"c":[10,20,30]}])");
    CHECK(text_of(".missing", line) == "<none>");
    CHECK(text_of(".level.x", line) == "<none>"); // not an object
    CHECK(text_of(".req[0]", line) == "<none>");  // not an array
}

TEST_CASE("JSON values come with their kind", "[field_ref][json]") {
    constexpr std::string_view line = R"({"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,"o":{},"a":[],"q":"42"})";
    CHECK(kind_of(".s", line) == field_kind::string);
    CHECK(kind_of(".n", line) == field_kind::number);
    CHECK(kind_of(".t", line) == field_kind::boolean);
    CHECK(kind_of(".f", line) == field_kind::boolean);
    CHECK(kind_of(".z", line) == field_kind::null);
    CHECK(kind_of(".o", line) == field_kind::object);
    CHECK(kind_of(".a", line) == field_kind::array);
    CHECK(kind_of(".q", line) == field_kind::string); // a JSON string is text, digits or not
}

TEST_CASE("JSON numbers keep their text and their exact value", "[field_ref][json]") {
    constexpr std::string_view line =
        R"({"big":12345678901234567890,"dec":1.50,"huge":123456789012345678901234567890123456789012345,"e":2E+3 })";
    field_scratch scratch;
    const std::optional<field_value> big = field_ref::parse(".big").find(line, scratch);
    REQUIRE(big);
    CHECK(big->text == "12345678901234567890");
    CHECK(big->numeric.to_string() == "12345678901234567890");
    CHECK(text_of(".dec", line) == "1.50");
    CHECK(text_of(".huge", line) == "123456789012345678901234567890123456789012345");
    CHECK(text_of(".e", line) == "2E+3");
}

TEST_CASE("JSON strings are unescaped, and plain ones are views into the line", "[field_ref][json]") {
    const std::string line = R"({"msg":"say \"hi\"\n\u00e9\ud83d\ude00","plain":"abc","path":"a\/b"})";
    CHECK(text_of(".msg", line) == "say \"hi\"\n\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(text_of(".path", line) == "a/b");
    field_scratch scratch;
    const std::optional<field_value> plain = field_ref::parse(".plain").find(line, scratch);
    REQUIRE(plain);
    CHECK(plain->text.data() >= line.data());
    CHECK(plain->text.data() + plain->text.size() <= line.data() + line.size());
}

TEST_CASE("JSON keys match whether or not the line escapes them", "[field_ref][json]") {
    CHECK(text_of(".level", R"({"le\u0076el":"warn"})") == "warn");
    CHECK(text_of(R"(."a\"b")", R"({"a\"b":1})") == "1");
    CHECK(text_of(R"(."a\\b")", R"({"a\\b":2})") == "2");
    CHECK(text_of(".ab", R"({"a\"b":1,"ab":3})") == "3");
    CHECK(text_of(R"(."a/b")", R"({"a\/b":4})") == "4");
    CHECK(text_of(".a", R"({"ab":1,"a":5})") == "5");      // a longer key is not the key
    CHECK(text_of(".ab", R"({"a":1,"ab":6})") == "6");     // nor a shorter one
    CHECK(text_of(".a", R"({"a\u0062":1,"a":7})") == "7"); // an escape that makes it longer
    CHECK(text_of(".a", R"({"a":8,"a":9})") == "8");       // duplicates: the first
    CHECK(text_of(".k", R"(  {  "k" :  "spaced"  }  )") == "spaced");
}

TEST_CASE("a line that is not a JSON object has no JSON field", "[field_ref][json][bad-input]") {
    const auto line = GENERATE(as<std::string>{}, "", "   ", "level=error", "[1,2]", R"("level")", "42", "null",
                               R"(x {"level":"e"})", "{", "}", R"({"level")", R"({"level":)", R"({"level":"e)",
                               R"({level:"e"})", R"({"level":'e'})", R"({"level" "e"})");
    CAPTURE(line);
    CHECK(text_of(".level", line) == "<none>");
}

TEST_CASE("a JSON line cut short has no JSON fields", "[field_ref][json][bad-input]") {
    // simdjson checks that a root object ends with its '}' (and rejects an
    // unclosed string in its first pass), as jq rejects such a line.
    CHECK(text_of(".level", R"({"level":"error","status":500,"msg":"connection re)") == "<none>");
    CHECK(text_of(".level", R"({"level":"error","status":500,"req":{"path":"/a")") == "<none>");
    CHECK(text_of(".level", R"({"level":"error","status":500,)") == "<none>");
    CHECK(text_of(".level", R"({"level":"error"} trailing)") == "<none>");
    CHECK(text_of(".level", R"({"level":"error"}  )") == "error");
}

TEST_CASE("malformed JSON values are no values", "[field_ref][json][bad-input]") {
    CHECK(text_of(".n", R"({"n":12abc})") == "<none>");
    CHECK(text_of(".t", R"({"t":tru})") == "<none>");
    CHECK(text_of(".z", R"({"z":nul})") == "<none>");
    CHECK(text_of(".n", R"({"n":-})") == "<none>");
    CHECK(text_of(".b", R"({"a":1 "b":2})") == "<none>");
    CHECK(text_of(".a", R"({"a":1,"a":})") == "1");
    // On-Demand skips containers by counting brackets of either kind.
    CHECK(text_of(".a[0]", R"({"a":[[[[[[[[[[1]]]]true]]]{]]})") == "<none>");
    CHECK(text_of(".a", R"({"a":[1},"b":2]})") == "<none>");
    CHECK(text_of(".a", R"({"a":{"s":"]}"}})") == R"({"s":"]}"})");
}

TEST_CASE("10,000 levels of nesting are skipped or refused, never a crash", "[field_ref][json][bad-input]") {
    const std::string deep_array = std::string(10000, '[') + std::string(10000, ']');
    std::string deep_object;
    for (int i = 0; i < 10000; ++i) {
        deep_object += R"({"a":)";
    }
    deep_object += "1" + std::string(10000, '}');
    CHECK(text_of(".b", R"({"a":)" + deep_array + R"(,"b":"after"})") == "after");
    CHECK(text_of(".b", R"({"a":)" + deep_object + R"(,"b":"after"})") == "after");
    CHECK(text_of(".a[0][0][0]", R"({"a":)" + deep_array + "}") == deep_array.substr(3, 19994));
    CHECK(text_of(".a.a.a.a", deep_object) == deep_object.substr(20, deep_object.size() - 24));
    const std::string unclosed = R"({"a":)" + std::string(10000, '[');
    CHECK(text_of(".a", unclosed) == "<none>");
    CHECK(text_of(".b", unclosed) == "<none>");
}

TEST_CASE("invalid UTF-8 and NUL bytes in a JSON line are no crash", "[field_ref][json][bad-input]") {
    // simdjson validates UTF-8 over the whole line first: such a line is not JSON.
    CHECK(text_of(".a", "{\"a\":\"x\",\"b\":\"\xff\xfe\"}") == "<none>");
    CHECK(text_of(".a", "{\"a\":\"\xc3\x28\"}") == "<none>");
    const std::string nul("{\"a\":\"x\0y\",\"b\":1}", 17);
    (void)text_of(".a", nul); // a control byte in a string: whatever simdjson says, no crash
    CHECK(text_of(".b", std::string("{\"b\":1}\0garbage", 15)) == "<none>");
    CHECK(text_of(".b", std::string("\0{\"b\":1}", 8)) == "<none>");
}

TEST_CASE("one scratch serves lines of any size, one after the other", "[field_ref][json][scratch]") {
    const field_ref level = field_ref::parse(".level");
    field_scratch scratch;
    std::string big = R"({"pad":")" + std::string(1 << 20, 'x') + R"(","level":"big"})";
    for (int i = 0; i < 3; ++i) {
        std::optional<field_value> v = level.find(R"({"level":"small"})", scratch);
        REQUIRE(v);
        CHECK(v->text == "small");
        v = level.find(big, scratch);
        REQUIRE(v);
        CHECK(v->text == "big");
    }
    // A copy of a scratch is a fresh one that works.
    field_scratch copy = scratch;
    CHECK(level.find(R"({"level":"copy"})", copy)->text == "copy");
}

TEST_CASE("find_in_same_line walks the parsed line again, and parses a new one", "[field_ref][json][scratch]") {
    const field_ref a = field_ref::parse(".a");
    const field_ref b = field_ref::parse(".b.c");
    const field_ref missing = field_ref::parse(".zz");
    field_scratch scratch;
    const std::string line1 = R"({"a":"one","b":{"c":2}})";
    const std::string line2 = R"({"a":"two","b":{"c":3}})";
    CHECK(a.find(line1, scratch)->text == "one");
    CHECK(b.find_in_same_line(line1, scratch)->text == "2");
    CHECK_FALSE(missing.find_in_same_line(line1, scratch));
    CHECK(a.find_in_same_line(line1, scratch)->text == "one"); // after a miss: parsed again
    CHECK(b.find_in_same_line(line2, scratch)->text == "3");   // another line: parsed
    CHECK(a.find_in_same_line(line2, scratch)->text == "two");
}

// ---- syslog ----------------------------------------------------------------------

TEST_CASE("@ fields read the syslog header of a line with <PRI>", "[field_ref][syslog]") {
    constexpr std::string_view rfc5424 =
        R"(<156>1 2026-11-23T12:31:57.976670+00:00 vm myapp 4242 - [timeQuality tzKnown="1"] hello world)";
    CHECK(text_of("@host", rfc5424) == "vm");
    CHECK(text_of("@app", rfc5424) == "myapp");
    CHECK(text_of("@pid", rfc5424) == "4242");
    CHECK(text_of("@severity", rfc5424) == "warning");
    CHECK(text_of("@facility", rfc5424) == "local3");
    CHECK(text_of("@time", rfc5424) == "2026-11-23T12:31:57.976670+00:00");
    CHECK(text_of("@msg", rfc5424) == "hello world");
    CHECK(kind_of("@pid", rfc5424) == field_kind::number);
    CHECK(kind_of("@severity", rfc5424) == field_kind::string);

    constexpr std::string_view rfc3164 = "<11>Nov 23 12:31:58 vm myapp: hello 3164";
    CHECK(text_of("@host", rfc3164) == "vm");
    CHECK(text_of("@app", rfc3164) == "myapp");
    CHECK(text_of("@pid", rfc3164) == "<none>");
    CHECK(text_of("@severity", rfc3164) == "err");
    CHECK(text_of("@facility", rfc3164) == "user");
    CHECK(text_of("@msg", rfc3164) == "hello 3164");
}

// Lines in the forms of the LogHub samples (written for this test).
TEST_CASE("@ fields read the header of log-file lines without <PRI>", "[field_ref][syslog]") {
    SECTION("Linux syslog: app(module)[pid]") {
        constexpr std::string_view line = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; "
                                          "logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4";
        CHECK(text_of("@time", line) == "Jun 14 15:16:01");
        CHECK(text_of("@host", line) == "combo");
        CHECK(text_of("@app", line) == "sshd(pam_unix)");
        CHECK(text_of("@pid", line) == "19939");
        CHECK(text_of("@msg", line).starts_with("authentication failure;"));
        CHECK(text_of("@severity", line) == "<none>");
        CHECK(text_of("@facility", line) == "<none>");
        CHECK(text_of("rhost", line) == "218.188.2.4"); // and logfmt keys in the message
    }
    SECTION("OpenSSH") {
        constexpr std::string_view line =
            "Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com "
            "[173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!";
        CHECK(text_of("@host", line) == "LabSZ");
        CHECK(text_of("@app", line) == "sshd");
        CHECK(text_of("@pid", line) == "24200");
        CHECK(text_of("@msg", line).starts_with("reverse mapping"));
    }
    SECTION("Mac: a padded day and a dotted app name") {
        constexpr std::string_view line = "Jul  1 09:01:05 calvisitor-10-105-160-95 com.apple.CDScheduler[43]: "
                                          "Thermal pressure state: 1 Memory pressure state: 0";
        CHECK(text_of("@time", line) == "Jul  1 09:01:05");
        CHECK(text_of("@host", line) == "calvisitor-10-105-160-95");
        CHECK(text_of("@app", line) == "com.apple.CDScheduler");
        CHECK(text_of("@pid", line) == "43");
    }
    SECTION("rsyslog's file format: an RFC 3339 timestamp") {
        constexpr std::string_view line = "2026-11-23T10:15:32.123Z web-14 nginx[812]: GET /api 200";
        CHECK(text_of("@time", line) == "2026-11-23T10:15:32.123Z");
        CHECK(text_of("@host", line) == "web-14");
        CHECK(text_of("@app", line) == "nginx");
        CHECK(text_of("@pid", line) == "812");
        CHECK(text_of("@msg", line) == "GET /api 200");
        CHECK(text_of("@time", "2026-11-23T10:15:32.123456+01:00 h a: m") == "2026-11-23T10:15:32.123456+01:00");
    }
    SECTION("no host before the tag") {
        constexpr std::string_view line = "Nov 23 10:15:32 kernel: Out of memory";
        CHECK(text_of("@host", line) == "<none>");
        CHECK(text_of("@app", line) == "kernel");
        CHECK(text_of("@msg", line) == "Out of memory");
    }
    SECTION("HDFS and other lines without a syslog header: only @msg, the whole line") {
        constexpr std::string_view hdfs = "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for "
                                          "block blk_38865049064139660 terminating";
        CHECK(text_of("@host", hdfs) == "<none>");
        CHECK(text_of("@app", hdfs) == "<none>");
        CHECK(text_of("@time", hdfs) == "<none>");
        CHECK(text_of("@msg", hdfs) == hdfs);
        constexpr std::string_view zookeeper =
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - "
            "Notification time out: 3200";
        CHECK(text_of("@app", zookeeper) == "<none>");
        CHECK(text_of("@msg", zookeeper) == zookeeper);
        CHECK(text_of("@app", "error: disk full") == "<none>"); // a word ending in ':' is no tag without a timestamp
        CHECK(text_of("@msg", "") == "");
    }
}

// ---- parse errors -----------------------------------------------------------------

TEST_CASE("field_ref::parse takes the four forms and keeps their text", "[field_ref][parse]") {
    CHECK(field_ref::parse("latency_ms").from() == field_ref::source::logfmt);
    CHECK(field_ref::parse("latency_ms").key() == "latency_ms");
    CHECK(field_ref::parse("http.status").key() == "http.status");
    CHECK(field_ref::parse("$12").column() == 12);
    CHECK(field_ref::parse(".a").from() == field_ref::source::json);
    CHECK(field_ref::parse("@pid").syslog() == field_ref::syslog_field::proc_id);
    CHECK(field_ref::parse(R"(.a."b c"[2].d)").text() == R"(.a."b c"[2].d)");
}

TEST_CASE("parse_prefix stops where the FIELD ends", "[field_ref][parse]") {
    std::size_t n = 0;
    CHECK(field_ref::parse_prefix("latency_ms>500", &n).key() == "latency_ms");
    CHECK(n == 10);
    CHECK(field_ref::parse_prefix(R"(.a."b c"[1] == 2)", &n).text() == R"(.a."b c"[1])");
    CHECK(n == 11);
    CHECK(field_ref::parse_prefix("$3)", &n).column() == 3);
    CHECK(n == 2);
    CHECK(field_ref::parse_prefix("@host~", &n).syslog() == field_ref::syslog_field::host_name);
    CHECK(n == 5);
}

TEST_CASE("a malformed FIELD is a syntax_error with its position and a hint", "[field_ref][parse][error]") {
    using row = std::tuple<std::string, std::size_t, std::string>; // text, position, part of the reason or hint
    const auto [text, position, words] = GENERATE(table<std::string, std::size_t, std::string>({
        row{"", 0, "empty"},
        row{"$0", 1, "numbered from 1"},
        row{"$", 1, "column number"},
        row{"$x", 1, "column number"},
        row{"$99999999999999999999999", 1, "too large"},
        row{"$3x", 2, "unexpected 'x'"},
        row{".", 1, "expected a key"},
        row{".a.", 3, "expected a key"},
        row{".[0]", 1, "start with a key"},
        row{".a[", 3, "expected an index"},
        row{".a[x]", 3, "expected an index"},
        row{".a[-1]", 3, "negative"},
        row{".a[1", 4, "expected ']'"},
        row{R"(."abc)", 1, "unterminated"},
        row{R"(."a\qb")", 3, "unknown escape"},
        row{".a b", 2, "unexpected ' '"},
        row{"@hots", 0, "did you mean @host"},
        row{"@Severity", 0, "did you mean @severity"},
        row{"@", 0, "the fields are @host @app"},
        row{"latency_ms=5", 10, "write the key alone"},
        row{"a b", 1, "no blank"},
    }));
    CAPTURE(text);
    const coropipe::syntax_error e = parse_error(text);
    CHECK(e.position() == position);
    const std::string all = e.reason() + " | " + e.hint();
    CHECK_THAT(all, Catch::Contains(words));
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("coropipe::field: "));
}

TEST_CASE("required_literals are the bytes any line with the field holds", "[field_ref][prefilter]") {
    using V = std::vector<std::string>;
    CHECK(field_ref::parse("latency_ms").required_literals() == V{"latency_ms="});
    CHECK(field_ref::parse(R"(.a."b c"[2].d)").required_literals() == V{R"("a")", R"("b c")", R"("d")"});
    CHECK(field_ref::parse(R"(."a/b".c)").required_literals() == V{R"("c")"});
    CHECK(field_ref::parse("$2").required_literals().empty());
    CHECK(field_ref::parse("@host").required_literals().empty());
}
