// Python's minimize(): yields the smallest value it has been sent so far.
//
//     def minimize():
//         current = yield
//         while True:
//             value = yield current
//             current = min(value, current)
#include <coropipe/coroutine.hpp>

#include <algorithm>
#include <iostream>

namespace {

coropipe::coroutine<int, int> minimize() {
    int current = co_yield {}; // bare `yield`: the first value only primes the minimum
    while (true) {
        const int value = co_yield current; // hand out the minimum, take the next value
        current = std::min(value, current);
    }
}

} // namespace

int main() {
    // No `next(it)`: a coropipe::coroutine is PRIMED, its body has already
    // run to the first `co_yield` when minimize() returns.
    auto it = minimize();
    // send returns std::optional<int>: what the body yields next.
    std::cout << *it.send(10) << '\n';
    std::cout << *it.send(4) << '\n';
    std::cout << *it.send(22) << '\n';
    std::cout << *it.send(-1) << '\n';
}
