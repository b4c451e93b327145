#include <coropipe/syslog.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>

using namespace std::literals;
using coropipe::parse_syslog;
using coropipe::syslog_facility;
using coropipe::syslog_format;
using coropipe::syslog_message;
using coropipe::syslog_severity;

namespace {

// Lines as util-linux logger 2.38.1 sent them to a TCP listener
// (`logger -n 127.0.0.1 -P PORT -T ...`), copied byte for byte, without the
// trailing '\n' (or the octet count) of their framing.
namespace logger {
// logger -T -t myapp -p local3.warning "hello world" (RFC 5424 is logger's default)
constexpr std::string_view default_5424 =
    R"(<156>1 2026-11-23T12:31:57.976670+00:00 vm myapp - - [timeQuality tzKnown="1" isSynced="0"] hello world)";
// logger -T --rfc3164 -t myapp -p user.err "hello 3164"
constexpr std::string_view rfc3164 = "<11>Nov 23 12:31:58 vm myapp: hello 3164";
// logger -T --rfc3164 -i -t myapp -p local7.debug "3164 pid"
constexpr std::string_view rfc3164_pid = "<191>Nov 23 12:32:06 vm myapp[14552]: 3164 pid";
// logger -T --rfc5424 -t myapp --sd-id zoo@123 --sd-param tiger="hungry" --msgid MSG1 "hello 5424"
constexpr std::string_view with_sd =
    R"(<13>1 2026-11-23T12:31:58.097946+00:00 vm myapp - MSG1 [timeQuality tzKnown="1" isSynced="0"][zoo@123 tiger="hungry"] hello 5424)";
// logger -T -i -t app "with pid"
constexpr std::string_view with_pid =
    R"(<13>1 2026-11-23T12:31:58.125284+00:00 vm app 14455 - [timeQuality tzKnown="1" isSynced="0"] with pid)";
// logger -T --rfc5424=notq,notime,nohost -t app "minimal"
constexpr std::string_view minimal = "<13>1 - - app - - - minimal";
// logger -T --rfc5424=notime --msgid ID47 -p auth.notice "notime"
constexpr std::string_view notime = "<37>1 - vm root - ID47 - notime";
// logger -T -t "" "empty tag": an empty APP-NAME, two spaces
constexpr std::string_view empty_tag =
    R"(<13>1 2026-11-23T12:31:58.408762+00:00 vm  - - [timeQuality tzKnown="1" isSynced="0"] empty tag)";
// logger -T --rfc3164 -t "" "3164 empty tag"
constexpr std::string_view rfc3164_empty_tag = "<13>Nov 23 12:32:07 vm : 3164 empty tag";
// logger -T --rfc5424 --sd-id a@1 --sd-param 'x="q\"uo\]te"' --sd-id b@2 --sd-param 'y="2"' "two sds"
constexpr std::string_view escaped_sd =
    R"(<13>1 2026-11-23T12:32:06.978639+00:00 vm root - - [timeQuality tzKnown="1" isSynced="0"][a@1 x="q\"uo\]te"][b@2 y="2"] two sds)";
// logger -T --octet-count --rfc3164 -p local0.alert $'nul\x01ctl' (the frame's MSG)
constexpr std::string_view control_byte = "<129>Nov 23 12:32:07 vm root: nul\x01"
                                          "ctl";
// logger -T --octet-count -t utf $'caf\xc3\xa9 \xff bad' (the frame's MSG)
constexpr std::string_view invalid_utf8 =
    "<13>1 2026-11-23T12:31:58.464243+00:00 vm utf - - [timeQuality tzKnown=\"1\" isSynced=\"0\"] caf\xc3\xa9 \xff bad";
// logger -d --rfc3164 -t myapp -p daemon.info "udp 3164" (a UDP datagram)
constexpr std::string_view udp_3164 = "<30>Nov 23 12:31:58 vm myapp: udp 3164";
} // namespace logger

} // namespace

TEST_CASE("parse_syslog takes logger's default RFC 5424 line apart", "[syslog][parse]") {
    const syslog_message m = parse_syslog(logger::default_5424);
    CHECK(m.format == syslog_format::rfc5424);
    CHECK(m.priority == 156);
    CHECK(m.facility() == syslog_facility::local3);
    CHECK(m.severity() == syslog_severity::warning);
    CHECK(m.version == 1);
    CHECK(m.timestamp == "2026-11-23T12:31:57.976670+00:00");
    CHECK(m.hostname == "vm");
    CHECK(m.app_name == "myapp");
    CHECK(m.procid.empty());
    CHECK(m.msgid.empty());
    CHECK(m.structured_data == R"([timeQuality tzKnown="1" isSynced="0"])");
    CHECK(m.message == "hello world");
    CHECK_FALSE(m.bom);
}

TEST_CASE("parse_syslog reads RFC 5424 PROCID, MSGID and several SD-ELEMENTs", "[syslog][parse]") {
    syslog_message m = parse_syslog(logger::with_sd);
    CHECK(m.msgid == "MSG1");
    CHECK(m.structured_data == R"([timeQuality tzKnown="1" isSynced="0"][zoo@123 tiger="hungry"])");
    CHECK(m.message == "hello 5424");

    m = parse_syslog(logger::with_pid);
    CHECK(m.app_name == "app");
    CHECK(m.procid == "14455");
    CHECK(m.message == "with pid");
}

TEST_CASE("parse_syslog does not end structured data at an escaped bracket or quote", "[syslog][parse]") {
    const syslog_message m = parse_syslog(logger::escaped_sd);
    CHECK(m.structured_data == R"([timeQuality tzKnown="1" isSynced="0"][a@1 x="q\"uo\]te"][b@2 y="2"])");
    CHECK(m.message == "two sds");
}

TEST_CASE("parse_syslog reads the RFC 5424 NILVALUE as an empty field", "[syslog][parse]") {
    syslog_message m = parse_syslog(logger::minimal);
    CHECK(m.format == syslog_format::rfc5424);
    CHECK(m.timestamp.empty());
    CHECK(m.hostname.empty());
    CHECK(m.app_name == "app");
    CHECK(m.structured_data.empty());
    CHECK(m.message == "minimal");

    m = parse_syslog(logger::notime);
    CHECK(m.severity() == syslog_severity::notice);
    CHECK(m.facility() == syslog_facility::auth);
    CHECK(m.hostname == "vm");
    CHECK(m.app_name == "root");
    CHECK(m.msgid == "ID47");
    CHECK(m.message == "notime");
}

TEST_CASE("parse_syslog reads logger's empty APP-NAME as an empty field", "[syslog][parse]") {
    const syslog_message m = parse_syslog(logger::empty_tag);
    CHECK(m.hostname == "vm");
    CHECK(m.app_name.empty());
    CHECK(m.procid.empty());
    CHECK(m.message == "empty tag");
}

TEST_CASE("parse_syslog strips an RFC 5424 BOM from the message and says so", "[syslog][parse]") {
    const syslog_message m = parse_syslog("<14>1 - host app - - - \xEF\xBB\xBF"
                                          "caf\xC3\xA9");
    CHECK(m.bom);
    CHECK(m.message == "caf\xC3\xA9");
    CHECK(parse_syslog("<14>1 - host app - - [x@1 a=\"b\"] \xEF\xBB\xBFz").message == "z");
}

TEST_CASE("parse_syslog takes logger's RFC 3164 lines apart", "[syslog][parse]") {
    syslog_message m = parse_syslog(logger::rfc3164);
    CHECK(m.format == syslog_format::rfc3164);
    CHECK(m.severity() == syslog_severity::err);
    CHECK(m.facility() == syslog_facility::user);
    CHECK(m.version == 0);
    CHECK(m.timestamp == "Nov 23 12:31:58");
    CHECK(m.hostname == "vm");
    CHECK(m.app_name == "myapp");
    CHECK(m.procid.empty());
    CHECK(m.message == "hello 3164");

    m = parse_syslog(logger::rfc3164_pid);
    CHECK(m.facility() == syslog_facility::local7);
    CHECK(m.severity() == syslog_severity::debug);
    CHECK(m.app_name == "myapp");
    CHECK(m.procid == "14552");
    CHECK(m.message == "3164 pid");

    m = parse_syslog(logger::rfc3164_empty_tag);
    CHECK(m.hostname == "vm");
    CHECK(m.app_name.empty());
    CHECK(m.message == "3164 empty tag");

    m = parse_syslog(logger::udp_3164);
    CHECK(m.facility() == syslog_facility::daemon);
    CHECK(m.severity() == syslog_severity::info);
    CHECK(m.app_name == "myapp");
}

TEST_CASE("parse_syslog passes control bytes, NUL and invalid UTF-8 in the message unchanged", "[syslog][parse]") {
    CHECK(parse_syslog(logger::control_byte).message == "nul\x01"
                                                        "ctl");
    CHECK(parse_syslog(logger::invalid_utf8).message == "caf\xc3\xa9 \xff bad");
    const std::string_view nul = "<13>Nov  3 01:02:03 h a: x\0y\xfe"sv;
    CHECK(parse_syslog(nul).message == "x\0y\xfe"sv);
}

TEST_CASE("parse_syslog reads RFC 3164 variants leniently, like rsyslog", "[syslog][parse]") {
    struct expected {
        std::string_view line, timestamp, hostname, app, procid, message;
    };
    const auto e = GENERATE(values<expected>({
        // day padded with a space, as syslog(3) and logger write it
        {"<13>Nov  3 01:02:03 host app: m", "Nov  3 01:02:03", "host", "app", "", "m"},
        // day not padded; a year; fractions
        {"<13>Nov 3 01:02:03 host app: m", "Nov 3 01:02:03", "host", "app", "", "m"},
        {"<13>Nov  3 2024 01:02:03 host app: m", "Nov  3 2024 01:02:03", "host", "app", "", "m"},
        {"<13>Nov  3 01:02:03.250 host app: m", "Nov  3 01:02:03.250", "host", "app", "", "m"},
        // ISO 8601 timestamps (rsyslog's forwarding format)
        {"<13>2024-05-01T12:00:00.123456+02:00 web1 nginx[7]: GET /", "2024-05-01T12:00:00.123456+02:00", "web1",
         "nginx", "7", "GET /"},
        {"<13>2024-05-01T12:00:00Z web1 nginx: x", "2024-05-01T12:00:00Z", "web1", "nginx", "", "x"},
        // no hostname (a local /dev/log message): the tag is not a host
        {"<13>Nov  3 01:02:03 sshd[42]: Accepted", "Nov  3 01:02:03", "", "sshd", "42", "Accepted"},
        {"<13>Nov  3 01:02:03 kernel: oops", "Nov  3 01:02:03", "", "kernel", "", "oops"},
        // no timestamp: no hostname, but a tag
        {"<13>sshd[42]: hello", "", "", "sshd", "42", "hello"},
        {"<13>myapp: hello", "", "", "myapp", "", "hello"},
        // no tag
        {"<13>Nov  3 01:02:03 host just text", "Nov  3 01:02:03", "host", "", "", "just text"},
        {"<13>just text", "", "", "", "", "just text"},
        // paths and IPv6 addresses
        {"<22>Nov  3 01:02:03 mx postfix/smtpd[9]: connect", "Nov  3 01:02:03", "mx", "postfix/smtpd", "9", "connect"},
        {"<13>Nov  3 01:02:03 fe80::1%eth0 app: m", "Nov  3 01:02:03", "fe80::1%eth0", "app", "", "m"},
        // a lone word after the timestamp is the message, not a hostname
        {"<13>Nov  3 01:02:03 rebooting", "Nov  3 01:02:03", "", "", "", "rebooting"},
        // a malformed timestamp is message text
        {"<13>Nov 33:02:03 host app: m", "", "", "", "", "Nov 33:02:03 host app: m"},
        {"<13>Foo  3 01:02:03 host app: m", "", "", "", "", "Foo  3 01:02:03 host app: m"},
        {"<13>2024-05-01T12:00 host app: m", "", "", "", "", "2024-05-01T12:00 host app: m"},
    }));
    CAPTURE(e.line);
    const syslog_message m = parse_syslog(e.line);
    CHECK(m.format == syslog_format::rfc3164);
    CHECK(m.timestamp == e.timestamp);
    CHECK(m.hostname == e.hostname);
    CHECK(m.app_name == e.app);
    CHECK(m.procid == e.procid);
    CHECK(m.message == e.message);
}

TEST_CASE("parse_syslog gives a line without a valid PRI as the message, severity unknown", "[syslog][parse]") {
    const auto line = GENERATE(as<std::string_view>{}, "", "plain text", "<>x", "<192>too large", "<1234>x", "<1x>y",
                               "<13", "<-1>x", "13>x", " <13>x", "1 2024-05-01T00:00:00Z h a - - - m");
    CAPTURE(line);
    const syslog_message m = parse_syslog(line);
    CHECK(m.format == syslog_format::none);
    CHECK(m.priority == -1);
    CHECK_FALSE(m.severity());
    CHECK_FALSE(m.facility());
    CHECK(m.message == line);
    CHECK(m.message.data() == line.data());
    CHECK(m.hostname.empty());
    CHECK(m.app_name.empty());
    CHECK(m.timestamp.empty());
}

TEST_CASE("parse_syslog accepts every PRI from 0 to 191, leading zeros too", "[syslog][parse]") {
    for (int pri = 0; pri <= 191; ++pri) {
        const std::string line = "<" + std::to_string(pri) + ">x";
        const syslog_message m = parse_syslog(line);
        REQUIRE(m.priority == pri);
        CHECK(static_cast<int>(*m.severity()) == pri % 8);
        CHECK(static_cast<int>(*m.facility()) == pri / 8);
        CHECK(m.message == "x");
    }
    CHECK(parse_syslog("<013>x").priority == 13);
    CHECK(parse_syslog("<0>").format == syslog_format::rfc3164);
    CHECK(parse_syslog("<0>").message.empty());
}

TEST_CASE("parse_syslog fills what it can of a truncated RFC 5424 line", "[syslog][parse]") {
    syslog_message m = parse_syslog("<13>1 2024-05-01T00:00:00Z web1 ap");
    CHECK(m.format == syslog_format::rfc5424);
    CHECK(m.hostname == "web1");
    CHECK(m.app_name == "ap");
    CHECK(m.procid.empty());
    CHECK(m.message.empty());

    m = parse_syslog("<13>1 ");
    CHECK(m.format == syslog_format::rfc5424);
    CHECK(m.timestamp.empty());
    CHECK(m.message.empty());

    // cut inside an SD-ELEMENT: all of it is structured data, no message
    m = parse_syslog(R"(<13>1 - h a - - [x@1 k="v] more)");
    CHECK(m.structured_data == R"([x@1 k="v] more)");
    CHECK(m.message.empty());

    // the SD without a space before the message; no SD at all
    CHECK(parse_syslog("<13>1 - h a - - [x@1]msg").message == "msg");
    CHECK(parse_syslog("<13>1 - h a - - msg text").message == "msg text");
    CHECK(parse_syslog("<13>1 - h a - - msg text").structured_data.empty());
    CHECK(parse_syslog("<13>1 - h a - - -").message.empty());
    CHECK(parse_syslog("<13>1 - h a - - -x").message == "-x");
}

TEST_CASE("parse_syslog treats only version 1 as RFC 5424", "[syslog][parse]") {
    CHECK(parse_syslog("<13>1 - h a - - - m").format == syslog_format::rfc5424);
    const syslog_message m = parse_syslog("<13>12 apples");
    CHECK(m.format == syslog_format::rfc3164);
    CHECK(m.message == "12 apples");
    CHECK(parse_syslog("<13>1").message == "1");
}

TEST_CASE("parse_syslog returns views into the line it was given", "[syslog][parse]") {
    const std::string line(logger::with_sd);
    const syslog_message m = parse_syslog(line);
    for (std::string_view field : {m.timestamp, m.hostname, m.app_name, m.msgid, m.structured_data, m.message}) {
        CHECK(field.data() >= line.data());
        CHECK(field.data() + field.size() <= line.data() + line.size());
    }
}

TEST_CASE("parse_syslog survives every prefix of real lines and garbage", "[syslog][parse]") {
    const std::string_view samples[] = {logger::default_5424,
                                        logger::escaped_sd,
                                        logger::rfc3164_pid,
                                        "<13>2024-05-01T12:00:00.123456+02:00 web1 nginx[7]: GET /",
                                        "<13>Nov  3 2024 01:02:03 h a[1]: m",
                                        "\xff\xfe<\0>\x80["sv};
    for (std::string_view s : samples) {
        for (std::size_t n = 0; n <= s.size(); ++n) {
            // Copied, so that ASan sees any read past the prefix.
            const std::string prefix(s.substr(0, n));
            const syslog_message m = parse_syslog(prefix);
            CHECK(m.message.data() + m.message.size() <= prefix.data() + prefix.size());
        }
    }
}

TEST_CASE("severity and facility names parse from names and numbers", "[syslog][names]") {
    for (int i = 0; i < 8; ++i) {
        const auto s = static_cast<syslog_severity>(i);
        CHECK(coropipe::parse_severity(coropipe::severity_name(s)) == s);
        CHECK(coropipe::parse_severity(std::to_string(i)) == s);
    }
    for (int i = 0; i < 24; ++i) {
        const auto f = static_cast<syslog_facility>(i);
        CHECK(coropipe::parse_facility(coropipe::facility_name(f)) == f);
        CHECK(coropipe::parse_facility(std::to_string(i)) == f);
    }
    CHECK(coropipe::severity_name(syslog_severity::warning) == "warning");
    CHECK(coropipe::facility_name(syslog_facility::local3) == "local3");
    CHECK(coropipe::parse_severity("WARNING") == syslog_severity::warning);
    CHECK(coropipe::parse_severity("warn") == syslog_severity::warning);
    CHECK(coropipe::parse_severity("error") == syslog_severity::err);
    CHECK(coropipe::parse_severity("panic") == syslog_severity::emerg);
    CHECK(coropipe::parse_facility("security") == syslog_facility::auth);
    CHECK(coropipe::parse_facility("LOCAL7") == syslog_facility::local7);
}

TEST_CASE("unknown severity and facility names parse to nothing", "[syslog][names]") {
    for (std::string_view bad : {""sv, "8"sv, "-1"sv, "007"sv, "warnings"sv, "local8"sv, " info"sv, "info\0"sv}) {
        CAPTURE(bad);
        CHECK_FALSE(coropipe::parse_severity(bad));
    }
    for (std::string_view bad : {""sv, "24"sv, "99"sv, "local8"sv, "kernel"sv, "100"sv}) {
        CAPTURE(bad);
        CHECK_FALSE(coropipe::parse_facility(bad));
    }
}

// ---- syslog_pri::optional: log-file lines without <PRI> ---------------------------

TEST_CASE("parse_syslog with an optional PRI reads the header of log-file lines", "[syslog][parse][no-pri]") {
    using coropipe::syslog_pri;
    struct expected {
        std::string_view line, timestamp, hostname, app, procid, message;
    };
    // In the forms of the LogHub samples and of rsyslog's file formats (written for this test).
    const expected e = GENERATE(values<expected>({
        {"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0", "Jun 14 15:16:01",
         "combo", "sshd(pam_unix)", "19939", "authentication failure; logname= uid=0"},
        {"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186", "Dec 10 06:55:46", "LabSZ",
         "sshd", "24200", "Invalid user webmaster from 173.234.31.186"},
        {"Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback",
         "Jul  1 09:00:55", "calvisitor-10-105-160-95", "kernel", "0", "IOThunderboltSwitch<0>(0x0)::listenerCallback"},
        {"Nov 23 10:15:32 web-14 CRON[812]: (root) CMD (run-parts /etc/cron.hourly)", "Nov 23 10:15:32", "web-14",
         "CRON", "812", "(root) CMD (run-parts /etc/cron.hourly)"},
        {"2026-11-23T10:15:32.123Z web-14 nginx[812]: GET /api 200", "2026-11-23T10:15:32.123Z", "web-14", "nginx",
         "812", "GET /api 200"},
        {"2026-11-23T10:15:32.123456+01:00 db1 postgres: checkpoint starting", "2026-11-23T10:15:32.123456+01:00",
         "db1", "postgres", "", "checkpoint starting"},
        {"Nov 23 10:15:32 kernel: Out of memory", "Nov 23 10:15:32", "", "kernel", "", "Out of memory"},
        {"Nov 23 10:15:32 host just text", "Nov 23 10:15:32", "host", "", "", "just text"},
    }));
    CAPTURE(e.line);
    const syslog_message m = parse_syslog(e.line, syslog_pri::optional);
    CHECK(m.format == syslog_format::rfc3164);
    CHECK(m.priority == -1);
    CHECK_FALSE(m.severity());
    CHECK_FALSE(m.facility());
    CHECK(m.timestamp == e.timestamp);
    CHECK(m.hostname == e.hostname);
    CHECK(m.app_name == e.app);
    CHECK(m.procid == e.procid);
    CHECK(m.message == e.message);
    // Required (the default), the same line is all message.
    CHECK(parse_syslog(e.line).format == syslog_format::none);
}

TEST_CASE("parse_syslog with an optional PRI leaves lines without a leading timestamp alone",
          "[syslog][parse][no-pri]") {
    using coropipe::syslog_pri;
    const auto line = GENERATE(as<std::string_view>{}, "",
                               "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
                               "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181] - x",
                               "error: disk full", "Nov 23 10:15 host app: m", "level=info msg=x");
    CAPTURE(line);
    const syslog_message m = parse_syslog(line, syslog_pri::optional);
    CHECK(m.format == syslog_format::none);
    CHECK(m.message == line);
    CHECK(m.app_name.empty());
    CHECK(m.timestamp.empty());
}

TEST_CASE("parse_syslog with an optional PRI still reads a <PRI> first", "[syslog][parse][no-pri]") {
    using coropipe::syslog_pri;
    CHECK(parse_syslog(logger::rfc3164_pid, syslog_pri::optional).priority == 191);
    CHECK(parse_syslog(logger::with_sd, syslog_pri::optional).format == syslog_format::rfc5424);
}
