#include <coropipe/detail/octet_framing.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::detail::octet_framing;
using coropipe::detail::syslog_framing;

namespace {

// Every line a framing hands on, for a stream fed in the given pieces.
struct run {
    std::vector<std::string> lines;
    std::vector<const char*> addresses; // where each line's bytes were
    bool went_on = true;
};

run frame(octet_framing& f, const std::vector<std::string_view>& pieces, bool finish = true) {
    run r;
    auto on_line = [&](std::string_view line) {
        r.lines.emplace_back(line);
        r.addresses.push_back(line.data());
        return true;
    };
    for (std::string_view piece : pieces) {
        r.went_on = f.feed(piece, on_line) && r.went_on;
    }
    if (finish) {
        r.went_on = f.finish(on_line) && r.went_on;
    }
    return r;
}

std::vector<std::string> frame_lines(std::string_view stream, syslog_framing mode = syslog_framing::octet_counting,
                                     std::size_t max_line = 64 * 1024) {
    octet_framing f(mode, max_line);
    return frame(f, {stream}).lines;
}

// Two frames as logger --octet-count sent them (`printf 'line one\nline
// two\n' | logger -T --octet-count -t multi`): no separator between them.
constexpr std::string_view logger_two_frames =
    R"(99 <13>1 2026-11-23T12:31:58.356154+00:00 vm multi - - [timeQuality tzKnown="1" isSynced="0"] line one)"
    R"(99 <13>1 2026-11-23T12:31:58.356301+00:00 vm multi - - [timeQuality tzKnown="1" isSynced="0"] line two)";
constexpr std::string_view logger_first =
    R"(<13>1 2026-11-23T12:31:58.356154+00:00 vm multi - - [timeQuality tzKnown="1" isSynced="0"] line one)";
constexpr std::string_view logger_second =
    R"(<13>1 2026-11-23T12:31:58.356301+00:00 vm multi - - [timeQuality tzKnown="1" isSynced="0"] line two)";

// `logger -T --octet-count $'multi\nline arg'`: a '\n' inside the frame.
constexpr std::string_view logger_embedded_newline =
    "104 <13>1 2026-11-23T12:32:07.024461+00:00 vm root - - [timeQuality tzKnown=\"1\" isSynced=\"0\"] multi\nline "
    "arg";

} // namespace

TEST_CASE("octet_framing turns logger's octet-counted frames into lines", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting);
    const run r = frame(f, {logger_two_frames});
    CHECK(r.lines == std::vector<std::string>{std::string(logger_first), std::string(logger_second)});
    CHECK(f.framing() == syslog_framing::octet_counting);
    CHECK(f.framing_errors() == 0);
    CHECK(f.truncated() == 0);
    CHECK(f.carried() == 0);
}

TEST_CASE("octet_framing hands on a frame that is whole in one piece without copying it", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting);
    const run r = frame(f, {logger_two_frames});
    REQUIRE(r.addresses.size() == 2);
    CHECK(r.addresses[0] == logger_two_frames.data() + 3);
    CHECK(r.addresses[1] == logger_two_frames.data() + 3 + 99 + 3);
}

TEST_CASE("octet_framing gives the same lines wherever the stream is split", "[detail][octet_framing]") {
    const std::string stream = std::string(logger_two_frames) + std::string(logger_embedded_newline) + "4 a\nb\n";
    const std::vector<std::string> whole = frame_lines(stream);
    REQUIRE(whole.size() == 4);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        for (std::size_t j = i; j <= stream.size(); j += 7) {
            octet_framing f(syslog_framing::octet_counting);
            const std::string_view s(stream);
            const run r = frame(f, {s.substr(0, i), s.substr(i, j - i), s.substr(j)});
            CAPTURE(i, j);
            REQUIRE(r.lines == whole);
            CHECK(f.carried() == 0);
        }
    }
    // one byte at a time
    octet_framing f(syslog_framing::octet_counting);
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        bytes.push_back(std::string_view(stream).substr(i, 1));
    }
    CHECK(frame(f, bytes).lines == whole);
}

TEST_CASE("octet_framing writes a newline inside a frame as #012", "[detail][octet_framing]") {
    const std::vector<std::string> lines = frame_lines(logger_embedded_newline);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].ends_with("] multi#012line arg"));
    CHECK(frame_lines("6 a\n\nb\n\n") == std::vector<std::string>{"a#012#012b#012"}); // only the last '\n' dropped
}

TEST_CASE("octet_framing drops a counted terminator and skips newlines between frames", "[detail][octet_framing]") {
    CHECK(frame_lines("4 abc\n4 def\n") == std::vector<std::string>{"abc", "def"});
    CHECK(frame_lines("3 abc\n3 def\r\n\n3 ghi") == std::vector<std::string>{"abc", "def", "ghi"});
    CHECK(frame_lines("1 \n") == std::vector<std::string>{""});
}

TEST_CASE("octet_framing passes NUL, CR and invalid UTF-8 inside a frame unchanged", "[detail][octet_framing]") {
    CHECK(frame_lines("6 a\0\r\xff\xfe"
                      "b"sv) == std::vector<std::string>{"a\0\r\xff\xfe"
                                                         "b"s});
}

TEST_CASE("automatic framing reads newline-framed streams as lines", "[detail][octet_framing]") {
    octet_framing f;
    const run r = frame(f, {"<13>Nov 23 12:31:58 vm myapp: hello 3164\n<13>1 - - app - - - minimal\nlast"});
    CHECK(f.framing() == syslog_framing::newline);
    CHECK(r.lines ==
          std::vector<std::string>{"<13>Nov 23 12:31:58 vm myapp: hello 3164", "<13>1 - - app - - - minimal", "last"});
    // a stream that starts with anything but a digit: newline framing, even
    // if octet-counted frames follow
    CHECK(frame_lines("x\n3 abc", syslog_framing::automatic) == std::vector<std::string>{"x", "3 abc"});
    // nor does a plain line that starts with a number
    CHECK(frame_lines("12 requests\n3 more\n", syslog_framing::automatic) ==
          std::vector<std::string>{"12 requests", "3 more"});
    // a count, a space and a syslog PRI: octet counting
    CHECK(frame_lines("9 <13>1 - x\n", syslog_framing::automatic) == std::vector<std::string>{"<13>1 - x"});
}

TEST_CASE("automatic framing decides on the first bytes, not on an empty piece", "[detail][octet_framing]") {
    octet_framing f;
    CHECK(f.framing() == syslog_framing::automatic);
    frame(f, {""}, false);
    CHECK(f.framing() == syslog_framing::automatic);
    frame(f, {"1"}, false);
    CHECK(f.framing() == syslog_framing::automatic); // "1" starts a frame and a plain line alike
    frame(f, {"1 "}, false);
    CHECK(f.framing() == syslog_framing::automatic);
    frame(f, {"<"}, false);
    CHECK(f.framing() == syslog_framing::octet_counting);
}

TEST_CASE("automatic framing decides the same however the first bytes are split", "[detail][octet_framing]") {
    for (const std::string stream :
         {"11 <13>1 - x\n12 plain\n", "12 plain\n", "1", "12 ", "7 <13>abc", "123456789 <1x", "1234567890 <1x"}) {
        const std::vector<std::string> whole = frame_lines(stream, syslog_framing::automatic);
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            octet_framing f;
            std::vector<std::string> lines;
            auto keep = [&](std::string_view line) {
                lines.emplace_back(line);
                return true;
            };
            f.feed(std::string_view(stream).substr(0, cut), keep);
            f.feed(std::string_view(stream).substr(cut), keep);
            f.finish(keep);
            CAPTURE(stream, cut);
            CHECK(lines == whole);
        }
    }
}

TEST_CASE("a framing chosen up front is kept", "[detail][octet_framing]") {
    CHECK(frame_lines("3 abc\n", syslog_framing::newline) == std::vector<std::string>{"3 abc"});
    octet_framing f(syslog_framing::octet_counting);
    const run r = frame(f, {"<13>x\n"});
    CHECK(r.lines == std::vector<std::string>{"<13>x"}); // a framing error: read as newline framing
    CHECK(f.framing_errors() == 1);
}

TEST_CASE("a malformed length ends octet counting for the connection, losing no byte", "[detail][octet_framing]") {
    struct expected {
        std::string_view stream;
        std::vector<std::string> lines;
    };
    const auto e = GENERATE(values<expected>({
        {"3 abcxyz\nmore\n", {"abc", "xyz", "more"}},     // a non-digit where a length belongs
        {"3 abc03 def\n", {"abc", "03 def"}},             // a leading zero
        {"3 abc0 \n", {"abc", "0 "}},                     // a zero length
        {"3 abc1234567890 x\n", {"abc", "1234567890 x"}}, // more than 9 digits
        {"3 abc12x\n", {"abc", "12x"}},                   // no space after the digits
        {"3 abc12\n3 def\n", {"abc", "12", "3 def"}},     // a newline after the digits
        {"3 abc -1 x\n", {"abc", " -1 x"}},               // a sign
    }));
    octet_framing f(syslog_framing::octet_counting);
    CAPTURE(e.stream);
    CHECK(frame(f, {e.stream}).lines == e.lines);
    CHECK(f.framing_errors() == 1);
    CHECK(f.framing() == syslog_framing::newline);
}

TEST_CASE("a length split across pieces is rewritten whole on a framing error", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting);
    CHECK(frame(f, {"3 abc12", "34", "x\n"}).lines == std::vector<std::string>{"abc", "1234x"});
    CHECK(f.framing_errors() == 1);
}

TEST_CASE("octet_framing cuts a frame longer than max_line and reads the next one", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting, 4);
    const run r = frame(f, {"10 0123456789", "3 abc", "4 wx", "yz"});
    CHECK(r.lines == std::vector<std::string>{"0123", "abc", "wxyz"}); // the last one fits, in two pieces
    CHECK(f.truncated() == 1);
    f = octet_framing(syslog_framing::octet_counting, 4);
    CHECK(frame(f, {"10 01234", "56789", "1 z"}).lines == std::vector<std::string>{"0123", "z"});
    CHECK(f.truncated() == 1);
}

TEST_CASE("octet_framing never cuts inside a #012", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting, 5);
    CHECK(frame(f, {"6 ab\ncde"}).lines == std::vector<std::string>{"ab"});
    CHECK(f.truncated() == 1);
}

TEST_CASE("octet_framing skips a huge frame by its count without holding it", "[detail][octet_framing]") {
    constexpr std::size_t max_line = 1024;
    octet_framing f(syslog_framing::octet_counting, max_line);
    const std::string chunk(64 * 1024, 'x');
    std::size_t lines = 0;
    std::size_t longest = 0;
    auto on_line = [&](std::string_view line) {
        ++lines;
        longest = std::max(longest, line.size());
        return true;
    };
    CHECK(f.feed("100000000 ", on_line)); // 100 MB announced
    for (std::size_t sent = 0; sent < 100'000'000; sent += chunk.size()) {
        const std::size_t n = std::min(chunk.size(), 100'000'000 - sent);
        REQUIRE(f.feed(std::string_view(chunk).substr(0, n), on_line));
        REQUIRE(f.carried() <= max_line);
    }
    CHECK(lines == 1);
    CHECK(longest == max_line);
    CHECK(f.feed("2 ok", on_line));
    CHECK(lines == 2);
    CHECK(f.truncated() == 1);
}

TEST_CASE("a newline-framed line longer than max_line is cut too", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting, 3);
    CHECK(frame(f, {"abcdef\nxy\n"}).lines == std::vector<std::string>{"abc", "xy"});
    CHECK(f.truncated() == 1);
}

TEST_CASE("octet_framing hands on a frame cut short by the end of the stream", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting);
    CHECK(frame(f, {"3 abc10 hal"}).lines == std::vector<std::string>{"abc", "hal"});
    CHECK(f.truncated() == 1);
    CHECK(f.carried() == 0);

    octet_framing g(syslog_framing::octet_counting);
    CHECK(frame(g, {"3 abc", "42"}).lines == std::vector<std::string>{"abc", "42"});
    CHECK(g.framing_errors() == 1);

    octet_framing h(syslog_framing::octet_counting);
    CHECK(frame(h, {"3 abc", "4 "}).lines == std::vector<std::string>{"abc", ""});
    CHECK(h.truncated() == 1);
}

TEST_CASE("octet_framing stops when the consumer does", "[detail][octet_framing]") {
    octet_framing f(syslog_framing::octet_counting);
    std::vector<std::string> lines;
    auto first_only = [&](std::string_view line) {
        lines.emplace_back(line);
        return false;
    };
    CHECK_FALSE(f.feed("1 a1 b1 c", first_only));
    CHECK(lines == std::vector<std::string>{"a"});

    octet_framing g(syslog_framing::octet_counting);
    lines.clear();
    CHECK_FALSE(g.feed("3 a\n\n1 b", first_only));
    CHECK(lines == std::vector<std::string>{"a#012"});
}

TEST_CASE("an empty stream gives no line", "[detail][octet_framing]") {
    CHECK(frame_lines("").empty());
    CHECK(frame_lines("\n\r\n", syslog_framing::octet_counting).empty());
}
