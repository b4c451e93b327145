#include <coropipe/stages/severity.hpp>

#include <coropipe/error.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/stages/app.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <line_source.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::severity;
using coropipe::syslog_severity;
using coropipe::test::collect;
using coropipe::test::strings;

namespace {

// Lines as logger sends them (see tests/syslog_test.cpp), one per severity
// that matters here, and one without a PRI.
const std::vector<std::string_view> lines{
    "<8>1 2026-11-23T12:31:58.384013+00:00 vm app - - - kern.emerg",         // 0
    "<11>Nov 23 12:31:58 vm myapp: user.err",                                // 3
    "<156>1 2026-11-23T12:31:57.976670+00:00 vm myapp - - - local3.warning", // 4
    "<30>Nov 23 12:31:58 vm myapp: daemon.info",                             // 6
    "no priority at all",
    "<191>Nov 23 12:32:06 vm myapp[14552]: local7.debug", // 7
};

// Yields `lines` from one reused buffer, with a counted object in scope;
// throws instead of yielding line `throw_at`.
coropipe::generator<std::string_view> source(int throw_at = -1) {
    return coropipe::test::copied_lines(lines, throw_at);
}

// A sink that copies each line into `*out`.
coropipe::sink<std::string_view> keep_into(std::vector<std::string>* out) {
    while (std::string_view* line = co_await coropipe::input) {
        out->emplace_back(*line);
    }
}

} // namespace

TEST_CASE("severity passes the lines at least as important as the level", "[stage][severity]") {
    CHECK(collect(lines | severity(syslog_severity::warning)) == strings({lines[0], lines[1], lines[2]}));
    CHECK(collect(lines | severity(syslog_severity::emerg)) == strings({lines[0]}));
    CHECK(collect(lines | severity(syslog_severity::debug)) ==
          strings({lines[0], lines[1], lines[2], lines[3], lines[5]}));
}

TEST_CASE("severity takes the level as a name or a number", "[stage][severity]") {
    CHECK(collect(lines | severity("err")) == strings({lines[0], lines[1]}));
    CHECK(collect(lines | severity("3")) == strings({lines[0], lines[1]}));
    CHECK(collect(lines | severity("ERROR")) == strings({lines[0], lines[1]}));
    CHECK(collect(severity(lines, "info")) == strings({lines[0], lines[1], lines[2], lines[3]}));
}

TEST_CASE("severity drops lines without a priority unless asked to pass them", "[stage][severity]") {
    CHECK(collect(lines | severity("info", coropipe::pass_unknown)) ==
          strings({lines[0], lines[1], lines[2], lines[3], lines[4]}));
    CHECK(collect(severity(lines, syslog_severity::emerg, coropipe::pass_unknown)) == strings({lines[0], lines[4]}));
}

TEST_CASE("severity with an unknown level throws at the call", "[stage][severity]") {
    CHECK_THROWS_AS(severity("loud"), coropipe::error);
    CHECK_THROWS_WITH(severity("8", coropipe::pass_unknown), Catch::Contains("unknown severity '8'"));
}

TEST_CASE("severity yields the upstream's lines without copying them", "[stage][severity]") {
    std::vector<const char*> addresses;
    auto p = lines | severity("err");
    for (std::string_view& line : p) {
        addresses.push_back(line.data());
    }
    CHECK(addresses == std::vector<const char*>{lines[0].data(), lines[1].data()});
}

TEST_CASE("severity composes with other syslog stages and take", "[stage][severity]") {
    CHECK(collect(source() | severity("debug") | coropipe::app("myapp") | coropipe::take(2)) ==
          strings({lines[1], lines[2]}));
    auto both = severity("warning") | coropipe::take(1);
    CHECK(collect(lines | std::move(both)) == strings({lines[0]}));
}

TEST_CASE("severity runs pushed, as the daemon drives it", "[stage][severity]") {
    std::vector<std::string> out;
    auto sink = severity("err") | keep_into(&out);
    for (std::string_view line : lines) {
        CHECK(sink.send(line));
    }
    sink.close();
    CHECK(out == strings({lines[0], lines[1]}));
}

TEST_CASE("severity on an empty input yields nothing", "[stage][severity]") {
    const std::vector<std::string_view> none;
    CHECK(collect(none | severity("debug", coropipe::pass_unknown)).empty());
}

TEST_CASE("an exception from the source surfaces through severity with its type", "[stage][severity]") {
    coropipe::test::live_guard guard;
    {
        auto p = source(1) | severity("debug");
        auto it = p.begin();
        CHECK(*it == lines[0]);
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a severity pipeline early destroys the source", "[stage][severity]") {
    coropipe::test::live_guard guard;
    {
        auto p = source() | severity("err");
        auto it = p.begin();
        CHECK(*it == lines[0]);
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("a severity stage keeps its coroutine frame small", "[stage][severity]") {
    auto s = severity("err");
    CHECK(coropipe::detail::last_frame_size() <= 128);
}

TEST_CASE("the pipeline text reads severity [-u] LEVEL and checks LEVEL", "[stage][severity][pipeline_text]") {
    const std::vector<coropipe::stage_spec> specs = coropipe::parse_pipeline("severity -u warning | severity 3");
    REQUIRE(specs.size() == 2);
    CHECK(specs[0].flags == "u");
    CHECK(specs[0].operands == std::vector<std::string>{"warning"});
    CHECK(specs[1].operands == std::vector<std::string>{"3"});
    CHECK_THROWS_MATCHES(coropipe::parse_pipeline("severity loud"), coropipe::pipeline_text_error,
                         Catch::Matchers::Predicate<coropipe::pipeline_text_error>([](const auto& e) {
                             return e.position() == 9 &&
                                    std::string(e.what()).starts_with("coropipe: severity: unknown severity 'loud'");
                         }));
    CHECK_THROWS_AS(coropipe::parse_pipeline("severity"), coropipe::pipeline_text_error);
    CHECK(coropipe::stage_help("severity").find("emerg alert crit") != std::string::npos);
}
