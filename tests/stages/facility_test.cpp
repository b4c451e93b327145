#include <coropipe/stages/facility.hpp>

#include <coropipe/error.hpp>
#include <coropipe/generator.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/stages/severity.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <line_source.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::facility;
using coropipe::syslog_facility;
using coropipe::test::collect;
using coropipe::test::strings;

namespace {

// Lines as logger sends them (see tests/syslog_test.cpp).
const std::vector<std::string_view> lines{
    "<156>1 2026-11-23T12:31:57.976670+00:00 vm myapp - - - local3.warning",
    "<11>Nov 23 12:31:58 vm myapp: user.err",
    "no priority",
    "<37>1 - vm root - ID47 - auth.notice",
    "<159>Nov 23 12:31:58 vm myapp: local3.debug",
};

coropipe::generator<std::string_view> source(int throw_at = -1) {
    return coropipe::test::copied_lines(lines, throw_at);
}

} // namespace

TEST_CASE("facility passes the lines of one facility", "[stage][facility]") {
    CHECK(collect(lines | facility(syslog_facility::local3)) == strings({lines[0], lines[4]}));
    CHECK(collect(lines | facility("auth")) == strings({lines[3]}));
    CHECK(collect(lines | facility("security")) == strings({lines[3]}));
    CHECK(collect(facility(lines, "1")) == strings({lines[1]}));
    CHECK(collect(lines | facility("kern")).empty());
}

TEST_CASE("facility drops lines without a priority unless asked to pass them", "[stage][facility]") {
    CHECK(collect(lines | facility("user", coropipe::pass_unknown)) == strings({lines[1], lines[2]}));
    CHECK(collect(facility(lines, syslog_facility::auth, coropipe::pass_unknown)) == strings({lines[2], lines[3]}));
}

TEST_CASE("facility with an unknown name throws at the call", "[stage][facility]") {
    CHECK_THROWS_AS(facility("local8"), coropipe::error);
    CHECK_THROWS_WITH(facility("24"), Catch::Contains("unknown facility '24'"));
}

TEST_CASE("facility composes with severity and take", "[stage][facility]") {
    CHECK(collect(source() | facility("local3") | coropipe::severity("info") | coropipe::take(5)) ==
          strings({lines[0]}));
}

TEST_CASE("facility on an empty input yields nothing", "[stage][facility]") {
    const std::vector<std::string_view> none;
    CHECK(collect(none | facility("user", coropipe::pass_unknown)).empty());
}

TEST_CASE("an exception from the source surfaces through facility with its type", "[stage][facility]") {
    coropipe::test::live_guard guard;
    {
        auto p = source(2) | facility("user");
        auto it = p.begin();
        CHECK(*it == lines[1]);
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a facility pipeline early destroys the source", "[stage][facility]") {
    coropipe::test::live_guard guard;
    {
        auto p = source() | facility("local3");
        CHECK(*p.begin() == lines[0]);
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("the pipeline text reads facility [-u] NAME and checks NAME", "[stage][facility][pipeline_text]") {
    const std::vector<coropipe::stage_spec> specs = coropipe::parse_pipeline("facility -u local3 | host web1 | app ''");
    REQUIRE(specs.size() == 3);
    CHECK(specs[0].flags == "u");
    CHECK(specs[0].operands == std::vector<std::string>{"local3"});
    CHECK(specs[1].operands == std::vector<std::string>{"web1"});
    CHECK(specs[2].operands == std::vector<std::string>{""});
    CHECK_THROWS_WITH(coropipe::parse_pipeline("facility local8"),
                      Catch::StartsWith("coropipe: facility: unknown facility 'local8' at column 10"));
    CHECK_THROWS_AS(coropipe::parse_pipeline("host"), coropipe::pipeline_text_error);
    CHECK_THROWS_AS(coropipe::parse_pipeline("app -v x"), coropipe::pipeline_text_error);
}
