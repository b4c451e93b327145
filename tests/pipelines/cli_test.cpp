// Golden tests of the coropipe utility: the real binary, run as a child
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


const std::string log_text = "t=1 INFO start latency_ms=187\n"
                             "t=2 DEBUG poll latency_ms=12.5\n"
                             "t=3 ERROR failed latency_ms=250\n"
                             "t=4 INFO no latency here\n"
                             "t=5 ERROR again latency_ms=9\n";

/// The corpus of the equivalence tests, generated once.
const std::string& corpus_path() {
    static temp_dir dir;
    static const std::string path = [] {
        const process_result r = run_process({COROPIPE_GENLOG, "--seed", "3", "20000"});
        REQUIRE(r.status == 0);
        return dir.write("corpus.log", r.out);
    }();
    return path;
}

} // namespace

// ---- stages ------------------------------------------------------------------

TEST_CASE("coropipe grep passes the lines that contain the pattern", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"grep ERROR"}, log_text);
    CHECK(r.out == "t=3 ERROR failed latency_ms=250\nt=5 ERROR again latency_ms=9\n");
    CHECK(r.err.empty());
    CHECK(r.status == 0);
}

TEST_CASE("coropipe grep -v passes the lines that do not contain the pattern", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"grep -v latency_ms"}, log_text);
    CHECK(r.out == "t=4 INFO no latency here\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe grep -F is the plain substring search", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"grep -F 'ms=1'"}, log_text);
    CHECK(r.out == "t=1 INFO start latency_ms=187\nt=2 DEBUG poll latency_ms=12.5\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe prefix passes the lines that start with the string", "[pipelines][coropipe]") {
    CHECK(coropipe_stdin({"prefix t=3"}, log_text).out == "t=3 ERROR failed latency_ms=250\n");
    const process_result r = coropipe_stdin({"prefix -v t="}, "t=1\nx t=2\nt=3\n");
    CHECK(r.out == "x t=2\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe min prints the running minimum as a shortest number", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"min latency_ms"}, log_text);
    CHECK(r.out == "187\n12.5\n12.5\n9\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe min --final prints only the final minimum", "[pipelines][coropipe]") {
    CHECK(coropipe_stdin({"grep ERROR | min --final latency_ms"}, log_text).out == "9\n");
    CHECK(coropipe_stdin({"grep ERROR | min latency_ms"}, log_text).out == "250\n9\n");
}

TEST_CASE("coropipe max prints the running maximum, or only the final one", "[pipelines][coropipe]") {
    CHECK(coropipe_stdin({"max latency_ms"}, log_text).out == "187\n187\n250\n250\n");
    CHECK(coropipe_stdin({"max --final latency_ms"}, log_text).out == "250\n");
}

TEST_CASE("coropipe min and max take a column as $N", "[pipelines][coropipe]") {
    const std::string table = "a 3 x\nb 1.5 y\nc -2 z\nd\n";
    CHECK(coropipe_stdin({"min $2"}, table).out == "3\n1.5\n-2\n");
    CHECK(coropipe_stdin({"max --final $2"}, table).out == "3\n");
}

TEST_CASE("coropipe min over lines without the field outputs nothing and exits 1", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"min --final nothing"}, log_text);
    CHECK(r.out.empty());
    CHECK(r.status == 1);
}

TEST_CASE("coropipe numbers can be filtered further as text", "[pipelines][coropipe]") {
    CHECK(coropipe_stdin({"min latency_ms | head 2"}, log_text).out == "187\n12.5\n");
    CHECK(coropipe_stdin({"min latency_ms | grep 12"}, log_text).out == "12.5\n12.5\n");
}

TEST_CASE("coropipe head passes the first N lines", "[pipelines][coropipe]") {
    CHECK(coropipe_stdin({"head 2"}, log_text).out == "t=1 INFO start latency_ms=187\nt=2 DEBUG poll latency_ms=12.5\n");
    const process_result none = coropipe_stdin({"head 0"}, log_text);
    CHECK(none.out.empty());
    CHECK(none.status == 1);
}

TEST_CASE("coropipe print writes the lines, and it is the default last stage", "[pipelines][coropipe]") {
    CHECK(coropipe_stdin({"print"}, "a\nb\n").out == "a\nb\n");
    CHECK(coropipe_stdin({"grep b | print"}, "a\nb\n").out == "b\n");
    CHECK(coropipe_stdin({"grep b"}, "a\nb\n").out == "b\n");
}

TEST_CASE("coropipe composes several stages left to right", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"prefix t= | grep -v DEBUG | grep latency | head 2"}, log_text);
    CHECK(r.out == "t=1 INFO start latency_ms=187\nt=3 ERROR failed latency_ms=250\n");
}

// ---- inputs --------------------------------------------------------------------

TEST_CASE("coropipe reads the files in order as one stream", "[pipelines][coropipe]") {
    temp_dir dir;
    const std::string a = dir.write("a.log", "latency_ms=5\nlatency_ms=7\n");
    const std::string b = dir.write("b.log", "latency_ms=3\nlatency_ms=4\n");
    CHECK(run_coropipe({"print", a, b}).out == "latency_ms=5\nlatency_ms=7\nlatency_ms=3\nlatency_ms=4\n");
    // State carries across files: one running minimum, one head count.
    CHECK(run_coropipe({"min latency_ms", a, b}).out == "5\n5\n3\n3\n");
    CHECK(run_coropipe({"head 3", a, b}).out == "latency_ms=5\nlatency_ms=7\nlatency_ms=3\n");
}

TEST_CASE("coropipe reads standard input when no file or - is given", "[pipelines][coropipe]") {
    temp_dir dir;
    const std::string a = dir.write("a.log", "from a\n");
    CHECK(coropipe_stdin({"print"}, "from stdin\n").out == "from stdin\n");
    CHECK(coropipe_stdin({"print", a, "-", a}, "from stdin\n").out == "from a\nfrom stdin\nfrom a\n");
}

TEST_CASE("coropipe on empty input outputs nothing and exits 1", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"print"}, "");
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    CHECK(r.status == 1);
    CHECK(coropipe_stdin({"grep nothing-like-this"}, log_text).status == 1);
}

TEST_CASE("coropipe passes CRLF, NUL, invalid UTF-8 and a last line without newline unchanged",
          "[pipelines][coropipe]") {
    using namespace std::string_literals;
    const std::string input = "crlf\r\nnul\0byte\ninvalid \xff\xfe utf-8\ncaf\xc3\xa9\nno newline"s;
    const process_result r = coropipe_stdin({"print"}, input);
    CHECK(r.out == input + "\n");
    CHECK(coropipe_stdin({"grep -v crlf"}, input).out == "nul\0byte\ninvalid \xff\xfe utf-8\ncaf\xc3\xa9\nno newline\n"s);
    CHECK(coropipe_stdin({"grep newline"}, input).out == "no newline\n");
    CHECK(coropipe_stdin({"grep \xff"}, input).out == "invalid \xff\xfe utf-8\n");
}

// ---- options -------------------------------------------------------------------

TEST_CASE("coropipe -c prints only the number of output lines", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"-c", "grep ERROR"}, log_text);
    CHECK(r.out == "2\n");
    CHECK(r.status == 0);
    const process_result none = coropipe_stdin({"-c", "grep nothing-like-this"}, log_text);
    CHECK(none.out == "0\n");
    CHECK(none.status == 1);
}

TEST_CASE("coropipe -q prints nothing and answers with the exit status", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"-q", "grep ERROR"}, log_text);
    CHECK(r.out.empty());
    CHECK(r.status == 0);
    const process_result none = coropipe_stdin({"grep nothing-like-this", "-q"}, log_text);
    CHECK(none.out.empty());
    CHECK(none.status == 1);
    CHECK(coropipe_stdin({"-qc", "grep ERROR"}, log_text).out.empty());
}

TEST_CASE("coropipe --line-buffered writes the same output", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"--line-buffered", "grep ERROR"}, log_text);
    CHECK(r.out == "t=3 ERROR failed latency_ms=250\nt=5 ERROR again latency_ms=9\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe --help prints the usage and every stage", "[pipelines][coropipe]") {
    for (const char* option : {"-h", "--help"}) {
        const process_result r = run_coropipe({option});
        CHECK(r.status == 0);
        CHECK(r.out.starts_with("usage: coropipe [OPTIONS]"));
        for (const char* stage : {"grep", "prefix", "min", "max", "head", "print"}) {
            CHECK(r.out.find(std::string("\n") + stage + " ") != std::string::npos);
        }
    }
}

TEST_CASE("coropipe help STAGE prints the stage's usage", "[pipelines][coropipe]") {
    const process_result r = run_coropipe({"help", "head"});
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("usage: head N\n"));
    CHECK(run_coropipe({"help"}).out.find("usage: coropipe") != std::string::npos);
}

TEST_CASE("coropipe help with an unknown stage suggests one and exits 2", "[pipelines][coropipe]") {
    const process_result r = run_coropipe({"help", "gerp"});
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: unknown stage 'gerp'; did you mean 'grep'?\n");
    CHECK(r.status == 2);
}

TEST_CASE("coropipe --version prints the project version", "[pipelines][coropipe]") {
    const process_result r = run_coropipe({"--version"});
    CHECK(r.out == "coropipe 0.1.0\n");
    CHECK(r.status == 0);
}

// -f and --follow: tests/pipelines/follow_test.cpp.

TEST_CASE("coropipe rejects an unknown option with exit 2", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"-x", "print"}, "a\n");
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: unknown option '-x' (see coropipe --help)\n"
                   "coropipe: a stage's options go inside the quoted pipeline text, after the stage's name, as in: "
                   "coropipe 'grep -i error' app.log\n");
    CHECK(r.status == 2);
    CHECK(run_coropipe({"--bogus", "print"}).err == "coropipe: unknown option '--bogus' (see coropipe --help)\n");
}

TEST_CASE("coropipe given a stage's option before the pipeline says where options go", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"-i", "grep x"}, "x\n");
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: unknown option '-i' (see coropipe --help)\n"
                   "coropipe: a stage's options go inside the quoted pipeline text, after the stage's name, as in: "
                   "coropipe 'grep -i error' app.log\n");
    CHECK(r.status == 2);
}

TEST_CASE("coropipe given an unquoted pipeline shows the command line with it quoted, reading nothing",
          "[pipelines][coropipe]") {
    const process_result r = run_coropipe({"grep", "error", "app.log"});
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: grep: missing PATTERN at column 5\ngrep\n    ^\n"
                   "coropipe: quote the whole pipeline as one argument: coropipe 'grep error' app.log\n");
    CHECK(r.status == 2);
    const process_result two = run_coropipe({"grep", "debug", "|", "head", "3", "a.log", "b log"});
    CHECK(two.err.ends_with("coropipe: quote the whole pipeline as one argument: "
                            "coropipe 'grep debug | head 3' a.log 'b log'\n"));
    CHECK(two.status == 2);
    // no hint when no join of the words makes a pipeline
    CHECK(run_coropipe({"grep"}).err == "coropipe: grep: missing PATTERN at column 5\ngrep\n    ^\n");
}

TEST_CASE("coropipe host and app read log-file lines without <PRI>", "[pipelines][coropipe]") {
    const std::string text = "Dec  1 10:00:00 web-1 nginx[123]: hello\n"
                             "Dec  1 10:00:01 web-2 sshd[9]: login\n"
                             "<13>Dec  1 10:00:02 web-1 sshd[9]: with pri\n"
                             "no header at all\n";
    CHECK(coropipe_stdin({"host web-1"}, text).out ==
          "Dec  1 10:00:00 web-1 nginx[123]: hello\n<13>Dec  1 10:00:02 web-1 sshd[9]: with pri\n");
    CHECK(coropipe_stdin({"app sshd | host web-2"}, text).out == "Dec  1 10:00:01 web-2 sshd[9]: login\n");
    CHECK(coropipe_stdin({"app nginx | print '{@host} {@pid}'"}, text).out == "web-1 123\n");
}

TEST_CASE("coropipe without a pipeline text is an error", "[pipelines][coropipe]") {
    const process_result r = run_coropipe({});
    CHECK(r.err == "coropipe: missing pipeline text (see coropipe --help)\n");
    CHECK(r.status == 2);
}

TEST_CASE("coropipe -- ends the options", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"--", "print", "-q"}, "a\n");
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: -q: No such file or directory\n");
    CHECK(r.status == 2);
}

// ---- errors --------------------------------------------------------------------

TEST_CASE("coropipe reports an unknown stage with a suggestion and a caret, reading nothing",
          "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"grep ERROR | mni latency_ms"}, log_text);
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: unknown stage 'mni' at column 14; did you mean 'min'?\n"
                   "grep ERROR | mni latency_ms\n"
                   "             ^\n");
    CHECK(r.status == 2);
}

TEST_CASE("coropipe reports a bad head argument with a caret", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"head abc"}, log_text);
    CHECK(r.out.empty());
    CHECK(r.err == "coropipe: head: 'abc' is not a number at column 6\nhead abc\n     ^\n");
    CHECK(r.status == 2);
}

TEST_CASE("coropipe does not open any file when the pipeline text is bad", "[pipelines][coropipe]") {
    const process_result r = run_coropipe({"head abc", "/nonexistent/coropipe-test"});
    CHECK(r.err.find("/nonexistent") == std::string::npos);
    CHECK(r.status == 2);
}

TEST_CASE("coropipe reports an unreadable file, reads the others and exits 2", "[pipelines][coropipe]") {
    temp_dir dir;
    const std::string a = dir.write("a.log", "ERROR a\n");
    const std::string b = dir.write("b.log", "ERROR b\n");
    const std::string missing = dir.path("missing.log");
    const process_result r = run_coropipe({"grep ERROR", a, missing, b, dir.path("")});
    CHECK(r.out == "ERROR a\nERROR b\n");
    CHECK(r.err == "coropipe: " + missing + ": No such file or directory\n" + "coropipe: " + dir.path("") +
                       ": Is a directory\n");
    CHECK(r.status == 2);
}

TEST_CASE("coropipe count, sum and avg print running values, or the final one", "[pipelines][coropipe]") {
    const std::string in = "x=2\nnone\nx=4\nx=9\n";
    CHECK(coropipe_stdin({"count"}, in).out == "1\n2\n3\n4\n");
    CHECK(coropipe_stdin({"count --final"}, in).out == "4\n");
    CHECK(coropipe_stdin({"sum x"}, in).out == "2\n6\n15\n");
    CHECK(coropipe_stdin({"sum --final x"}, in).out == "15\n");
    CHECK(coropipe_stdin({"avg --final x"}, in).out == "5\n");
    CHECK(coropipe_stdin({"grep nothing | count --final"}, in).out == "0\n");
}

TEST_CASE("coropipe uniq drops adjacent repeated lines", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"uniq"}, "a\na\nb\na\na\n");
    CHECK(r.out == "a\nb\na\n");
    CHECK(r.status == 0);
}

TEST_CASE("coropipe tee writes the lines to a file and passes them on", "[pipelines][coropipe]") {
    temp_dir dir;
    const std::string out = dir.path("copy.txt");
    const process_result r = coropipe_stdin({"grep a | tee " + out + " | head 1"}, "a1\nb\na2\n");
    CHECK(r.out == "a1\n");
    CHECK(r.status == 0);
    const process_result copy = run_process({"cat", out});
    CHECK(copy.out.starts_with("a1\n"));
}

TEST_CASE("coropipe tee to a file it cannot open is an error before reading", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"tee /nonexistent/dir/out.txt"}, "a\n");
    CHECK(r.out.empty());
    CHECK(r.err.find("/nonexistent/dir/out.txt") != std::string::npos);
    CHECK(r.status == 2);
}

TEST_CASE("coropipe grep -E with an invalid regex points at its bad byte", "[pipelines][coropipe]") {
    const process_result r = coropipe_stdin({"grep -E '(a+'"}, "a\n");
    CHECK(r.err.find("invalid regex") != std::string::npos);
    CHECK(r.err.find("\n         ^\n") != std::string::npos); // under the '(', inside the quotes
    CHECK(r.status == 2);
}

// print FORMAT: tests/pipelines/print_format_test.cpp.

TEST_CASE("coropipe print must be the last stage", "[pipelines][coropipe]") {
    const process_result middle = coropipe_stdin({"print | grep a"}, "a\n");
    CHECK(middle.err == "coropipe: print: must be the last stage at column 1\nprint | grep a\n^\n");
    CHECK(middle.status == 2);
}

TEST_CASE("coropipe ends quietly with 0 when the reader closes the output pipe", "[pipelines][coropipe]") {
    run_options options;
    options.close_out_after_line = true;
    const process_result r = run_coropipe({"print", corpus_path(), corpus_path()}, options);
    CHECK(r.out.find('\n') != std::string::npos);
    CHECK(r.err.empty());
    CHECK(r.status == 0);
}

TEST_CASE("coropipe reports another write error with exit 2", "[pipelines][coropipe]") {
    run_options options;
    options.input = "a\n";
    options.out_file = "/dev/full";
    const process_result r = run_coropipe({"print"}, options);
    CHECK(r.err == "coropipe: write error: No space left on device\n");
    CHECK(r.status == 2);
    CHECK(run_coropipe({"--version"}, options).status == 2);
}

// ---- equivalence with GNU grep -------------------------------------------------

TEST_CASE("coropipe grep and prefix select the same lines as GNU grep", "[pipelines][coropipe]") {
    const std::string& corpus = corpus_path();
    struct pair {
        std::vector<std::string> grep;
        std::string coropipe;
    };
    const std::vector<pair> pairs = {
        {{"grep", "-F", "ERROR"}, "grep ERROR"},
        {{"grep", "-F", "-v", "INFO"}, "grep -v INFO"},
        {{"grep", "-F", "latency_ms=18"}, "grep -F latency_ms=18"},
        {{"grep", "-F", "caf\xc3\xa9"}, "grep caf\xc3\xa9"},
        {{"grep", "-F", "\t"}, "grep '\t'"},
        {{"grep", "-F", "no such text anywhere"}, "grep 'no such text anywhere'"},
        {{"grep", "^2026-11-23T10:1"}, "prefix 2026-11-23T10:1"},
        {{"grep", "-i", "-F", "error"}, "grep -i error"},
        {{"grep", "-E", "ERROR|FATAL"}, "grep -E 'ERROR|FATAL'"},
        {{"grep", "-E", "latency_ms=[0-9]{4,}"}, "grep -E 'latency_ms=[0-9]{4,}'"},
        {{"grep", "-E", "-i", "^2026-11-23t10:[0-2].*db-0[0-5]"}, "grep -E -i '^2026-11-23t10:[0-2].*db-0[0-5]'"},
        {{"grep", "-v", "^2026-11-23T10:0"}, "prefix -v 2026-11-23T10:0"},
    };
    for (const pair& p : pairs) {
        INFO(p.coropipe);
        std::vector<std::string> grep_args = p.grep;
        grep_args.push_back(corpus);
        const process_result expected = run_process(grep_args);
        const process_result actual = run_coropipe({p.coropipe, corpus});
        CHECK(actual.out.size() == expected.out.size());
        CHECK(actual.out == expected.out);
        CHECK(actual.status == expected.status);
        CHECK(actual.err.empty());
    }
}

TEST_CASE("coropipe uniq matches GNU uniq on the corpus's levels", "[pipelines][coropipe]") {
    // Columns through awk would need a field stage; compare uniq on whole lines
    // of a corpus with repeats: the corpus concatenated with itself, sorted.
    temp_dir dir;
    const process_result sorted = run_process({"sort", corpus_path()});
    REQUIRE(sorted.status == 0);
    const std::string path = dir.write("sorted.log", sorted.out + sorted.out);
    const process_result resorted = run_process({"sort", path});
    const std::string doubled = dir.write("doubled.log", resorted.out);
    const process_result expected = run_process({"uniq", doubled});
    const process_result actual = run_coropipe({"uniq", doubled});
    CHECK(actual.out == expected.out);
}

TEST_CASE("coropipe -c counts the same lines as grep -c", "[pipelines][coropipe]") {
    const process_result expected = run_process({"grep", "-c", "-F", "WARN", corpus_path()});
    const process_result actual = run_coropipe({"-c", "grep WARN", corpus_path()});
    CHECK(actual.out == expected.out);
    CHECK(actual.status == expected.status);
}
