#include <coropipe/coropipe.hpp>
#include <catch2/catch.hpp>
#include <sstream>

TEST_CASE("the umbrella header brings every stage, and they compose", "[core][umbrella]") {
    std::istringstream in("a ERROR x\nb ok\nc ERROR y\n");
    std::ostringstream out;
    coropipe::lines(in) | coropipe::grep("ERROR") | coropipe::take(1) | coropipe::print(out);
    CHECK(out.str() == "a ERROR x\n");
}
