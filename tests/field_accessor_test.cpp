#include <coropipe/field_accessor.hpp>

#include <coropipe/stages/filter.hpp>
#include <coropipe/stages/transform.hpp>
#include <coropipe/syntax_error.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>

#include <string>
#include <string_view>
#include <vector>

using coropipe::field_accessor;
using coropipe::number;
using coropipe::test::collect;
using coropipe::test::strings;

TEST_CASE("a field accessor gives a line's value, text and number", "[field_accessor]") {
    const field_accessor latency("latency_ms");
    const field_accessor user(".user.id");
    CHECK(latency("a=1 latency_ms=58")->text == "58");
    CHECK(latency.text("a=1 latency_ms=58ms") == "58ms");
    CHECK(latency.numeric("latency_ms=58") == number::from_int(58));
    CHECK_FALSE(latency.numeric("latency_ms=58ms"));
    CHECK_FALSE(latency.numeric("a=1"));
    CHECK(user.text(R"({"user":{"id":"u\"42"}})") == "u\"42");
    CHECK_FALSE(user.text("user.id=5"));
    CHECK(user.ref().from() == coropipe::field_ref::source::json);
}

TEST_CASE("a malformed FIELD throws when the accessor is made", "[field_accessor]") {
    CHECK_THROWS_AS(field_accessor("$0"), coropipe::syntax_error);
}

TEST_CASE("a field accessor serves a user's own stage", "[field_accessor]") {
    const std::vector<std::string_view> log{R"({"user":"ann","ms":900})", R"({"user":"bob","ms":20})",
                                            R"({"user":"cy","ms":12345678901234567890})"};
    field_accessor ms(".ms");
    field_accessor user(".user");
    auto slow = log | coropipe::filter([ms](std::string_view& line) {
                    const std::optional<number> n = ms.numeric(line);
                    return n && *n > number::from_int(500);
                }) |
                coropipe::transform([user](std::string_view& line) { return std::string(*user.text(line)); });
    CHECK(collect(slow) == strings({"ann", "cy"}));
}
