// Uses the installed package: a generator, user-written stages, `|`, and the
// ready-made stages (which need the compiled part of the library).
#include <coropipe/coropipe.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/lines.hpp>
#include <coropipe/stages/print.hpp>

#include <iostream>
#include <sstream>
#include <string_view>

namespace {

coropipe::generator<int> count_to(int n) {
    for (int i = 1; i <= n; ++i) {
        co_yield i;
    }
}

coropipe::stage<int> odd() {
    while (int* x = co_await coropipe::input) {
        if (*x % 2 != 0) {
            co_yield *x;
        }
    }
}

coropipe::stage<int> running_sum() {
    int sum = 0;
    while (int* x = co_await coropipe::input) {
        sum += *x;
        co_yield sum;
    }
}

// The README's example stage.
coropipe::stage<std::string_view> non_empty() {
    while (std::string_view* line = co_await coropipe::input) // null at the end of the input
        if (!line->empty())
            co_yield *line; // handed on by address, not copied
}

} // namespace

int main() {
    for (int total : count_to(9) | (odd() | running_sum())) {
        std::cout << total << '\n';
    }

    std::istringstream log("INFO start\n\nERROR disk full\nWARN slow\nERROR gone\n");
    coropipe::lines(log) | non_empty() | coropipe::grep("ERROR") | coropipe::print(std::cout);

    std::cout << "consumer ok\n";
}
