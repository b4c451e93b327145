// Tests of coropipe-genlog, the log corpus of the tests and benchmarks: the
// real program, run as a child process.

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using coropipe::test::process_result;
using coropipe::test::run_options;
using coropipe::test::run_process;
using coropipe::test::temp_dir;

namespace {

process_result genlog(std::vector<std::string> args, const run_options& options = {}) {
    args.insert(args.begin(), COROPIPE_GENLOG);
    return run_process(args, options);
}

const std::string coropipe_program = COROPIPE_BINARY_DIR "/pipelines/coropipe";

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        REQUIRE(end != std::string_view::npos);
        lines.push_back(text.substr(0, end));
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::size_t count_containing(const std::vector<std::string_view>& lines, std::string_view needle) {
    return static_cast<std::size_t>(
        std::count_if(lines.begin(), lines.end(), [needle](std::string_view l) { return l.find(needle) != l.npos; }));
}

} // namespace

TEST_CASE("coropipe-genlog writes the same bytes for a seed, and others for another seed", "[pipelines][genlog]") {
    for (const char* format : {"plain", "logfmt", "json", "rfc3164", "rfc5424"}) {
        INFO(format);
        const process_result a = genlog({"--format", format, "--seed", "42", "3000"});
        const process_result b = genlog({"--seed=42", "--format=" + std::string(format), "3000"});
        const process_result other = genlog({"--format", format, "--seed", "43", "3000"});
        CHECK(a.status == 0);
        CHECK(a.err.empty());
        CHECK(lines_of(a.out).size() == 3000);
        CHECK(a.out == b.out);
        CHECK(a.out != other.out);
    }
}

TEST_CASE("coropipe-genlog's lines for seed 1 are these, on every machine", "[pipelines][genlog]") {
    // Pinned: a change here changes every corpus the tests and benchmarks use.
    CHECK(genlog({"--seed", "1", "3"}).out ==
          "2026-11-23T10:00:00.520Z db-02 nginx[61117]: INFO user login ok latency_ms=4 user=u9572\n"
          "2026-11-23T10:00:00.599Z web-14 nginx[22922]: WARN request served path=/v1/items/49135 latency_ms=52 "
          "user=u4044 status=404\n"
          "2026-11-23T10:00:00.751Z web-07 auth[54884]: ERROR request served path=/v1/items/88124 latency_ms=17 "
          "user=u3840 status=500\n");
    CHECK(genlog({"--format", "json", "--seed", "1", "3"}).out ==
          R"({"time":"2026-11-23T10:00:00.520Z","host":"db-02","app":"nginx","pid":61117,"level":"INFO",)"
          R"("msg":"user login ok","latency_ms":4,"user":"u9572"})"
          "\n"
          R"({"time":"2026-11-23T10:00:00.599Z","host":"web-14","app":"nginx","pid":22922,"level":"WARN",)"
          R"("msg":"request served path=/v1/items/49135","latency_ms":52,"user":"u4044",)"
          R"("http":{"status":404,"path":"/v1/items/49135"}})"
          "\n"
          R"({"time":"2026-11-23T10:00:00.751Z","host":"web-07","app":"auth","pid":54884,"level":"ERROR",)"
          R"("msg":"request served path=/v1/items/88124","latency_ms":17,"user":"u3840",)"
          R"("http":{"status":500,"path":"/v1/items/88124"}})"
          "\n");
    CHECK(genlog({"--format", "rfc3164", "--seed", "1", "1"}).out ==
          "<158>Nov 23 10:00:00 db-02 nginx[61117]: INFO user login ok latency_ms=4 user=u9572\n");
    CHECK(genlog({"--format", "rfc5424", "--seed", "1", "1"}).out ==
          "<158>1 2026-11-23T10:00:00.520Z db-02 nginx 61117 - - INFO user login ok latency_ms=4 user=u9572\n");
    CHECK(genlog({"--format", "logfmt", "--seed", "1", "1"}).out ==
          "time=2026-11-23T10:00:00.520Z host=db-02 app=nginx pid=61117 level=INFO msg=\"user login ok\" "
          "latency_ms=4 user=u9572\n");
}

TEST_CASE("coropipe-genlog writes the same records in every format", "[pipelines][genlog]") {
    temp_dir dir;
    std::vector<std::string> args = {"python3", COROPIPE_SOURCE_DIR "/tests/pipelines/genlog_formats.py"};
    for (const char* format : {"plain", "logfmt", "json", "rfc3164", "rfc5424"}) {
        const process_result r = genlog({"--format", format, "--seed", "9", "30000"});
        REQUIRE(r.status == 0);
        args.push_back(dir.write(std::string(format) + ".log", r.out));
    }
    // Python parses each format on its own (JSON with its json module) and
    // compares the records line by line.
    const process_result check = run_process(args);
    CHECK(check.err.empty());
    CHECK(check.out == "30000\n");
    CHECK(check.status == 0);
}

TEST_CASE("coropipe-genlog's corpus has skewed levels and the oddities of real logs", "[pipelines][genlog]") {
    const process_result r = genlog({"--seed", "11", "100000"});
    REQUIRE(r.status == 0);
    const std::vector<std::string_view> lines = lines_of(r.out);
    REQUIRE(lines.size() == 100000);
    struct share {
        std::string_view word;
        std::size_t per_mille;
    };
    for (const share s : {share{"]: INFO ", 700}, share{"]: DEBUG ", 150}, share{"]: WARN ", 100},
                          share{"]: ERROR ", 40}, share{"]: FATAL ", 10}, share{" caf\xc3\xa9 \xc3\xb3rdenes ", 100}}) {
        INFO(s.word);
        const std::size_t n = count_containing(lines, s.word);
        CHECK(n > s.per_mille * 100 * 9 / 10);
        CHECK(n < s.per_mille * 100 * 11 / 10);
    }
    const std::size_t tabs = count_containing(lines, "\textra\tfields");
    CHECK(tabs > 300);
    CHECK(tabs < 500);
    CHECK(count_containing(lines, R"((peer said "bye" via C:\net))") > 100);
    std::size_t long_lines = 0;
    for (std::string_view line : lines) {
        if (const std::size_t at = line.find(" trace="); at != line.npos) {
            ++long_lines;
            const std::size_t xs = line.size() - at - 7;
            CHECK(xs >= 1000);
            CHECK(xs <= 20000);
            CHECK(line.find_first_not_of('x', at + 7) == line.npos);
        }
    }
    CHECK(long_lines > 50);
    CHECK(long_lines < 150);
    // Time moves on by a second on about 30% of the lines.
    CHECK(lines.front().starts_with("2026-11-23T10:00:0"));
    CHECK(lines.back().starts_with("2026-11-23T18:"));
}

TEST_CASE("coropipe-genlog's syslog formats carry the level, app and host as coropipe reads them",
          "[pipelines][genlog]") {
    temp_dir dir;
    const process_result plain = genlog({"--seed", "5", "20000"});
    REQUIRE(plain.status == 0);
    const std::vector<std::string_view> lines = lines_of(plain.out);
    const std::size_t errors = count_containing(lines, "]: ERROR ") + count_containing(lines, "]: FATAL ");
    const std::size_t nginx = count_containing(lines, " nginx[");
    const std::size_t web07 = count_containing(lines, " web-07 ");
    for (const char* format : {"rfc3164", "rfc5424"}) {
        INFO(format);
        const process_result r = genlog({"--format", format, "--seed", "5", "20000"});
        const std::string path = dir.write(std::string(format) + ".log", r.out);
        // FATAL is crit, ERROR err; the apps are local0..local5 in order.
        CHECK(run_process({coropipe_program, "-c", "severity err", path}).out == std::to_string(errors) + "\n");
        CHECK(run_process({coropipe_program, "-c", "facility local3", path}).out == std::to_string(nginx) + "\n");
        CHECK(run_process({coropipe_program, "-c", "app nginx", path}).out == std::to_string(nginx) + "\n");
        CHECK(run_process({coropipe_program, "-c", "host web-07", path}).out == std::to_string(web07) + "\n");
    }
}

TEST_CASE("coropipe-genlog writes nothing for 0 lines, and its usage for --help", "[pipelines][genlog]") {
    const process_result none = genlog({"0"});
    CHECK(none.out.empty());
    CHECK(none.status == 0);
    const process_result help = genlog({"--help"});
    CHECK(help.out.starts_with("usage: coropipe-genlog [--format FORMAT] [--seed N] LINES\n"));
    CHECK(help.status == 0);
    CHECK(genlog({"--version"}).out.starts_with("coropipe-genlog "));
}

TEST_CASE("coropipe-genlog rejects bad arguments with a message and exit 2", "[pipelines][genlog]") {
    struct bad {
        std::vector<std::string> args;
        std::string message;
    };
    const std::string see = " (see coropipe-genlog --help)\n";
    const std::vector<bad> cases = {
        {{}, "missing LINES, the number of lines to write"},
        {{"--seed", "3"}, "missing LINES, the number of lines to write"},
        {{"ten"}, "bad LINES 'ten': a whole number"},
        {{"-5"}, "unknown option '-5'"},
        {{"--", "-5"}, "bad LINES '-5': a whole number"},
        {{"99999999999999999999"}, "bad LINES '99999999999999999999': a whole number"},
        {{"10", "20"}, "one LINES only, got '10' and '20'"},
        {{"--format", "xml", "10"}, "unknown format 'xml'; formats are plain, logfmt, json, rfc3164, rfc5424"},
        {{"--format=", "10"}, "unknown format ''; formats are plain, logfmt, json, rfc3164, rfc5424"},
        {{"10", "--format"}, "--format needs a value"},
        {{"--seed", "-1", "10"}, "bad seed '-1': a whole number from 0 to 18446744073709551615"},
        {{"--seed=18446744073709551616", "10"},
         "bad seed '18446744073709551616': a whole number from 0 to 18446744073709551615"},
        {{"--lines", "10"}, "unknown option '--lines'"},
    };
    for (const bad& b : cases) {
        INFO(b.message);
        const process_result r = genlog(b.args);
        CHECK(r.out.empty());
        CHECK(r.err == "coropipe-genlog: " + b.message + see);
        CHECK(r.status == 2);
    }
}

TEST_CASE("coropipe-genlog reports a write error with exit 1", "[pipelines][genlog]") {
    run_options options;
    options.out_file = "/dev/full";
    const process_result r = genlog({"100000"}, options);
    CHECK(r.err == "coropipe-genlog: write error: No space left on device\n");
    CHECK(r.status == 1);
}
