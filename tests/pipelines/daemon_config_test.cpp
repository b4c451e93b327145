// coropiped's configuration file (pipelines/coropiped/config.hpp): valid
// files, the defaults, and every kind of error with its exact message.

#include "config.hpp"
#include "config/schema.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using coropiped::config_error;
using coropiped::daemon_config;
using coropiped::endpoint;
using coropiped::parse_config;
using coropiped::sink_config;
using coropiped::source_config;

namespace {

// The example of issue 5.
const std::string issue_example = R"([source.app]      # tcp, udp, unix, file, stdin
type = "tcp"
listen = "127.0.0.1:5140"
framing = "auto"  # newline or RFC 6587 octet-counting, detected per connection
[pipeline.errors]
from = ["app"]
run  = "grep ERROR | prefix 2026-"
to   = ["errors"]
[sink.errors]     # file, stdout, tcp
type = "file"
path = "/var/log/coropipe/errors.log"
)";

// The smallest valid file: stdin through `grep x` to stdout.
const std::string minimal = R"([source.in]
type = "stdin"
[pipeline.p]
from = ["in"]
run = "grep x"
to = ["out"]
[sink.out]
type = "stdout"
)";

// What parse_config throws for `text` (as c.toml): every message, one per line.
std::string error_of(const std::string& text) {
    try {
        (void)parse_config(text, "c.toml");
    } catch (const config_error& e) {
        return e.what();
    }
    FAIL("no config_error for:\n" << text);
    return {};
}

// The minimal file with `extra` lines appended to the [source.in] table.
std::string with_source(const std::string& extra) {
    return "[source.in]\n" + extra +
           "\n[pipeline.p]\nfrom = [\"in\"]\nrun = \"grep x\"\nto = [\"out\"]\n"
           "[sink.out]\ntype = \"stdout\"\n";
}

// The minimal file with `extra` lines appended to the [sink.out] table (line 9 on).
std::string with_sink(const std::string& extra) { return minimal + extra + "\n"; }

// The same with a file sink: [sink.out] at line 7, `extra` from line 10.
std::string with_file_sink(const std::string& extra) {
    std::string text = minimal;
    text.replace(text.find("type = \"stdout\""), 15, "type = \"file\"\npath = \"o.log\"");
    return text + extra + "\n";
}

} // namespace

TEST_CASE("the issue's example config loads with its values", "[daemon][config]") {
    const daemon_config c = parse_config(issue_example, "/etc/coropiped.toml");
    REQUIRE(c.sources.size() == 1);
    const source_config& s = c.sources[0];
    CHECK(s.name == "app");
    CHECK(s.type == source_config::kind::tcp);
    CHECK(s.listen == endpoint{"127.0.0.1", 5140});
    CHECK(s.frames == source_config::framing::automatic);

    REQUIRE(c.pipelines.size() == 1);
    CHECK(c.pipelines[0].name == "errors");
    CHECK(c.pipelines[0].from == std::vector<std::string>{"app"});
    CHECK(c.pipelines[0].run == "grep ERROR | prefix 2026-");
    REQUIRE(c.pipelines[0].stages.size() == 2);
    CHECK(c.pipelines[0].stages[0].name == "grep");
    CHECK(c.pipelines[0].stages[1].operands == std::vector<std::string>{"2026-"});
    CHECK(c.pipelines[0].to == std::vector<std::string>{"errors"});

    REQUIRE(c.sinks.size() == 1);
    CHECK(c.sinks[0].name == "errors");
    CHECK(c.sinks[0].type == sink_config::kind::file);
    CHECK(c.sinks[0].path == "/var/log/coropipe/errors.log");
    CHECK(c.warnings.empty());
    CHECK(c.file == "/etc/coropiped.toml");
}

TEST_CASE("keys left out take the documented defaults", "[daemon][config]") {
    const daemon_config c = parse_config(minimal + R"(
[source.net]
type = "tcp"
listen = "[::1]:0"
[source.log]
type = "file"
path = "/var/log/app.log"
[source.dgram]
type = "udp"
listen = "localhost:514"
[sink.fwd]
type = "tcp"
address = "logs.example.com:5140"
[pipeline.all]
from = ["net", "log", "dgram"]
run = "uniq"
to = ["fwd"]
)",
                                         "c.toml");
    CHECK(c.threads == 0);
    CHECK(c.shutdown_timeout == 10s);
    CHECK_FALSE(c.metrics_enabled);
    CHECK(c.state_file.empty());
    CHECK(c.max_line == 64 * 1024);
    CHECK(c.max_connections == 1024);
    CHECK(c.source_buffer == 1024 * 1024);
    CHECK(c.pipeline_buffer == 1024 * 1024);
    CHECK(c.sink_buffer == 4 * 1024 * 1024);

    REQUIRE(c.sources.size() == 4); // by name: dgram, in, log, net
    const source_config& dgram = c.sources[0];
    const source_config& in = c.sources[1];
    const source_config& log = c.sources[2];
    const source_config& net = c.sources[3];
    CHECK(in.type == source_config::kind::stdin_);
    CHECK(in.frames == source_config::framing::newline);
    CHECK(net.frames == source_config::framing::automatic);
    CHECK(net.listen == endpoint{"::1", 0});
    CHECK(net.max_connections == 1024);
    CHECK(log.start == source_config::position::end);
    CHECK(dgram.listen == endpoint{"localhost", 514});
    for (const source_config& s : c.sources) {
        CHECK(s.max_line == 64 * 1024);
        CHECK(s.buffer_bytes == 1024 * 1024);
    }
    REQUIRE(c.pipelines.size() == 2);
    CHECK(c.pipelines[0].name == "all");
    CHECK(c.pipelines[0].from == std::vector<std::string>{"net", "log", "dgram"}); // the file's order
    CHECK(c.pipelines[0].buffer_bytes == 1024 * 1024);
    REQUIRE(c.sinks.size() == 2);
    const sink_config& fwd = c.sinks[0];
    CHECK(fwd.address == endpoint{"logs.example.com", 5140});
    CHECK(fwd.buffer_bytes == 4 * 1024 * 1024);
    CHECK(fwd.backoff_min == 100ms);
    CHECK(fwd.backoff_max == 10s);
}

TEST_CASE("[daemon] sets every global and the defaults of the tables", "[daemon][config]") {
    const daemon_config c = parse_config(R"([daemon]
threads = 4
shutdown_timeout = "2s"
metrics_listen = "0.0.0.0:9180"
state_file = "/var/lib/coropiped/state"
max_line = "8KiB"
max_connections = 10
source_buffer = "1MB"
pipeline_buffer = 65536
sink_buffer = "16 kib"
)" + minimal + R"(
[source.net]
type = "unix"
path = "/run/coropiped.sock"
framing = "octet"
max_connections = 3
max_line = "1KiB"
buffer_bytes = "2KiB"
[source.tail]
type = "file"
path = "/var/log/app.log"
start = "beginning"
[sink.fwd]
type = "tcp"
address = "[2001:db8::1]:6514"
backoff_min = "250ms"
backoff_max = "1m"
buffer_bytes = "1GiB"
[pipeline.q]
from = ["net", "tail"]
run = "head 1"
to = ["fwd"]
buffer_bytes = "32KiB"
)",
                                         "c.toml");
    CHECK(c.threads == 4);
    CHECK(c.shutdown_timeout == 2s);
    CHECK(c.metrics_enabled);
    CHECK(c.metrics_listen == endpoint{"0.0.0.0", 9180});
    CHECK(c.state_file == "/var/lib/coropiped/state");
    CHECK(c.max_line == 8192);
    CHECK(c.max_connections == 10);
    CHECK(c.source_buffer == 1'000'000);
    CHECK(c.pipeline_buffer == 65536);
    CHECK(c.sink_buffer == 16384);

    REQUIRE(c.sources.size() == 3); // in, net, tail
    CHECK(c.sources[0].max_line == 8192);
    CHECK(c.sources[0].buffer_bytes == 1'000'000);
    CHECK(c.sources[1].type == source_config::kind::unix_stream);
    CHECK(c.sources[1].path == "/run/coropiped.sock");
    CHECK(c.sources[1].frames == source_config::framing::octet);
    CHECK(c.sources[1].max_connections == 3);
    CHECK(c.sources[1].max_line == 1024);
    CHECK(c.sources[1].buffer_bytes == 2048);
    CHECK(c.sources[2].start == source_config::position::beginning);
    CHECK(c.sources[2].max_connections == 10);

    REQUIRE(c.pipelines.size() == 2);
    CHECK(c.pipelines[0].buffer_bytes == 65536); // p
    CHECK(c.pipelines[1].buffer_bytes == 32768); // q
    REQUIRE(c.sinks.size() == 2);
    CHECK(c.sinks[0].address == endpoint{"2001:db8::1", 6514});
    CHECK(c.sinks[0].backoff_min == 250ms);
    CHECK(c.sinks[0].backoff_max == 1min);
    CHECK(c.sinks[0].buffer_bytes == 1024 * 1024 * 1024);
    CHECK(c.sinks[1].buffer_bytes == 16384);
}

TEST_CASE("relative paths are taken from the config file's directory", "[daemon][config]") {
    const std::string text = R"([daemon]
state_file = "state/offsets"
[source.tail]
type = "file"
path = "logs/app.log"
[pipeline.p]
from = ["tail"]
run = "grep x"
to = ["out"]
[sink.out]
type = "file"
path = "/abs/out.log"
)";
    const daemon_config c = parse_config(text, "/etc/coropiped/main.toml");
    CHECK(c.state_file == "/etc/coropiped/state/offsets");
    CHECK(c.sources[0].path == "/etc/coropiped/logs/app.log");
    CHECK(c.sinks[0].path == "/abs/out.log");
    // A file name without a directory leaves them relative (to the working directory).
    CHECK(parse_config(text, "main.toml").sources[0].path == "logs/app.log");
}

TEST_CASE("inline tables and TOML's other string forms are accepted", "[daemon][config]") {
    const daemon_config c = parse_config(R"(
source.in = { type = 'stdin' }
sink.out = { type = "stdout" }
[pipeline.p]
from = ['in']
run = '''
grep -v DEBUG'''
to = ["out",]
)",
                                         "c.toml");
    CHECK(c.pipelines[0].run == "grep -v DEBUG");
}

TEST_CASE("a source or sink no pipeline uses is a warning, not an error", "[daemon][config]") {
    const daemon_config c = parse_config(minimal + R"([source.spare]
type = "udp"
listen = "127.0.0.1:514"
[sink.spare]
type = "stdout"
)",
                                         "c.toml");
    CHECK(c.warnings == std::vector<std::string>{
                            "c.toml:9:1: warning: source.spare: no pipeline reads this source",
                            "c.toml:12:1: warning: sink.spare: no pipeline writes to this sink",
                        });
}

TEST_CASE("a tcp sink that forwards to the daemon's own tcp source is a warning", "[daemon][config]") {
    const daemon_config c = parse_config(issue_example + R"([sink.loop]
type = "tcp"
address = "127.0.0.1:5140"
)",
                                         "c.toml");
    CHECK(c.warnings == std::vector<std::string>{
                            "c.toml:12:1: warning: sink.loop: no pipeline writes to this sink",
                            "c.toml:12:1: warning: sink.loop: forwards to this daemon's own source 'app': a loop "
                            "if a pipeline reads it and writes here",
                        });
}

TEST_CASE("sizes are bytes or a number with a unit", "[daemon][config]") {
    using coropiped::parse_size;
    CHECK(parse_size("0") == 0);
    CHECK(parse_size("512") == 512);
    CHECK(parse_size("512B") == 512);
    CHECK(parse_size("64KiB") == 65536);
    CHECK(parse_size("64 kib") == 65536);
    CHECK(parse_size("1KB") == 1000);
    CHECK(parse_size("1MB") == 1'000'000);
    CHECK(parse_size("2MiB") == 2 * 1024 * 1024);
    CHECK(parse_size("1GB") == 1'000'000'000);
    CHECK(parse_size("3GiB") == 3ULL << 30);
    CHECK_THROWS_WITH(parse_size("1.5MiB"),
                      "'1.5MiB' is not a size: unknown unit '.5MiB'; expected a whole number and a unit (B, KB, "
                      "MB, GB, KiB, MiB, GiB), e.g. \"64KiB\"");
    CHECK_THROWS_WITH(parse_size("MiB"), "'MiB' is not a size: expected a whole number and a unit (B, KB, MB, GB, "
                                         "KiB, MiB, GiB), e.g. \"64KiB\"");
    CHECK_THROWS_WITH(parse_size("-1"), Catch::StartsWith("'-1' is not a size"));
    CHECK_THROWS_WITH(parse_size("16EiB"), Catch::StartsWith("'16EiB' is not a size: unknown unit 'EiB'"));
    CHECK_THROWS_WITH(parse_size("99999999999999999999"), "'99999999999999999999' is too large");
    CHECK_THROWS_WITH(parse_size("17179869184GiB"), "'17179869184GiB' is too large");
}

TEST_CASE("durations are a number and a unit", "[daemon][config]") {
    using coropiped::parse_duration;
    CHECK(parse_duration("250ms") == 250ms);
    CHECK(parse_duration("5s") == 5s);
    CHECK(parse_duration("0s") == 0s);
    CHECK(parse_duration("2m") == 2min);
    CHECK(parse_duration("1h") == 1h);
    CHECK_THROWS_WITH(parse_duration("5"),
                      "'5' is not a duration: no unit; expected a whole number and a unit (ms, s, m, h), e.g. "
                      "\"5s\" or \"250ms\"");
    CHECK_THROWS_WITH(parse_duration("5 sec"), Catch::StartsWith("'5 sec' is not a duration: unknown unit 'sec';"));
    CHECK_THROWS_WITH(parse_duration("5S"), Catch::StartsWith("'5S' is not a duration: unknown unit 'S';"));
    CHECK_THROWS_WITH(parse_duration("s"), Catch::StartsWith("'s' is not a duration: expected"));
    CHECK_THROWS_WITH(parse_duration("9999999999999999h"), "'9999999999999999h' is too long");
}

TEST_CASE("addresses are host:port or [v6]:port", "[daemon][config]") {
    using coropiped::parse_endpoint;
    CHECK(parse_endpoint("127.0.0.1:5140", false) == endpoint{"127.0.0.1", 5140});
    CHECK(parse_endpoint("[::]:514", false) == endpoint{"::", 514});
    CHECK(parse_endpoint("[fe80::1%eth0]:514", false) == endpoint{"fe80::1%eth0", 514});
    CHECK(parse_endpoint("logs.example.com.:65535", false) == endpoint{"logs.example.com.", 65535});
    CHECK(parse_endpoint("localhost:0", true) == endpoint{"localhost", 0});

    const std::string expected = "expected HOST:PORT or [IPv6]:PORT, e.g. \"127.0.0.1:5140\"";
    CHECK_THROWS_WITH(parse_endpoint("localhost:0", false),
                      "'localhost:0' is not an address: '0' is not a port (1 to 65535)");
    CHECK_THROWS_WITH(parse_endpoint("localhost:65536", true),
                      "'localhost:65536' is not an address: '65536' is not a port (0 to 65535)");
    CHECK_THROWS_WITH(parse_endpoint("localhost", true), "'localhost' is not an address: no ':PORT'; " + expected);
    CHECK_THROWS_WITH(parse_endpoint(":514", true),
                      "':514' is not an address: no host (0.0.0.0 or [::] listen on every interface); " + expected);
    CHECK_THROWS_WITH(parse_endpoint("::1:514", true),
                      "'::1:514' is not an address: an IPv6 address needs brackets: [::1]:PORT");
    CHECK_THROWS_WITH(parse_endpoint("[::1:514", true),
                      "'[::1:514' is not an address: no ']' after the IPv6 address; " + expected);
    CHECK_THROWS_WITH(parse_endpoint("[::1]514", true),
                      "'[::1]514' is not an address: no ':PORT' after ']'; " + expected);
    CHECK_THROWS_WITH(parse_endpoint("[::g]:514", true), "'[::g]:514' is not an address: '::g' is not an IPv6 "
                                                         "address");
    CHECK_THROWS_WITH(parse_endpoint("256.0.0.1:514", true),
                      "'256.0.0.1:514' is not an address: '256.0.0.1' is not an IPv4 address");
    CHECK_THROWS_WITH(parse_endpoint("my_host:514", true),
                      "'my_host:514' is not an address: 'my_host' is not a host name");
    CHECK_THROWS_WITH(parse_endpoint("-a.com:514", true),
                      "'-a.com:514' is not an address: '-a.com' is not a host name");
    CHECK_THROWS_WITH(parse_endpoint("a..com:514", true),
                      "'a..com:514' is not an address: 'a..com' is not a host name");
    CHECK_THROWS_WITH(parse_endpoint("host:http", true),
                      "'host:http' is not an address: 'http' is not a port (0 to 65535)");
}

TEST_CASE("a TOML syntax error names the file, line and column", "[daemon][config]") {
    CHECK(error_of("[source.app]\ntype = tcp\n") ==
          "c.toml:2:9: TOML syntax: Error while parsing boolean: expected 'true', saw 'tc'");
    CHECK(error_of("[sink.a]\ntype = \"file\"\ntype = \"tcp\"\n") ==
          "c.toml:3:8: TOML syntax: Error while parsing key-value pair: cannot redefine existing string 'type'");
}

TEST_CASE("non-ASCII characters pass in string values and comments only", "[daemon][config]") {
    // toml++ 3.3 has undefined behaviour on some of them elsewhere; no key or name may have them anyway.
    const daemon_config c = parse_config("# café\n" + minimal + R"([source.t]  # Ж
type = "file"
path = "/var/log/café.log"
[pipeline.q]
from = ["t"]
run = '''grep "café órdenes"'''
to = [ # ü
  "out"]
)",
                                         "c.toml");
    CHECK(c.sources[1].path == "/var/log/café.log");
    CHECK(c.pipelines[1].stages[0].operands[0] == "café órdenes");
    const std::string outside = "TOML syntax: a non-ASCII character outside a string value or a comment";
    CHECK(error_of("[source.café]\n") == "c.toml:1:12: " + outside);
    CHECK(error_of("[source.\"café\"]\n") == "c.toml:1:13: " + outside);
    CHECK(error_of("x = { \"é\" = 1 }\n") == "c.toml:1:8: " + outside);
    CHECK(error_of("x = 1 é\n") == "c.toml:1:7: " + outside);
    CHECK(error_of("x = [\n1,\n\"é\", 'é', é]\n") == "c.toml:3:11: " + outside);
    CHECK(error_of("x = \"\"\"\\\n  §\"\"\"\n") ==
          "c.toml:2:3: TOML syntax: a non-ASCII character right after a line-ending backslash (toml++ 3.3 cannot "
          "read it)");
}

TEST_CASE("unknown tables and keys are errors, with a suggestion for a typo", "[daemon][config]") {
    CHECK(error_of(minimal + "[sources.x]\n") ==
          "c.toml:9:2: sources: unknown table (did you mean 'source'?); expected [daemon], [source.NAME], "
          "[pipeline.NAME] or [sink.NAME]");
    CHECK(error_of(with_source("type = \"tcp\"\nlisten = \"127.0.0.1:1\"\nlistne = 1")) ==
          "c.toml:4:1: source.in.listne: unknown key (did you mean 'listen'?)");
    CHECK(error_of("[daemon]\nthread = 2\n" + minimal) ==
          "c.toml:2:1: daemon.thread: unknown key (did you mean 'threads'?)");
    CHECK(error_of(with_sink("colour = \"red\"")) == "c.toml:9:1: sink.out.colour: unknown key");
    CHECK(error_of(minimal + "[pipeline.p.extra]\n") == "c.toml:9:13: pipeline.p.extra: unknown key");
}

TEST_CASE("a key of another type of source or sink is an error", "[daemon][config]") {
    CHECK(error_of(with_source("type = \"stdin\"\nlisten = \"127.0.0.1:1\"\nstart = \"end\"")) ==
          "c.toml:3:1: source.in.listen: not used by a stdin source\n"
          "c.toml:4:1: source.in.start: not used by a stdin source");
    CHECK(error_of(with_sink("path = \"x\"\nmode = \"0600\"\nbackoff_min = \"1s\"")) ==
          "c.toml:9:1: sink.out.path: not used by a stdout sink\n"
          "c.toml:10:1: sink.out.mode: not used by a stdout sink");
}

TEST_CASE("a value of the wrong type is an error naming the type expected and found", "[daemon][config]") {
    CHECK(error_of(with_source("type = 5")) == "c.toml:2:8: source.in.type: expected a string, got an integer");
    CHECK(error_of("[daemon]\nthreads = \"4\"\n" + minimal) ==
          "c.toml:2:11: daemon.threads: expected an integer, got a string");
    CHECK(error_of(with_source("type = \"stdin\"\nmax_line = 1.5")) ==
          "c.toml:3:12: source.in.max_line: expected a size (bytes, or a string such as \"64KiB\"), got a float");
    CHECK(error_of("[daemon]\nshutdown_timeout = 5\n" + minimal) ==
          "c.toml:2:20: daemon.shutdown_timeout: expected a duration as a string such as \"5s\" or \"250ms\", got "
          "an integer");
    CHECK(error_of("source = 1\n" + minimal.substr(minimal.find("[pipeline"))) ==
          "c.toml:1:10: source: expected a table of [source.NAME] tables, got an integer\n"
          "c.toml:3:9: pipeline.p.from: no source 'in'; define it as [source.in]");
    CHECK(error_of("[[source]]\n" + minimal.substr(minimal.find("[pipeline"))) ==
          "c.toml:1:1: source: expected a table of [source.NAME] tables, got an array\n"
          "c.toml:3:9: pipeline.p.from: no source 'in'; define it as [source.in]");
    CHECK(error_of(minimal + "[sink.x]\n[sink.y]\n") == "c.toml:9:1: sink.x.type: missing: one of \"file\", "
                                                        "\"stdout\", \"tcp\", \"redis-stream\"\n"
                                                        "c.toml:10:1: sink.y.type: missing: one of \"file\", "
                                                        "\"stdout\", \"tcp\", \"redis-stream\"");
    CHECK(error_of("sink.z = \"stdout\"\n" + minimal) ==
          "c.toml:1:10: sink.z: expected a table (type = \"file\", ...), got a string");
}

TEST_CASE("a missing required key is reported at its table", "[daemon][config]") {
    CHECK(error_of(with_source("")) ==
          "c.toml:1:1: source.in.type: missing: one of \"tcp\", \"udp\", \"unix\", \"stdin\", \"file\", \"redis-stream\"");
    CHECK(error_of(with_source("type = \"tcp\"")) ==
          "c.toml:1:1: source.in.listen: missing: the address to listen on, e.g. listen = \"127.0.0.1:5140\"");
    CHECK(error_of(with_source("type = \"file\"")) ==
          "c.toml:1:1: source.in.path: missing: the file to follow, e.g. path = \"/var/log/app.log\"");
    CHECK(error_of(with_source("type = \"unix\"")) ==
          "c.toml:1:1: source.in.path: missing: the socket to listen on, e.g. path = \"/run/coropiped.sock\"");
    CHECK(error_of(with_sink("type = \"tcp\"").replace(minimal.find("type = \"stdout\""), 16, "")) ==
          "c.toml:7:1: sink.out.address: missing: the peer to forward to, e.g. address = \"logs.example.com:5140\"");
    CHECK(error_of(R"([source.in]
type = "stdin"
[pipeline.p]
[sink.out]
type = "file"
)") == "c.toml:3:1: pipeline.p.from: missing: the sources to read, e.g. from = [\"app\"]\n"
       "c.toml:3:1: pipeline.p.run: missing: the pipeline text, e.g. run = \"grep ERROR\"\n"
       "c.toml:3:1: pipeline.p.to: missing: the sinks to write, e.g. to = [\"errors\"]\n"
       "c.toml:4:1: sink.out.path: missing: the file to append to, e.g. path = \"/var/log/coropipe/errors.log\"");
}

TEST_CASE("an unknown choice is an error listing the choices", "[daemon][config]") {
    CHECK(error_of(with_source("type = \"tpc\"")) ==
          "c.toml:2:8: source.in.type: unknown value 'tpc' (did you mean 'tcp'?); expected one of \"tcp\", \"udp\", "
          "\"unix\", \"stdin\", \"file\", \"redis-stream\"");
    CHECK(error_of(with_source("type = \"tcp\"\nlisten = \"127.0.0.1:1\"\nframing = \"octets\"")) ==
          "c.toml:4:11: source.in.framing: unknown value 'octets' (did you mean 'octet'?); expected one of "
          "\"newline\", \"octet\", \"auto\"");
    CHECK(error_of(with_source("type = \"file\"\npath = \"a\"\nstart = \"begin\"")) ==
          "c.toml:4:9: source.in.start: unknown value 'begin'; expected one of \"end\", \"beginning\"");
    CHECK(error_of(with_sink("").replace(minimal.find("\"stdout\""), 8, "\"Stdout\"")) ==
          "c.toml:8:8: sink.out.type: unknown value 'Stdout' (did you mean 'stdout'?); expected one of \"file\", "
          "\"stdout\", \"tcp\", \"redis-stream\"");
}

TEST_CASE("bad sizes, durations, addresses and numbers name the key", "[daemon][config]") {
    CHECK(error_of("[daemon]\nmax_line = \"64KB/s\"\n" + minimal) ==
          "c.toml:2:12: daemon.max_line: '64KB/s' is not a size: unknown unit 'KB/s'; expected a whole number and a "
          "unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. \"64KiB\"");
    CHECK(error_of("[daemon]\nsink_buffer = 0\n" + minimal) ==
          "c.toml:2:15: daemon.sink_buffer: must be at least 1 bytes");
    CHECK(error_of("[daemon]\npipeline_buffer = -5\n" + minimal) ==
          "c.toml:2:19: daemon.pipeline_buffer: -5 is not a size: it is negative");
    CHECK(error_of("[daemon]\nshutdown_timeout = \"2 days\"\n" + minimal) ==
          "c.toml:2:20: daemon.shutdown_timeout: '2 days' is not a duration: unknown unit 'days'; expected a whole "
          "number and a unit (ms, s, m, h), e.g. \"5s\" or \"250ms\"");
    CHECK(error_of("[daemon]\nshutdown_timeout = \"25h\"\n" + minimal) ==
          "c.toml:2:20: daemon.shutdown_timeout: must be from 0ms to 86400000ms");
    CHECK(error_of("[daemon]\nthreads = 5000\nmax_connections = 0\n" + minimal) ==
          "c.toml:2:11: daemon.threads: 5000 is out of range (0 to 1024)\n"
          "c.toml:3:19: daemon.max_connections: 0 is out of range (1 to 1000000)");
    CHECK(error_of("[daemon]\nmetrics_listen = \"localhost\"\n" + minimal) ==
          "c.toml:2:18: daemon.metrics_listen: 'localhost' is not an address: no ':PORT'; expected HOST:PORT or "
          "[IPv6]:PORT, e.g. \"127.0.0.1:5140\"");
    CHECK(error_of(with_sink("").replace(minimal.find("type = \"stdout\""), 15, "type = \"tcp\"\naddress = \"h:0\"")) ==
          "c.toml:9:11: sink.out.address: 'h:0' is not an address: '0' is not a port (1 to 65535)");
    CHECK(error_of("[daemon]\nstate_file = \"\"\n" + minimal) == "c.toml:2:14: daemon.state_file: must not be "
                                                                 "empty");
}

TEST_CASE("limits that contradict each other are errors", "[daemon][config]") {
    CHECK(error_of(with_source("type = \"stdin\"\nbuffer_bytes = 100\nmax_line = 200")) ==
          "c.toml:3:16: source.in.buffer_bytes: buffer_bytes (100) is less than max_line (200): a longest line "
          "must fit");
    CHECK(error_of("[daemon]\nmax_line = \"2MiB\"\nsource_buffer = \"4MiB\"\n" + minimal) ==
          "c.toml:6:1: pipeline.p.buffer_bytes: 1048576 bytes cannot hold a line of source 'in' (max_line 2097152)");
    CHECK(error_of(minimal + "[pipeline.q]\nfrom = [\"in\"]\nrun = \"uniq\"\nto = [\"out\"]\nbuffer_bytes = 10\n") ==
          "c.toml:13:16: pipeline.q.buffer_bytes: 10 bytes cannot hold a line of source 'in' (max_line 65536)");
    const std::string tcp_sink = with_sink("").replace(minimal.find("type = \"stdout\""), 15,
                                                       "type = \"tcp\"\naddress = \"h:1\"\nbackoff_min = \"2s\"\n"
                                                       "backoff_max = \"1s\"");
    CHECK(error_of(tcp_sink) == "c.toml:11:15: sink.out.backoff_max: backoff_max (1000ms) is less than backoff_min "
                                "(2000ms)");
}

TEST_CASE("pipelines must name existing sources and sinks, each once", "[daemon][config]") {
    const std::string head = "[source.app]\ntype = \"stdin\"\n[sink.out]\ntype = \"stdout\"\n[pipeline.p]\nrun = "
                             "\"grep x\"\n";
    CHECK(error_of(head + "from = [\"ap\"]\nto = [\"out\"]") ==
          "c.toml:7:9: pipeline.p.from: no source 'ap' (did you mean 'app'?); define it as [source.ap]");
    CHECK(error_of(head + "from = [\"app\", \"app\"]\nto = [\"outt\", 3]") ==
          "c.toml:7:16: pipeline.p.from: 'app' is listed twice\n"
          "c.toml:8:7: pipeline.p.to: no sink 'outt' (did you mean 'out'?); define it as [sink.outt]\n"
          "c.toml:8:15: pipeline.p.to: expected sink names (strings), got an integer");
    CHECK(error_of(head + "from = []\nto = \"out\"") ==
          "c.toml:7:8: pipeline.p.from: names no source; at least one is needed\n"
          "c.toml:8:6: pipeline.p.to: expected an array of sink names, e.g. [\"app\"], got a string");
}

TEST_CASE("a bad run text is reported at the offending spot in the file", "[daemon][config]") {
    const std::string head = "[source.in]\ntype = \"stdin\"\n[sink.out]\ntype = \"stdout\"\n[pipeline.p]\nfrom = "
                             "[\"in\"]\nto = [\"out\"]\n";
    // Line 8; the string starts at column 7, the text at column 8.
    CHECK(error_of(head + "run = \"grep -x ERROR\"") ==
          "c.toml:8:13: pipeline.p.run: grep: unknown option '-x' at column 6; grep takes -v -i -F -E; usage: grep [-v] [-i] [-F|-E] PATTERN");
    CHECK(error_of(head + "run = \"grpe ERROR\"") ==
          "c.toml:8:8: pipeline.p.run: unknown stage 'grpe' at column 1; did you mean 'grep'?");
    // Escapes: \u00e9 is 2 bytes of the text (UTF-8) and 6 columns of the file, \t 1 byte and 2 columns.
    CHECK(error_of(head + "run = \"grep \\u00e9\\t| head x\"") ==
          "c.toml:8:28: pipeline.p.run: head: 'x' is not a number at column 16");
    // A literal string, after a UTF-8 character (one column).
    CHECK(error_of(head + "run = 'grep é | head x'") ==
          "c.toml:8:22: pipeline.p.run: head: 'x' is not a number at column 16");
    // Multi-line strings: the newline after the quotes is not part of the text;
    // a line-ending backslash joins lines.
    CHECK(error_of(head + "run = \"\"\"\ngrep ERROR | \\\n   head x\"\"\"") ==
          "c.toml:10:9: pipeline.p.run: head: 'x' is not a number at column 19");
    CHECK(error_of(head + "run = '''\ngrep ERROR |\n  head x'''") ==
          "c.toml:10:8: pipeline.p.run: head: 'x' is not a number at column 21");
    // At the end of the text: the closing quote.
    CHECK(error_of(head + "run = \"grep\"") == "c.toml:8:12: pipeline.p.run: grep: missing PATTERN at column 5");
    CHECK(error_of(head + "run = \"\"") == "c.toml:8:8: pipeline.p.run: empty pipeline text at column 1");
}

TEST_CASE("an extra run check's pipeline_text_error is placed in the file like a parse error", "[daemon][config]") {
    // What the daemon does with it: build the stages, and refuse what the library refuses.
    const coropiped::run_check refuse_parens = [](const coropiped::pipeline_config& p) {
        CHECK(p.to == std::vector<std::string>{"out"}); // the rest is filled in by then
        for (const coropipe::stage_spec& s : p.stages) {
            if (!s.operands.empty() && s.operands[0].find('(') != std::string::npos) {
                throw coropipe::pipeline_text_error("coropipe: grep: bad regex: missing )", s.operand_positions[0]);
            }
        }
    };
    const std::string text = R"([source.in]
type = "stdin"
[sink.out]
type = "stdout"
[pipeline.p]
from = ["in"]
to = ["out"]
run = "uniq | grep -E \"(a|b\""
)";
    CHECK_NOTHROW(parse_config(text, "c.toml"));
    try {
        (void)parse_config(text, "c.toml", refuse_parens);
        FAIL("no error");
    } catch (const config_error& e) {
        CHECK(std::string(e.what()) == "c.toml:8:23: pipeline.p.run: grep: bad regex: missing )");
    }
    CHECK(parse_config(minimal, "c.toml", refuse_parens).pipelines.size() == 1);
}

TEST_CASE("names, addresses and paths must be unique where the system needs it", "[daemon][config]") {
    CHECK(error_of(issue_example + "[source.b]\ntype = \"tcp\"\nlisten = \"127.0.0.1:5140\"\n") ==
          "c.toml:14:10: source.b.listen: address already used by source.app.listen (line 3)");
    CHECK(error_of("[daemon]\nmetrics_listen = \"127.0.0.1:5140\"\n" + issue_example) ==
          "c.toml:5:10: source.app.listen: address already used by daemon.metrics_listen (line 2)");
    CHECK(error_of(minimal + "[source.in2]\ntype = \"stdin\"\n") ==
          "c.toml:10:8: source.in2.type: standard input already used by source.in.type (line 2)");
    CHECK(error_of(minimal + "[source.t]\ntype = \"file\"\npath = \"/x/a.log\"\n[sink.f]\ntype = \"file\"\npath = "
                             "\"/x/./a.log\"\n") ==
          "c.toml:14:8: sink.f.path: also followed by source.t.path (line 11): the output would come back as input");
    CHECK(error_of(minimal + "[source.\"a b\"]\ntype = \"stdin\"\n") ==
          "c.toml:9:9: source.\"a b\": a name may have only letters, digits, '_' and '-'\n"
          "c.toml:10:8: source.\"a b\".type: standard input already used by source.in.type (line 2)");
    CHECK(error_of(with_source("type = \"unix\"\npath = \"/" + std::string(107, 's') + "\"")) ==
          "c.toml:3:8: source.in.path: the socket's path is 108 bytes, more than the 107 a unix socket address "
          "holds");
}

TEST_CASE("a config without a pipeline is an error", "[daemon][config]") {
    CHECK(error_of("") == "c.toml:1:1: pipeline: no pipeline: the daemon needs at least one [pipeline.NAME] table "
                          "(from = [...], run = \"...\", to = [...])");
}

TEST_CASE("every error is reported, in file order, one per line", "[daemon][config]") {
    try {
        (void)parse_config("[daemon]\nthreads = -1\n[source.a]\ntype = \"udp\"\nlisten = \"x\"\n[sink.s]\n"
                           "type = \"stdout\"\nbuffer_bytes = \"1XB\"\n",
                           "c.toml");
        FAIL("no error");
    } catch (const config_error& e) {
        REQUIRE(e.errors().size() == 4);
        CHECK(e.errors()[0].line == 1);
        CHECK(e.errors()[0].key == "pipeline");
        CHECK(e.errors()[1].file == "c.toml");
        CHECK(e.errors()[1].line == 2);
        CHECK(e.errors()[1].column == 11);
        CHECK(e.errors()[1].key == "daemon.threads");
        CHECK(e.errors()[1].message == "-1 is out of range (0 to 1024)");
        CHECK(std::string(e.what()) ==
              "c.toml:1:1: pipeline: no pipeline: the daemon needs at least one [pipeline.NAME] table (from = "
              "[...], run = \"...\", to = [...])\n"
              "c.toml:2:11: daemon.threads: -1 is out of range (0 to 1024)\n"
              "c.toml:5:10: source.a.listen: 'x' is not an address: no ':PORT'; expected HOST:PORT or [IPv6]:PORT, "
              "e.g. \"127.0.0.1:5140\"\n"
              "c.toml:8:16: sink.s.buffer_bytes: '1XB' is not a size: unknown unit 'XB'; expected a whole number "
              "and a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. \"64KiB\"");
    }
}

TEST_CASE("control bytes in names and values are escaped, so each message is one line", "[daemon][config]") {
    CHECK(error_of(with_source("type = \"t\\ncp\\u0001\"")) ==
          "c.toml:2:8: source.in.type: unknown value 't\\ncp\\x01' (did you mean 'tcp'?); expected one of \"tcp\", "
          "\"udp\", \"unix\", "
          "\"stdin\", \"file\", \"redis-stream\"");
    CHECK(error_of("\"a\\tb\" = 1\n" + minimal) ==
          "c.toml:1:1: \"a\\tb\": unknown table; expected [daemon], [source.NAME], [pipeline.NAME] or [sink.NAME]");
}

TEST_CASE("load_config reads a real file and names it in messages", "[daemon][config]") {
    const coropipe::test::temp_dir dir;
    const std::string good = dir.write("good.toml", issue_example);
    CHECK(coropiped::load_config(good).sources.at(0).name == "app");

    const std::string bad = dir.write("bad.toml", "[daemon]\nthreads = 1.0\n" + minimal);
    CHECK_THROWS_WITH(coropiped::load_config(bad), bad + ":2:11: daemon.threads: expected an integer, got a float");

    const std::string missing = dir.path("missing.toml");
    CHECK_THROWS_WITH(coropiped::load_config(missing), missing + ": cannot read: No such file or directory");
    CHECK_THROWS_WITH(coropiped::load_config(dir.path("")),
                      Catch::StartsWith(dir.path("")) && Catch::Contains(": cannot read: Is a directory"));
}

TEST_CASE("the bundled sample config is valid", "[daemon][config]") {
    const daemon_config c = coropiped::load_config(COROPIPE_SOURCE_DIR "/examples/data/coropiped.toml");
    CHECK_FALSE(c.pipelines.empty());
    CHECK(c.warnings.empty());
}

TEST_CASE("the bundled Redis Streams sample config is valid, with its keys' defaults", "[daemon][config][redis]") {
    const daemon_config c = coropiped::load_config(COROPIPE_SOURCE_DIR "/examples/data/coropiped-redis.toml");
    CHECK(c.warnings.empty());
    const auto in = std::find_if(c.sources.begin(), c.sources.end(), [](const auto& s) { return s.name == "bus_in"; });
    REQUIRE(in != c.sources.end());
    CHECK(in->type == coropiped::source_config::kind::redis_stream);
    CHECK(in->broker_address == "127.0.0.1:6379");
    CHECK(in->stream == "logs");
    CHECK(in->consumer_group == "shippers");
    CHECK(in->consumer == "worker-1");
    CHECK(in->batch == 1000);
    CHECK(in->block_ms == 1000);
    CHECK(in->claim_idle_ms == 30000);
    CHECK(in->max_in_flight == 20000);
    const auto out = std::find_if(c.sinks.begin(), c.sinks.end(), [](const auto& s) { return s.name == "bus"; });
    REQUIRE(out != c.sinks.end());
    CHECK(out->type == coropiped::sink_config::kind::redis_stream);
    CHECK(out->batch_lines == 64);
    CHECK(out->flush_ms == 0);
    CHECK(out->maxlen == 0);
    const std::string redis_sink = "[sink.r]\ntype = \"redis-stream\"\naddress = \"127.0.0.1:6379\"\nstream = \"s\"\n";
    const daemon_config flushed = parse_config(minimal + redis_sink + "flush_ms = 250\n", "c.toml");
    const auto r = std::find_if(flushed.sinks.begin(), flushed.sinks.end(), [](const auto& k) { return k.name == "r"; });
    REQUIRE(r != flushed.sinks.end());
    CHECK(r->flush_ms == 250);
    CHECK_THAT(error_of(minimal + redis_sink + "flush_ms = -1\n"), Catch::Contains("sink.r.flush_ms"));
    CHECK_THAT(error_of(minimal + "[sink.f]\ntype = \"file\"\npath = \"/tmp/x\"\nflush_ms = 5\n"),
               Catch::Contains("sink.f.flush_ms"));
    CHECK_THROWS_WITH(parse_config("[source.r]\ntype = \"redis-stream\"\naddress = \"127.0.0.1:6379\"\n", "c.toml"),
                      Catch::Contains("source.r.stream") && Catch::Contains("source.r.group"));
}

// ---- the keys of issue 11 --------------------------------------------------

namespace {

// Sources and sinks of every type, nothing but what each requires.
const std::string every_type = minimal + R"([source.net]
type = "tcp"
listen = "127.0.0.1:0"
[source.dgram]
type = "udp"
listen = "127.0.0.1:0"
[source.sock]
type = "unix"
path = "/run/c.sock"
[source.tail]
type = "file"
path = "/var/log/app.log"
[sink.file]
type = "file"
path = "/var/log/out.log"
[sink.fwd]
type = "tcp"
address = "h:1"
[pipeline.all]
from = ["net", "dgram", "sock", "tail"]
run = "uniq"
to = ["file", "fwd"]
)";

template <class Item>
const Item& named(const std::vector<Item>& items, const std::string& name) {
    for (const Item& i : items) {
        if (i.name == name) {
            return i;
        }
    }
    FAIL("no " << name);
    return items.front();
}

} // namespace

TEST_CASE("the keys of issue 11 left out take their documented defaults", "[daemon][config]") {
    const daemon_config c = parse_config(every_type, "c.toml");
    CHECK(c.checkpoint_interval == 1s);
    CHECK(c.user.empty());
    CHECK(c.group.empty());
    CHECK(c.receive_buffer == 32 * 1024 * 1024);
    CHECK(c.spool_max_bytes == 1024 * 1024 * 1024);
    CHECK(named(c.sources, "dgram").receive_buffer == 32 * 1024 * 1024);
    CHECK(named(c.sources, "net").idle_timeout == 0ms);
    CHECK(named(c.sources, "sock").idle_timeout == 0ms);
    CHECK_FALSE(named(c.sources, "sock").socket_mode.has_value());
    CHECK(named(c.sources, "sock").socket_owner.empty());
    CHECK(named(c.sources, "sock").socket_group.empty());
    for (const sink_config& s : c.sinks) {
        CHECK(s.backoff_min == 100ms);
        CHECK(s.backoff_max == 10s);
        CHECK(s.spool.empty());
        CHECK(s.spool_max_bytes == 1024 * 1024 * 1024);
    }
    CHECK(named(c.sinks, "file").file_mode == 0640);
}

TEST_CASE("the keys of issue 11 are read, relative paths and [daemon] defaults included", "[daemon][config]") {
    const daemon_config c = parse_config(R"([daemon]
checkpoint_interval = "250ms"
user = "coropiped"
group = 4
receive_buffer = "8MiB"
spool_max_bytes = "10MiB"
)" + every_type + R"([source.net2]
type = "tcp"
listen = "127.0.0.1:0"
idle_timeout = "5m"
[source.dgram2]
type = "udp"
listen = "127.0.0.1:0"
receive_buffer = 65536
[source.sock2]
type = "unix"
path = "/run/d.sock"
mode = "660"
owner = "syslog"
group = "0"
idle_timeout = "0s"
[sink.out2]
type = "stdout"
backoff_min = "1s"
backoff_max = "2s"
[sink.file2]
type = "file"
path = "/var/log/out2.log"
mode = "0600"
spool = "spool/out2"
[sink.fwd2]
type = "tcp"
address = "h:2"
spool = "/var/spool/fwd2"
spool_max_bytes = "2GiB"
[pipeline.two]
from = ["net2", "dgram2", "sock2"]
run = "uniq"
to = ["out2", "file2", "fwd2"]
)",
                                         "/etc/coropiped/c.toml");
    CHECK(c.checkpoint_interval == 250ms);
    CHECK(c.user == "coropiped");
    CHECK(c.group == "4");
    CHECK(named(c.sources, "dgram").receive_buffer == 8 * 1024 * 1024);
    CHECK(named(c.sources, "dgram2").receive_buffer == 65536);
    CHECK(named(c.sources, "net2").idle_timeout == 5min);
    CHECK(named(c.sources, "sock2").socket_mode == 0660u);
    CHECK(named(c.sources, "sock2").socket_owner == "syslog");
    CHECK(named(c.sources, "sock2").socket_group == "0");
    CHECK(named(c.sources, "sock2").idle_timeout == 0ms);
    CHECK(named(c.sinks, "out2").backoff_min == 1s);
    CHECK(named(c.sinks, "out2").backoff_max == 2s);
    CHECK(named(c.sinks, "file2").file_mode == 0600);
    CHECK(named(c.sinks, "file2").spool == "/etc/coropiped/spool/out2");
    CHECK(named(c.sinks, "file2").spool_max_bytes == 10 * 1024 * 1024);
    CHECK(named(c.sinks, "fwd2").spool == "/var/spool/fwd2");
    CHECK(named(c.sinks, "fwd2").spool_max_bytes == 2ULL << 30);
}

TEST_CASE("bad values of the keys of issue 11 are errors at their place", "[daemon][config]") {
    CHECK(error_of("[daemon]\ncheckpoint_interval = \"5ms\"\nuser = \"\"\ngroup = \"a b\"\n" + minimal) ==
          "c.toml:2:23: daemon.checkpoint_interval: must be from 10ms to 86400000ms\n"
          "c.toml:3:8: daemon.user: must not be empty\n"
          "c.toml:4:9: daemon.group: 'a b' is not a user or group name (no blank, ':', '/' or control character, no "
          "'-' first)");
    CHECK(error_of("[daemon]\nreceive_buffer = \"2GiB\"\nspool_max_bytes = 0\nuser = -1\n" + minimal) ==
          "c.toml:2:18: daemon.receive_buffer: must be at most 1073741824 bytes (1GiB)\n"
          "c.toml:3:19: daemon.spool_max_bytes: must be at least 1 bytes\n"
          "c.toml:4:8: daemon.user: -1 is not a user or group number (0 to 4294967294)");
    CHECK(error_of("[daemon]\nuser = \"4294967295\"\ngroup = \"-x\"\n" + minimal) ==
          "c.toml:2:8: daemon.user: '4294967295' is not a user or group number (0 to 4294967294)\n"
          "c.toml:3:9: daemon.group: '-x' is not a user or group name (no blank, ':', '/' or control character, no "
          "'-' first)");
    const std::string sock = "type = \"unix\"\npath = \"/run/c.sock\"\n";
    CHECK(error_of(with_source(sock + "mode = \"0668\"\nowner = \"\"\nidle_timeout = 5")) ==
          "c.toml:4:8: source.in.mode: '0668' is not a mode: expected octal digits, e.g. \"0640\"\n"
          "c.toml:5:9: source.in.owner: must not be empty\n"
          "c.toml:6:16: source.in.idle_timeout: expected a duration as a string such as \"5s\" or \"250ms\", got an "
          "integer");
    CHECK(error_of(with_source(sock + "mode = \"4755\"")) ==
          "c.toml:4:8: source.in.mode: '4755' is more than 0777 (setuid, setgid and sticky bits are not allowed)");
    CHECK(error_of(with_source(sock + "mode = 660")) ==
          "c.toml:4:8: source.in.mode: expected a mode as a string of octal digits such as \"0640\", got an integer");
    CHECK(error_of(with_source("type = \"udp\"\nlisten = \"127.0.0.1:1\"\nreceive_buffer = \"1 PiB\"")) ==
          "c.toml:4:18: source.in.receive_buffer: '1 PiB' is not a size: unknown unit 'PiB'; expected a whole number "
          "and a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. \"64KiB\"");
    CHECK(error_of(with_source("type = \"tcp\"\nlisten = \"127.0.0.1:1\"\nidle_timeout = \"25h\"")) ==
          "c.toml:4:16: source.in.idle_timeout: must be from 0ms to 86400000ms");
    const std::string size_expected = "expected a whole number and a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. "
                                      "\"64KiB\"";
    CHECK(error_of(with_file_sink("spool = \"\"\nspool_max_bytes = \"1XB\"\nmode = \"0\"")) ==
          "c.toml:10:9: sink.out.spool: must not be empty\n"
          "c.toml:11:19: sink.out.spool_max_bytes: '1XB' is not a size: unknown unit 'XB'; " +
              size_expected);
    CHECK(error_of(with_file_sink("spool_max_bytes = \"1MiB\"")) ==
          "c.toml:10:19: sink.out.spool_max_bytes: not used without spool");
    CHECK(error_of(with_file_sink("backoff_min = \"0ms\"\nbackoff_max = \"2d\"")) ==
          "c.toml:10:15: sink.out.backoff_min: must be from 1ms to 86400000ms\n"
          "c.toml:11:15: sink.out.backoff_max: '2d' is not a duration: unknown unit 'd'; expected a whole number and "
          "a unit (ms, s, m, h), e.g. \"5s\" or \"250ms\"");
    CHECK(error_of(with_file_sink("backoff_min = \"2s\"\nbackoff_max = \"1s\"")) ==
          "c.toml:11:15: sink.out.backoff_max: backoff_max (1000ms) is less than backoff_min (2000ms)");
    CHECK(error_of(with_sink("backoff_max = \"50ms\"")) ==
          "c.toml:9:15: sink.out.backoff_max: backoff_max (50ms) is less than backoff_min (100ms)");
}

TEST_CASE("the keys of issue 11 are errors in the tables of other types", "[daemon][config]") {
    CHECK(error_of(with_source("type = \"tcp\"\nlisten = \"127.0.0.1:1\"\nreceive_buffer = 1\nmode = \"0600\"\n"
                               "owner = \"x\"\ngroup = \"y\"")) ==
          "c.toml:4:1: source.in.receive_buffer: not used by a tcp source\n"
          "c.toml:5:1: source.in.mode: not used by a tcp source\n"
          "c.toml:6:1: source.in.owner: not used by a tcp source\n"
          "c.toml:7:1: source.in.group: not used by a tcp source");
    CHECK(error_of(with_source("type = \"udp\"\nlisten = \"127.0.0.1:1\"\nidle_timeout = \"1s\"")) ==
          "c.toml:4:1: source.in.idle_timeout: not used by a udp source");
    CHECK(error_of(with_source("type = \"file\"\npath = \"a\"\nidle_timeout = \"1s\"\nreceive_buffer = 1")) ==
          "c.toml:4:1: source.in.idle_timeout: not used by a file source\n"
          "c.toml:5:1: source.in.receive_buffer: not used by a file source");
    CHECK(error_of(with_sink("spool = \"s\"\nspool_max_bytes = 1\nbackoff_min = \"1s\"")) ==
          "c.toml:9:1: sink.out.spool: not used by a stdout sink\n"
          "c.toml:10:1: sink.out.spool_max_bytes: not used by a stdout sink");
    std::string tcp_sink = minimal;
    tcp_sink.replace(tcp_sink.find("type = \"stdout\""), 15, "type = \"tcp\"\naddress = \"h:1\"\nmode = \"0600\"");
    CHECK(error_of(tcp_sink) == "c.toml:10:1: sink.out.mode: not used by a tcp sink");
    CHECK(error_of("[daemon]\nidle_timeout = \"1s\"\n" + minimal) == "c.toml:2:1: daemon.idle_timeout: unknown key");
}

TEST_CASE("a spool is a written file: used once, and not followed by a source", "[daemon][config]") {
    CHECK(error_of(with_file_sink("spool = \"o.log\"")) ==
          "c.toml:10:9: sink.out.spool: path already used by sink.out.path (line 9)");
    CHECK(error_of(with_file_sink("spool = \"/s/out\"") + "[sink.t]\ntype = \"tcp\"\naddress = \"h:1\"\nspool = "
                                                          "\"/s/./out\"\n") ==
          "c.toml:14:9: sink.t.spool: path already used by sink.out.spool (line 10)");
    CHECK(error_of("[daemon]\nstate_file = \"/s/out\"\n" + with_file_sink("spool = \"/s/out\"")) ==
          "c.toml:12:9: sink.out.spool: path already used by daemon.state_file (line 2)");
    CHECK(error_of(with_file_sink("spool = \"/s/out\"") + "[source.t]\ntype = \"file\"\npath = \"/s/out\"\n") ==
          "c.toml:10:9: sink.out.spool: also followed by source.t.path (line 13): the output would come back as "
          "input");
}

TEST_CASE("an unknown or missing type still has every other key of its table checked", "[daemon][config]") {
    // Against the keys of every type: their values, and unknown keys.
    CHECK(error_of(with_source("type = \"tpc\"\nlisten = \"x\"\nmax_line = -1\nlisen = 1\nstart = \"end\"")) ==
          "c.toml:2:8: source.in.type: unknown value 'tpc' (did you mean 'tcp'?); expected one of \"tcp\", \"udp\", "
          "\"unix\", \"stdin\", \"file\", \"redis-stream\"\n"
          "c.toml:3:10: source.in.listen: 'x' is not an address: no ':PORT'; expected HOST:PORT or [IPv6]:PORT, e.g. "
          "\"127.0.0.1:5140\"\n"
          "c.toml:4:12: source.in.max_line: -1 is not a size: it is negative\n"
          "c.toml:5:1: source.in.lisen: unknown key (did you mean 'listen'?)");
    CHECK(error_of(minimal + "[sink.s]\npath = \"\"\nbackoff_min = \"1\"\nspol = 1\n") ==
          "c.toml:9:1: sink.s.type: missing: one of \"file\", \"stdout\", \"tcp\", \"redis-stream\"\n"
          "c.toml:10:8: sink.s.path: must not be empty\n"
          "c.toml:11:15: sink.s.backoff_min: '1' is not a duration: no unit; expected a whole number and a unit (ms, "
          "s, m, h), e.g. \"5s\" or \"250ms\"\n"
          "c.toml:12:1: sink.s.spol: unknown key (did you mean 'spool'?)");
}

TEST_CASE("every pipeline's run text is checked in the same pass", "[daemon][config]") {
    CHECK(error_of(minimal + "[pipeline.q]\nfrom = [\"in\"]\nrun = \"grpe x\"\nto = [\"out\"]\n[pipeline.r]\nfrom = "
                             "[\"in\"]\nrun = \"head -z 1\"\nto = [\"out\"]\n") ==
          "c.toml:11:8: pipeline.q.run: unknown stage 'grpe' at column 1; did you mean 'grep'?\n"
          "c.toml:15:13: pipeline.r.run: head: unknown option '-z' at column 6; head takes no options; usage: head N");
}

TEST_CASE("places: each key written and each table, for messages after loading", "[daemon][config]") {
    const daemon_config c = parse_config("[daemon]\nstate_file = \"/s\"\n" + issue_example, "c.toml");
    CHECK(c.places.at("daemon") == coropiped::config_place{1, 1});
    CHECK(c.places.at("daemon.state_file") == coropiped::config_place{2, 14});
    CHECK(c.places.at("source.app") == coropiped::config_place{3, 1});
    CHECK(c.places.at("source.app.listen") == coropiped::config_place{5, 10});
    CHECK(c.places.at("sink.errors.path") == coropiped::config_place{13, 8});
    CHECK_FALSE(c.places.contains("source.app.max_line")); // a default
    CHECK(coropiped::diagnostic_at(c, "sink.errors.path", "x").to_string() == "c.toml:13:8: sink.errors.path: x");
    CHECK(coropiped::diagnostic_at(c, "source.app.max_line", "y").to_string() == "c.toml:3:1: source.app.max_line: y");
    CHECK(coropiped::diagnostic_at(c, "source.nope.path", "z").to_string() == "c.toml: source.nope.path: z");
}

TEST_CASE("docs/coropiped-config.md holds the schema's table of each kind of table", "[daemon][config][docs]") {
    std::ifstream in(COROPIPE_SOURCE_DIR "/docs/coropiped-config.md");
    REQUIRE(in);
    const std::string docs{std::istreambuf_iterator<char>(in), {}};
    using coropiped::loader::table_kind;
    for (table_kind kind : {table_kind::daemon, table_kind::source, table_kind::pipeline, table_kind::sink}) {
        for (const coropiped::loader::key& k : coropiped::loader::keys(kind)) {
            CHECK(docs.find("| `" + std::string(k.name) + "` |") != std::string::npos);
        }
        const std::string table = coropiped::loader::markdown_table(kind);
        // On failure: paste this table into the docs.
        INFO("expected in docs/coropiped-config.md:\n" << table);
        CHECK(docs.find(table) != std::string::npos);
    }
}

// ---- [source.NAME.tls] -------------------------------------------------------

namespace {

const std::string tls_source_head = R"([source.app]
type = "tcp"
listen = "127.0.0.1:6514"
[pipeline.p]
from = ["app"]
run = "grep x"
to = ["out"]
[sink.out]
type = "stdout"
)";

} // namespace

TEST_CASE("A [source.NAME.tls] table sets the TLS keys of a tcp source, with their defaults", "[daemon][config][tls]") {
    const daemon_config c = parse_config(tls_source_head + R"([source.app.tls]
cert = "/etc/coropiped/server.crt"
key = "/etc/coropiped/server.key"
ca = "/etc/coropiped/ca.crt"
permitted_peers = ["*.example.com", "logs.example.org"]
)",
                                         "/c/c.toml");
    const source_config& s = c.sources.at(0);
    CHECK(s.tls_cert == "/etc/coropiped/server.crt");
    CHECK(s.tls_key == "/etc/coropiped/server.key");
    CHECK(s.tls_ca == "/etc/coropiped/ca.crt");
    CHECK(s.tls_permitted_peers == std::vector<std::string>{"*.example.com", "logs.example.org"});
    CHECK(s.tls_verify == source_config::verify::automatic); // required, as a ca is given
    CHECK(s.tls_min_version == source_config::tls_version::v1_2);
    CHECK(s.tls_handshake_timeout == 10s);
    CHECK(c.places.contains("source.app.tls.cert"));

    const daemon_config plain = parse_config(tls_source_head, "c.toml");
    CHECK(plain.sources.at(0).tls_cert.empty());
}

TEST_CASE("TLS keys are checked: pairs, values, unknown keys and sources that are not tcp", "[daemon][config][tls]") {
    CHECK(error_of(tls_source_head + "[source.app.tls]\ncert = \"/s.crt\"\n") ==
          "c.toml:11:8: source.app.tls.cert: not used without tls.key");
    CHECK(error_of(tls_source_head + "[source.app.tls]\ncert = \"/s.crt\"\nkey = \"/s.key\"\nverify_client = \"maybe\"\n") ==
          "c.toml:13:17: source.app.tls.verify_client: unknown value 'maybe'; expected one of \"required\", "
          "\"optional\", \"none\"");
    CHECK(error_of(tls_source_head + "[source.app.tls]\ncert = \"/s.crt\"\nkey = \"/s.key\"\nmin_version = \"1.1\"\n") ==
          "c.toml:13:15: source.app.tls.min_version: unknown value '1.1' (did you mean '1.2'?); expected one of "
          "\"1.2\", \"1.3\"");
    CHECK(error_of(tls_source_head + "[source.app.tls]\ncert = \"/s.crt\"\nkey = \"/s.key\"\nca = \"/ca.crt\"\n"
                                     "permitted_peers = \"*.example.com\"\n") ==
          "c.toml:14:19: source.app.tls.permitted_peers: expected an array of strings, e.g. [\"a\", \"b\"], got a "
          "string");
    CHECK(error_of(tls_source_head + "[source.app.tls]\ncert = \"/s.crt\"\nkey = \"/s.key\"\ncerts = \"/x\"\n") ==
          "c.toml:13:1: source.app.tls.certs: unknown key (did you mean 'tls.cert'?)");
    CHECK(error_of(tls_source_head + "[source.app.tls]\ncert = \"/s.crt\"\nkey = \"/s.key\"\npermitted_peers = [\"a\"]\n") ==
          "c.toml:13:19: source.app.tls.permitted_peers: not used without tls.ca");
    CHECK(error_of(R"([source.app]
type = "udp"
listen = "127.0.0.1:514"
[source.app.tls]
cert = "/s.crt"
[pipeline.p]
from = ["app"]
run = "grep x"
to = ["out"]
[sink.out]
type = "stdout"
)") == "c.toml:5:1: source.app.tls.cert: not used by a udp source");
    CHECK(error_of(R"([source.app]
type = "tcp"
listen = "127.0.0.1:6514"
tls = "yes"
[pipeline.p]
from = ["app"]
run = "grep x"
to = ["out"]
[sink.out]
type = "stdout"
)") == "c.toml:4:1: source.app.tls: expected a table ([source.app.tls])");
    CHECK(error_of(tls_source_head + "[source.app.tls]\nca = \"/ca.crt\"\n") ==
          "c.toml:11:6: source.app.tls.ca: not used without tls.cert");
    CHECK(error_of(tls_source_head + "[source.app.tls]\nserver_name = \"x\"\n") ==
          "c.toml:11:1: source.app.tls.server_name: not used by a tcp source");
}

TEST_CASE("A redis-stream source and sink take a client's [tls] table: the CAs alone, a client certificate, a name",
          "[daemon][config][tls][redis]") {
    const daemon_config c = parse_config(R"([source.bus]
type = "redis-stream"
address = "redis.example.com:6380"
stream = "logs"
group = "g"
[source.bus.tls]
ca = "/etc/coropiped/redis-ca.crt"
server_name = "redis.internal"
[pipeline.p]
from = ["bus"]
run = "grep x"
to = ["out"]
[sink.out]
type = "redis-stream"
address = "redis.example.com:6380"
stream = "kept"
[sink.out.tls]
cert = "/c.crt"
key = "/c.key"
)",
                                         "/c/c.toml");
    const source_config& s = c.sources.at(0);
    CHECK(s.tls());
    CHECK(s.tls_ca == "/etc/coropiped/redis-ca.crt");
    CHECK(s.tls_server_name == "redis.internal");
    const sink_config& k = c.sinks.at(0);
    CHECK(k.tls());
    CHECK(k.tls_cert == "/c.crt");
    CHECK(k.tls_ca.empty()); // the system's CAs
    CHECK_FALSE(parse_config(R"([source.bus]
type = "redis-stream"
address = "127.0.0.1:6379"
stream = "logs"
group = "g"
[pipeline.p]
from = ["bus"]
run = "grep x"
to = ["out"]
[sink.out]
type = "stdout"
)",
                             "c.toml")
                    .sources.at(0)
                    .tls());
}

TEST_CASE("A [daemon.metrics_tls] table sets the HTTPS files of /metrics, relative to the file, and needs "
          "metrics_listen and both of cert and key",
          "[daemon][config][tls][metrics]") {
    const daemon_config c = parse_config("[daemon]\nmetrics_listen = \"127.0.0.1:9100\"\n[daemon.metrics_tls]\n"
                                         "cert = \"m.crt\"\nkey = \"/k/m.key\"\nca = \"/k/ca.crt\"\n" +
                                             tls_source_head,
                                         "/c/c.toml");
    CHECK(c.metrics_tls_cert == "/c/m.crt");
    CHECK(c.metrics_tls_key == "/k/m.key");
    CHECK(c.metrics_tls_ca == "/k/ca.crt");
    CHECK(parse_config(tls_source_head, "c.toml").metrics_tls_cert.empty());

    CHECK(error_of("[daemon]\n[daemon.metrics_tls]\ncert = \"/m.crt\"\nkey = \"/m.key\"\n" + tls_source_head) ==
          "c.toml:3:8: daemon.metrics_tls.cert: not used without metrics_listen");
    CHECK(error_of("[daemon]\nmetrics_listen = \"127.0.0.1:9100\"\n[daemon.metrics_tls]\ncert = \"/m.crt\"\n" +
                   tls_source_head) == "c.toml:4:8: daemon.metrics_tls.cert: not used without metrics_tls.key");
    CHECK(error_of("[daemon]\nmetrics_listen = \"127.0.0.1:9100\"\n[daemon.metrics_tls]\nkey = \"/m.key\"\n" +
                   tls_source_head) == "c.toml:4:7: daemon.metrics_tls.key: not used without metrics_tls.cert");
}
