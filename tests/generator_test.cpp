#include <coropipe/generator.hpp>

#include <catch2/catch.hpp>
#include <counted.hpp>

#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using coropipe::generator;

namespace {
generator<int> count_to(int n) {
    for (int i = 1; i <= n; ++i) {
        co_yield i;
    }
}
} // namespace

TEST_CASE("a generator yields its values in order, lazily", "[core][generator]") {
    std::vector<int> got;
    for (int x : count_to(3)) {
        got.push_back(x);
    }
    CHECK(got == std::vector<int>{1, 2, 3});
}
