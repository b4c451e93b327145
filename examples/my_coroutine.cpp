// Python's my_coroutine(): a sink that prints what it is sent.
//
//     def my_coroutine():
//         while True:
//             received = yield
//             print('Received:', received)
//
// coropipe::coroutine is primed: the body runs to its first `co_yield` when
// it is created, so there is no `next(it)` before the first send.
#include <coropipe/coroutine.hpp>

#include <iostream>
#include <string>

namespace {

coropipe::coroutine<void, std::string> my_coroutine() {
    while (true) {
        std::string received = co_yield {}; // bare `yield`: yields nothing, receives a string
        std::cout << "Received: " << received << '\n';
    }
}

} // namespace

int main() {
    auto it = my_coroutine(); // already waiting at its first co_yield
    it.send("First");
    it.send("Second");
    // Python's send returns what the body yields next; a bare `yield` yields
    // None, and a body that finishes raises StopIteration instead. With
    // Yield = void there is no value at all, so send returns only which of
    // the two happened: true = "still running, yielded nothing" (Python's
    // None), false = "finished" (Python's StopIteration).
    const bool running = it.send("yield");
    std::cout << (running ? "None" : "StopIteration") << '\n';
}
