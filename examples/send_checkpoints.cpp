// Checkpoints that receive a value: each `send` resumes the body at its
// `co_yield` with the value sent.
//
//     def func():
//         print('Function part 1')
//         x = yield
//         print(x)
//         print('Function part 2')
//         a = yield
//         print(a)
//         print('Function part 3')
//
//     y = func()
//     next(y)       # to reach the first yield
//     y.send(6)
//     y.send(12)    # the body ends: StopIteration
#include <coropipe/coroutine.hpp>

#include <iostream>

namespace {

coropipe::coroutine<void, int> func() {
    std::cout << "Function part 1\n";
    const int x = co_yield {};
    std::cout << x << '\n';
    std::cout << "Function part 2\n";
    const int a = co_yield {};
    std::cout << a << '\n';
    std::cout << "Function part 3\n";
}

} // namespace

int main() {
    // Primed: creating the coroutine runs part 1 and stops at the first
    // `co_yield`, which is what Python's `next(y)` does.
    auto y = func();
    y.send(6);
    // send returns false when the body has finished: Python's StopIteration.
    const bool still_running = y.send(12);
    if (still_running) {
        std::cout << "unexpected: still running\n";
    }
}
