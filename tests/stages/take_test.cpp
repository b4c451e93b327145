#include <coropipe/stages/take.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>
#include <counted.hpp>
#include <counted_source.hpp>

#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using coropipe::take;
using coropipe::test::counted;
using coropipe::test::naturals;

using coropipe::test::collect;
namespace {

coropipe::generator<counted> counted_values(int n) {
    for (int i = 0; i < n; ++i) {
        co_yield counted(i);
    }
}

coropipe::sink<int> sum_into(int* total) {
    while (int* x = co_await coropipe::input) {
        *total += *x;
    }
}

} // namespace

TEST_CASE("take passes the first n elements, then ends", "[stage][take]") {
    std::vector<int> v{1, 2, 3, 4, 5};
    CHECK(collect(take(v, 3)) == std::vector<int>{1, 2, 3});
    CHECK(collect(v | take(2)) == std::vector<int>{1, 2});
}

TEST_CASE("take stops pulling from upstream after the n-th element", "[stage][take]") {
    int pulls = 0;
    CHECK(collect(naturals(&pulls) | take(4)) == std::vector<int>{0, 1, 2, 3});
    CHECK(pulls == 4);
}

TEST_CASE("take of zero pulls nothing at all", "[stage][take]") {
    int pulls = 0;
    CHECK(collect(naturals(&pulls) | take(0)).empty());
    CHECK(pulls == 0);
}

TEST_CASE("take of more than there is passes everything", "[stage][take]") {
    int pulls = 0;
    CHECK(collect(naturals(&pulls, 3) | take(10)) == std::vector<int>{0, 1, 2});
}

TEST_CASE("take on an empty input yields nothing", "[stage][take]") {
    std::vector<std::string> none;
    CHECK(collect(none | take(3)).empty());
}

TEST_CASE("take works for any element type and passes elements by address", "[stage][take]") {
    std::vector<std::string> words{"a", "b", "c"};
    auto p = words | take(2);
    std::vector<const std::string*> addresses;
    for (std::string& w : p) {
        addresses.push_back(&w);
    }
    CHECK(addresses == std::vector<const std::string*>{&words[0], &words[1]});
}

TEST_CASE("take composes with other stages and with range-v3 views", "[stage][take]") {
    std::vector<std::string_view> lines{"x1", "y", "x2", "x3", "x4"};
    CHECK(collect(lines | coropipe::grep("x") | take(3) | take(2)) == std::vector<std::string>{"x1", "x2"});
    std::vector<int> numbers{1, 2, 3, 4};
    auto doubled = numbers | ranges::views::transform([](int x) { return 2 * x; });
    auto p = doubled | take(3);
    CHECK(collect(p | ranges::views::take(2)) == std::vector<int>{2, 4});
}

TEST_CASE("take as a sink says when it has had enough", "[stage][take]") {
    int total = 0;
    // A closure | sink stays a closure until its input type is known.
    auto pushed = (take(2) | sum_into(&total)).build<int>();
    CHECK(pushed.send(5));
    CHECK_FALSE(pushed.send(6));
    CHECK_FALSE(pushed.send(7));
    CHECK(total == 11);
}

TEST_CASE("an exception from upstream surfaces through take with its type", "[stage][take]") {
    coropipe::test::live_guard guard;
    int pulls = 0;
    {
        auto p = naturals(&pulls, -1, 2) | take(5);
        auto it = p.begin();
        ++it;
        CHECK(*it == 1);
        CHECK_THROWS_AS(++it, std::invalid_argument);
    }
    CHECK(guard.balanced());
}

TEST_CASE("take does not pull past the error it never reaches", "[stage][take]") {
    int pulls = 0;
    CHECK(collect(naturals(&pulls, -1, 2) | take(2)) == std::vector<int>{0, 1});
}

TEST_CASE("destroying a take pipeline early destroys upstream and its elements", "[stage][take]") {
    coropipe::test::live_guard guard;
    {
        auto p = counted_values(100) | take(50);
        auto it = p.begin();
        ++it;
        CHECK(it->value == 1);
    }
    CHECK(guard.balanced());
    { CHECK(collect(counted_values(10) | take(3)).size() == 3); }
    CHECK(guard.balanced());
}
