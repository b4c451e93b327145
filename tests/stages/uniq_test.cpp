#include <coropipe/stages/uniq.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::uniq;

using coropipe::test::collect;
using coropipe::test::strings;
namespace {

// Yields each of `lines` from one reused buffer, overwritten per line, like
// a line reader: a stage that kept the view instead of a copy would compare
// against the new line. Throws after `throw_at` lines if set.
coropipe::generator<std::string_view> from_one_buffer(std::vector<std::string> lines, int throw_at = -1) {
    coropipe::test::counted in_scope;
    std::string buffer;
    for (int i = 0; i < static_cast<int>(lines.size()); ++i) {
        if (i == throw_at) {
            throw std::out_of_range("source failed");
        }
        buffer.assign(32, '#');
        buffer.assign(lines[static_cast<std::size_t>(i)]);
        co_yield std::string_view(buffer);
    }
}

} // namespace

TEST_CASE("uniq drops lines equal to the line before them", "[stage][uniq]") {
    std::vector<std::string_view> lines{"a", "a", "b", "b", "b", "a", "", "", "c", "a"};
    CHECK(collect(lines | uniq()) == strings({"a", "b", "a", "", "c", "a"}));
    CHECK(collect(uniq(lines)) == strings({"a", "b", "a", "", "c", "a"}));
}

TEST_CASE("uniq passes a first empty line and compares bytes exactly", "[stage][uniq]") {
    std::vector<std::string_view> lines{"", "", "A", "a", "a\0"sv, "a\0"sv, "\xff", "\xff"};
    CHECK(collect(lines | uniq()) == strings({"", "A", "a", "a\0"sv, "\xff"}));
}

TEST_CASE("uniq copies the previous line, since the upstream's buffer is reused", "[stage][uniq]") {
    CHECK(collect(from_one_buffer({"x", "x", "yy", "yy", "x", "a longer line than the small buffer", "x"}) | uniq()) ==
          strings({"x", "yy", "x", "a longer line than the small buffer", "x"}));
}

TEST_CASE("uniq yields the upstream's lines without copying them", "[stage][uniq]") {
    std::vector<std::string_view> lines{"a", "a", "b"};
    std::vector<const char*> addresses;
    auto p = lines | uniq();
    for (std::string_view& line : p) {
        addresses.push_back(line.data());
    }
    CHECK(addresses == std::vector<const char*>{lines[0].data(), lines[2].data()});
}

TEST_CASE("uniq takes lines from any range of strings", "[stage][uniq]") {
    std::vector<std::string> owned{"one", "one", "two"};
    CHECK(collect(owned | uniq()) == strings({"one", "two"}));
}

TEST_CASE("uniq composes with other stages", "[stage][uniq]") {
    std::vector<std::string_view> lines{"a", "b", "a", "a", "c", "c", "d"};
    // grep removes the b between the a's: uniq sees them adjacent.
    CHECK(collect(lines | coropipe::grep("b", coropipe::invert) | uniq() | coropipe::take(2)) == strings({"a", "c"}));
    auto both = uniq() | coropipe::take(3);
    CHECK(collect(lines | std::move(both)) == strings({"a", "b", "a"}));
}

TEST_CASE("uniq on an empty input yields nothing", "[stage][uniq]") {
    std::vector<std::string_view> none;
    CHECK(collect(none | uniq()).empty());
}

TEST_CASE("an exception from the source surfaces through uniq with its type", "[stage][uniq]") {
    coropipe::test::live_guard guard;
    {
        auto p = from_one_buffer({"a", "a", "b", "c"}, 3) | uniq();
        auto it = p.begin();
        CHECK(*it == "a");
        ++it;
        CHECK(*it == "b");
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
}

TEST_CASE("destroying a uniq pipeline early destroys the source", "[stage][uniq]") {
    coropipe::test::live_guard guard;
    {
        auto p = from_one_buffer({"a", "a", "b", "c"}) | uniq();
        auto it = p.begin();
        CHECK(*it == "a");
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
}

TEST_CASE("a uniq stage keeps its coroutine frame small", "[stage][uniq]") {
    auto s = uniq();
    CHECK(coropipe::detail::last_frame_size() <= 128);
}
