// A generator as a function with checkpoints: each `next()` runs the body
// to its next `co_yield` and hands back the value yielded there.
//
//     def func():
//         x = 5
//         print('Function Part 1')
//         yield x
//         x += 7
//         print('Function part 2')
//         yield x
//         print('Function part 3')
//
// Python signals the end with StopIteration; coropipe::generator::next()
// returns an empty std::optional instead.
#include <coropipe/generator.hpp>

#include <iostream>

namespace {

coropipe::generator<int> func() {
    int x = 5;
    std::cout << "Function Part 1\n";
    co_yield x;
    x += 7;
    std::cout << "Function part 2\n";
    co_yield x;
    std::cout << "Function part 3\n";
}

} // namespace

int main() {
    auto y = func(); // lazy: nothing has run yet
    auto z = y.next(); // Function part 1 runs
    std::cout << *z << '\n';
    z = y.next(); // Function part 2 runs
    std::cout << *z << '\n';
    z = y.next(); // Function part 3 runs, then the body ends
    if (z) {      // Python: the StopIteration skips this print
        std::cout << *z << '\n';
    }
}
