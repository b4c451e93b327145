#include <coropipe/stages/app.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/host.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <line_source.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::app;
using coropipe::test::collect;
using coropipe::test::strings;

namespace {

// Lines in the forms logger sends (see tests/syslog_test.cpp).
const std::vector<std::string_view> lines{
    "<13>1 2026-11-23T12:31:58.125284+00:00 vm sshd 14455 - - accepted",
    "<11>Nov 23 12:31:58 vm cron: job",
    "<13>Nov 23 12:31:58 vm just text",
    "<13>1 - vm - - - - nil app",
    "sshd: plain",
    "<38>Nov 23 12:31:58 vm sshd[42]: closed",
};

coropipe::generator<std::string_view> source(int throw_at = -1) {
    return coropipe::test::copied_lines(lines, throw_at);
}

} // namespace

TEST_CASE("app passes the lines whose app is the name", "[stage][app]") {
    CHECK(collect(lines | app("sshd")) == strings({lines[0], lines[5]}));
    CHECK(collect(app(lines, "cron")) == strings({lines[1]}));
    CHECK(collect(lines | app("SSHD")).empty()); // byte for byte
    CHECK(collect(lines | app("ssh")).empty());  // the whole name
}

TEST_CASE("app with an empty name passes the lines that have none", "[stage][app]") {
    CHECK(collect(lines | app("")) == strings({lines[2], lines[3], lines[4]}));
}

TEST_CASE("app copies its name", "[stage][app]") {
    std::string name = "app";
    auto s = app(name);
    name = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    CHECK(collect(lines | std::move(s)).empty());
}

TEST_CASE("app composes with other syslog stages and take", "[stage][app]") {
    CHECK(collect(source() | coropipe::host("vm") | app("sshd") | coropipe::take(5)) == strings({lines[0], lines[5]}));
}

TEST_CASE("app on an empty input yields nothing", "[stage][app]") {
    const std::vector<std::string_view> none;
    CHECK(collect(none | app("")).empty());
}

TEST_CASE("an exception from the source surfaces through app with its type", "[stage][app]") {
    coropipe::test::live_guard guard;
    {
        auto p = source(1) | app("");
        CHECK_THROWS_AS(p.begin(), std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a app pipeline early destroys the source", "[stage][app]") {
    coropipe::test::live_guard guard;
    {
        auto p = source() | app("sshd");
        CHECK(*p.begin() == lines[0]);
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
}
