// The daemon's windowed aggregates (`count by $2 every 1s`): a window is
// written once the clock passes its end plus the pipeline's grace, with no
// later line, over a TCP connection that stays open; `format = "json"`
// writes the groups as JSON objects. The real daemon, a loopback client,
// the real file sink.

#include "daemon_process.hpp"
#include "temp_dir.hpp"

#include <coropipe/timestamp.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

using coropipe::test::connect_loopback;
using coropipe::test::daemon_process;
using coropipe::test::poll_until;
using coropipe::test::temp_dir;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// A daemon with /metrics on a free port, a tcp source `app`, the pipeline
/// tables `pipelines`, and a file sink `out` at `out`.
std::string metrics_config(const std::string& pipelines, const std::string& out) {
    return "[daemon]\nmetrics_listen = \"127.0.0.1:0\"\n"
           "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n" +
           pipelines + "\n[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n";
}

void send_all(int fd, const std::string& bytes) {
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
}

} // namespace

TEST_CASE("The daemon writes a window once the clock passes its end plus the grace, in text and in JSON, with no "
          "later line",
          "[pipelines][coropiped][window]") {
    temp_dir dir;
    const std::string text_out = dir.path("text.log");
    const std::string json_out = dir.path("json.log");
    const std::string config = "[daemon]\nshutdown_timeout = \"20s\"\n"
                               "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                               "\n[pipeline.hosts]\nfrom = [\"app\"]\nrun = \"count by $2 every 1s\"\n"
                               "grace = \"0s\"\nto = [\"text\"]\n"
                               "\n[pipeline.hosts_json]\nfrom = [\"app\"]\nrun = \"count by $2 every 1s\"\n"
                               "grace = \"0s\"\nformat = \"json\"\nto = [\"json\"]\n"
                               "\n[sink.text]\ntype = \"file\"\npath = \"" +
                               text_out + "\"\n\n[sink.json]\ntype = \"file\"\npath = \"" + json_out + "\"\n";
    daemon_process d(dir.write("d.toml", config));
    const int fd = connect_loopback(d.port_after("source app: listening on tcp 127.0.0.1:"));

    // Lines stamped now: their one-second window is due within a second
    // (plus the daemon's tick, a second), and the connection stays open.
    const std::int64_t now = now_ms();
    const std::string stamp = coropipe::format_rfc3339(now);
    const std::string window = coropipe::format_rfc3339(now / 1000 * 1000);
    send_all(fd, stamp + " web-1\n" + stamp + " web-2\n" + stamp + " web-1\n");

    const std::string text = window + "\tweb-1\t2\n" + window + "\tweb-2\t1\n";
    const std::string json = "{\"window\":\"" + window + "\",\"$2\":\"web-1\",\"count\":2}\n{\"window\":\"" + window +
                             "\",\"$2\":\"web-2\",\"count\":1}\n";
    const auto both_written = [&] { return read_file(text_out) == text && read_file(json_out) == json; };
    poll_until(both_written, "both windows in their files", [&] {
        return "text: '" + read_file(text_out) + "' json: '" + read_file(json_out) + "'\n" + d.child.err;
    }, std::chrono::seconds(10));

    ::close(fd);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(read_file(text_out) == text); // nothing more at the end: the window was written once
    CHECK(read_file(json_out) == json);
}

TEST_CASE("A pipeline's grace and format are checked: a bad duration or format names the key",
          "[pipelines][coropiped][window]") {
    temp_dir dir;
    const std::string base = "[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                             "\n[sink.out]\ntype = \"file\"\npath = \"" +
                             dir.path("out.log") + "\"\n\n[pipeline.p]\nfrom = [\"app\"]\nrun = \"count every 1m\"\n"
                                                   "to = [\"out\"]\n";
    const auto check = [&](const std::string& extra) {
        return coropipe::test::run_process(
            {coropipe::test::daemon_binary, "--check", dir.write("c.toml", base + extra)});
    };
    CHECK(check("grace = \"2s\"\nformat = \"json\"\n").status == 0);
    const auto bad_grace = check("grace = \"soon\"\n");
    CHECK(bad_grace.status == 2);
    CHECK_THAT(bad_grace.err, Catch::Contains("grace"));
    const auto bad_format = check("format = \"xml\"\n");
    CHECK(bad_format.status == 2);
    CHECK_THAT(bad_format.err, Catch::Contains("format"));
}

TEST_CASE("/metrics counts the lines a pipeline's throttle stage dropped", "[pipelines][coropiped][metrics]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    const std::string config =
        metrics_config("\n[pipeline.quiet]\nfrom = [\"app\"]\nrun = \"throttle 2 per 1h\"\nto = [\"out\"]\n", out);
    daemon_process d(dir.write("d.toml", config));
    const std::uint16_t metrics = d.port_after("metrics on http://127.0.0.1:");
    const int fd = connect_loopback(d.port_after("source app: listening on tcp 127.0.0.1:"));
    send_all(fd, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
    const std::string key = "coropiped_lines_throttled_total{kind=\"pipeline\",name=\"quiet\"}";
    poll_until([&] { return coropipe::test::metric(metrics, key) == 8; }, "8 throttled lines on /metrics",
               [&] { return std::to_string(coropipe::test::metric(metrics, key)); }, std::chrono::seconds(10));
    ::close(fd);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(read_file(out) == "1\n2\n");
}

TEST_CASE("A windowed aggregate with metric.name is served on /metrics as gauges, one series per group",
          "[pipelines][coropiped][metrics][window]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    const std::string config =
        metrics_config("\n[pipeline.hosts]\nfrom = [\"app\"]\nrun = \"count by $2 every 1s\"\ngrace = \"0s\"\n"
                       "to = [\"out\"]\n[pipeline.hosts.metric]\nname = \"app_lines\"\nlabels = [\"host\"]\n",
                       out);
    daemon_process d(dir.write("d.toml", config));
    const std::uint16_t metrics = d.port_after("metrics on http://127.0.0.1:");
    const int fd = connect_loopback(d.port_after("source app: listening on tcp 127.0.0.1:"));
    const std::string stamp = coropipe::format_rfc3339(now_ms());
    send_all(fd, stamp + " web-1\n" + stamp + " web-2\n" + stamp + " we\"b\n" + stamp + " web-1\n");
    const auto served = [&] {
        const std::string m = coropipe::test::metrics_text(metrics);
        return m.find("# TYPE app_lines gauge\n") != std::string::npos &&
               m.find("app_lines{host=\"web-1\"} 2\n") != std::string::npos &&
               m.find("app_lines{host=\"web-2\"} 1\n") != std::string::npos &&
               m.find("app_lines{host=\"we\\\"b\"} 1\n") != std::string::npos;
    };
    poll_until(
        served, "the window's gauges on /metrics", [&] { return coropipe::test::metrics_text(metrics); },
        std::chrono::seconds(10));
    ::close(fd);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(read_file(out).find("\tweb-1\t2\n") != std::string::npos); // and to the sink besides
}

TEST_CASE("metric.name needs a Prometheus name, a windowed aggregate at the end of run, and a label per KEY",
          "[pipelines][coropiped][metrics]") {
    temp_dir dir;
    const auto check = [&](const std::string& run, const std::string& metric) {
        const std::string config = "[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                                   "\n[sink.out]\ntype = \"file\"\npath = \"" +
                                   dir.path("out.log") + "\"\n\n[pipeline.p]\nfrom = [\"app\"]\nrun = \"" + run +
                                   "\"\nto = [\"out\"]\n[pipeline.p.metric]\n" + metric;
        return coropipe::test::run_process({coropipe::test::daemon_binary, "--check", dir.write("c.toml", config)});
    };
    CHECK(check("count by $2 every 1m", "name = \"a:b_c\"\nlabels = [\"host\"]\n").status == 0);
    const auto bad_name = check("count by $2 every 1m", "name = \"9lines\"\nlabels = [\"host\"]\n");
    CHECK(bad_name.status == 2);
    CHECK_THAT(bad_name.err, Catch::Contains("metric.name") && Catch::Contains("Prometheus metric name"));
    const auto no_window = check("count by $2", "name = \"n\"\nlabels = [\"host\"]\n");
    CHECK(no_window.status == 2);
    CHECK_THAT(no_window.err, Catch::Contains("'every DURATION'"));
    const auto labels = check("count by $2, $3 every 1m", "name = \"n\"\nlabels = [\"host\"]\n");
    CHECK(labels.status == 2);
    CHECK_THAT(labels.err, Catch::Contains("metric.labels names 1 label; the aggregate is by 2 KEYs"));
}
