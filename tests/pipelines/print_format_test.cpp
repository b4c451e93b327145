// Golden tests of `coropipe 'print FORMAT'`: the real binary, run as a child
// process with real files and pipes.

#include "child_process.hpp"
#include "run_coropipe.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <unistd.h>

using coropipe::test::process_result;
using coropipe::test::run_options;
using coropipe::test::run_process;
using coropipe::test::coropipe_stdin;
using coropipe::test::run_coropipe;
using coropipe::test::temp_dir;

namespace {


const std::string log_text = "2026-11-23T10:00:01Z web-1 INFO served host=web-1 latency_ms=187 user=u7\n"
                             "2026-11-23T10:00:02Z db-2 ERROR failed latency_ms=12.5\n"
                             "2026-11-23T10:00:03Z web-3 INFO no latency here user=u9\n";

// An error on stderr: the message, the pipeline text and a caret under `column`
// (1-based), as coropipe draws them.
std::string error_with_caret(const std::string& message, const std::string& text, std::size_t column) {
    return message + "\n" + text + "\n" + std::string(column - 1, ' ') + "^\n";
}

} // namespace

TEST_CASE("coropipe print FORMAT fills in fields, columns and the line", "[pipelines][print_format]") {
    const process_result r = coropipe_stdin({"print '{$2} {latency_ms}ms user={user} [{$3}]'"}, log_text);
    CHECK(r.out == "web-1 187ms user=u7 [INFO]\n"
                   "db-2 12.5ms user= [ERROR]\n"
                   "web-3 ms user=u9 [INFO]\n");
    CHECK(r.err.empty());
    CHECK(r.status == 0);
    CHECK(coropipe_stdin({"print '> {}'"}, "a b\n\nc\n").out == "> a b\n> \n> c\n");
}

TEST_CASE("coropipe print FORMAT writes a missing field or column as nothing", "[pipelines][print_format]") {
    const process_result r = coropipe_stdin({"print '<{nothing}|{$9}>'"}, log_text);
    CHECK(r.out == "<|>\n<|>\n<|>\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe print FORMAT writes {{ and }} as braces and keeps other bytes", "[pipelines][print_format]") {
    CHECK(coropipe_stdin({"print '{{{$1}}} \\t {}'"}, "x y\n").out == "{x} \\t x y\n");
    // Double quotes in the pipeline text make \t a tab.
    CHECK(coropipe_stdin({"print \"{$2}\\t{$1}\""}, "x y\n").out == "y\tx\n");
    CHECK(coropipe_stdin({"print ''"}, "x\ny\n").out == "\n\n");
}

TEST_CASE("coropipe print FORMAT keeps a CRLF line's CR in {} but not in a field", "[pipelines][print_format]") {
    CHECK(coropipe_stdin({"print '{n}|{$2}|{}'"}, "a n=1\r\n").out == "1|n=1|a n=1\r\n");
}

TEST_CASE("coropipe print FORMAT formats what the stages before it output", "[pipelines][print_format]") {
    CHECK(coropipe_stdin({"grep ERROR | print '{$2}: {latency_ms}'"}, log_text).out == "db-2: 12.5\n");
    CHECK(coropipe_stdin({"min latency_ms | print 'min so far: {}'"}, log_text).out ==
          "min so far: 187\nmin so far: 12.5\n");
    CHECK(coropipe_stdin({"count --final | print '{} lines'"}, log_text).out == "3 lines\n");
    CHECK(coropipe_stdin({"head 1 | print {user}"}, log_text).out == "u7\n");
}

TEST_CASE("coropipe print FORMAT outputs one line per input, for -c and -q too", "[pipelines][print_format]") {
    const process_result counted = coropipe_stdin({"-c", "print {nothing}"}, log_text);
    CHECK(counted.out == "3\n");
    CHECK(counted.status == 0);
    const process_result none = coropipe_stdin({"grep zzz | print {}"}, log_text);
    CHECK(none.out.empty());
    CHECK(none.status == 1);
    CHECK(coropipe_stdin({"-q", "print {}"}, log_text).status == 0);
}

TEST_CASE("coropipe print FORMAT reads files like any pipeline", "[pipelines][print_format]") {
    temp_dir dir;
    const std::string a = dir.write("a.log", "k=1\nk=2\n");
    const std::string b = dir.write("b.log", "k=3");
    const process_result r = run_coropipe({"print k{k}", a, b});
    CHECK(r.out == "k1\nk2\nk3\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe print FORMAT matches awk on the corpus", "[pipelines][print_format]") {
    temp_dir dir;
    const process_result corpus = run_process({COROPIPE_GENLOG, "--seed", "5", "20000"});
    REQUIRE(corpus.status == 0);
    const std::string path = dir.write("corpus.log", corpus.out);
    // A key=value field is the rest of the first whitespace field that starts
    // with key=: coropipe's rule, for a corpus without CR (it has tabs and
    // UTF-8, and keys that end in others' names, like code= and user=).
    const std::string awk_field = "function field(key,   i) { for (i = 1; i <= NF; i++) "
                                  "if (index($i, key \"=\") == 1) return substr($i, length(key) + 2); return \"\" } ";
    const process_result expected = run_process(
        {"awk",
         awk_field +
             "{ print $2 \" \" $4 \" ms=\" field(\"latency_ms\") \" {\" field(\"user\") \"} \" field(\"code\") }",
         path});
    REQUIRE(expected.status == 0);
    const process_result actual = run_coropipe({"print '{$2} {$4} ms={latency_ms} {{{user}}} {code}'", path});
    CHECK(actual.out.size() == expected.out.size());
    CHECK(actual.out == expected.out);
    CHECK(actual.status == 0);
    CHECK(actual.err.empty());
}

// ---- errors: before any input is read, exit 2, a caret at the spot -------------

TEST_CASE("coropipe print FORMAT with an unterminated brace points at it", "[pipelines][print_format]") {
    const process_result r = run_coropipe({"print 'took {latency_ms ms'", "/nonexistent/never-opened.log"});
    CHECK(r.out.empty());
    CHECK(r.err == error_with_caret("coropipe: print: unterminated '{' at column 13; write {{ for a literal {",
                                    "print 'took {latency_ms ms'", 13));
    CHECK(r.status == 2);
}

TEST_CASE("coropipe print FORMAT with a single closing brace points at it", "[pipelines][print_format]") {
    const process_result r = coropipe_stdin({"grep x | print a}b"}, "x\n");
    CHECK(r.out.empty());
    CHECK(r.err == error_with_caret("coropipe: print: single '}' at column 17; write }} for a literal }",
                                    "grep x | print a}b", 17));
    CHECK(r.status == 2);
}

TEST_CASE("coropipe print FORMAT with a bad column or name points at it", "[pipelines][print_format]") {
    const process_result column = coropipe_stdin({"print '{$1} {$0}'"}, "x\n");
    CHECK(column.err == error_with_caret("coropipe: print: bad column '$0' at column 14; columns are {$1}, {$2}, ...",
                                         "print '{$1} {$0}'", 14));
    CHECK(column.status == 2);
    const process_result name = coropipe_stdin({"print \"a\\tb {a b}\""}, "x\n");
    // The text after the lexer is "a<TAB>b {a b}"; the caret is under the
    // name in the pipeline text, past the two bytes of the \t escape.
    CHECK(name.err == error_with_caret("coropipe: print: bad field name 'a b' at column 14; a name has no blank or '='",
                                       "print \"a\\tb {a b}\"", 14));
    CHECK(name.status == 2);
    const process_result nested = coropipe_stdin({"print {a{b}"}, "x\n");
    CHECK(nested.err == error_with_caret("coropipe: print: '{' in a placeholder at column 9; write {{ for a literal {",
                                         "print {a{b}", 9));
}

TEST_CASE("coropipe help print describes FORMAT", "[pipelines][print_format]") {
    const process_result r = run_coropipe({"help", "print"});
    CHECK(r.out.find("usage: print [FORMAT]\n") == 0);
    CHECK(r.out.find("{key}") != std::string::npos);
    CHECK(r.out.find("{$N}") != std::string::npos);
    CHECK(r.status == 0);
}
