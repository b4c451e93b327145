#include <coropipe/stages/host.hpp>

#include <coropipe/generator.hpp>
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

using coropipe::host;
using coropipe::test::collect;
using coropipe::test::strings;

namespace {

// Lines in the forms logger sends (see tests/syslog_test.cpp).
const std::vector<std::string_view> lines{
    "<13>1 2026-11-23T12:31:58.125284+00:00 web1 app 14455 - - from web1",
    "<11>Nov 23 12:31:58 web2 myapp: from web2",
    "<13>Nov 23 12:31:58 myapp: no host",
    "<13>1 - - app - - - nil host",
    "plain web1",
    "<30>2024-05-01T12:00:00Z web1 nginx[7]: also web1",
};

coropipe::generator<std::string_view> source(int throw_at = -1) {
    return coropipe::test::copied_lines(lines, throw_at);
}

} // namespace

TEST_CASE("host passes the lines whose host is the name", "[stage][host]") {
    CHECK(collect(lines | host("web1")) == strings({lines[0], lines[5]}));
    CHECK(collect(host(lines, "web2")) == strings({lines[1]}));
    CHECK(collect(lines | host("WEB1")).empty()); // byte for byte
    CHECK(collect(lines | host("web")).empty());  // the whole name
}

TEST_CASE("host with an empty name passes the lines that have none", "[stage][host]") {
    CHECK(collect(lines | host("")) == strings({lines[2], lines[3], lines[4]}));
}

TEST_CASE("host copies its name", "[stage][host]") {
    std::string name = "host";
    auto s = host(name);
    name = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    CHECK(collect(lines | std::move(s)).empty());
}

TEST_CASE("host composes with other syslog stages and take", "[stage][host]") {
    CHECK(collect(source() | coropipe::app("nginx") | coropipe::take(5)) == strings({lines[5]}));
}

TEST_CASE("host on an empty input yields nothing", "[stage][host]") {
    const std::vector<std::string_view> none;
    CHECK(collect(none | host("")).empty());
}

TEST_CASE("an exception from the source surfaces through host with its type", "[stage][host]") {
    coropipe::test::live_guard guard;
    {
        auto p = source(1) | host("");
        CHECK_THROWS_AS(p.begin(), std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a host pipeline early destroys the source", "[stage][host]") {
    coropipe::test::live_guard guard;
    {
        auto p = source() | host("web1");
        CHECK(*p.begin() == lines[0]);
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
}
