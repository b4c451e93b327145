// What a for loop does behind the scenes, with a coropipe::generator.
//
//     x = [1, 2, 3, 4, 5]
//     for i in x:
//         print(i)
//
//     y = iter(x)
//     try:
//         while True:
//             print(next(y))
//     except StopIteration:
//         pass
#include <coropipe/generator.hpp>

#include <iostream>
#include <vector>

namespace {

// Python's iter(x) as a generator. `x` is taken by value: the frame owns it.
coropipe::generator<int> iter(std::vector<int> x) {
    for (int& i : x) {
        co_yield i; // by reference: nothing is copied until next() returns it
    }
}

} // namespace

int main() {
    const std::vector<int> x{1, 2, 3, 4, 5};
    for (int i : x) {
        std::cout << i << '\n';
    }

    // next() returns an empty optional where Python raises StopIteration.
    auto y = iter(x);
    while (auto i = y.next()) {
        std::cout << *i << '\n';
    }

    // A generator is itself a range, so the loop can be written as Python's.
    for (int i : iter(x)) {
        std::cout << i << '\n';
    }
}
