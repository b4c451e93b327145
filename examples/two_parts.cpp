// A function in two parts: a generator paused at a bare `yield`.
//
//     def func():
//         print('Function Starts')
//         yield
//         print('Function Ends')
//
//     y = func()
//     print(type(y))   # <class 'generator'>: calling func ran nothing
//     next(y)          # first part
//     next(y)          # second part, then StopIteration
//
// coropipe::generator must yield something, so this one yields empty
// std::monostate tags. Like Python's, it is lazy: the call runs nothing.
#include <coropipe/generator.hpp>

#include <iostream>
#include <ranges>
#include <variant>

namespace {

coropipe::generator<std::monostate> func() {
    std::cout << "Function Starts\n";
    co_yield std::monostate{};
    std::cout << "Function Ends\n";
}

} // namespace

int main() {
    auto y = func();
    // Python prints the type; here the type's promise is checked instead: a
    // generator is an input range (a view) and has not started.
    static_assert(std::ranges::view<decltype(y)>);
    std::cout << (y.done() ? "finished" : "created, not started") << '\n';
    y.next(); // first part, stops at the co_yield
    if (y.next()) { // second part; the body ends: empty, Python's StopIteration
        std::cout << "unexpected: yielded again\n";
    }
}
