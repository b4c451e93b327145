// Python's printer(): a coroutine that prints every item it is sent.
//
//     def printer():
//         item = None
//         while True:
//             item = yield
//             print(str(item))
//
//     coroutine_object = printer()
//     next(coroutine_object)
//     for i in range(0, 11):
//         coroutine_object.send(i)
//
// coropipe::coroutine is primed, so the `next(coroutine_object)` that
// Python needs before the first send is already done by printer().
#include <coropipe/coroutine.hpp>
#include <coropipe/pipe.hpp>

#include <iostream>
#include <ranges>
#include <type_traits>

namespace {

coropipe::coroutine<void, int> printer() {
    while (true) {
        const int item = co_yield {};
        std::cout << item << '\n';
    }
}

} // namespace

int main() {
    auto coroutine_object = printer();
    // Python prints `class name: generator`: generator-based coroutines are
    // plain generators there. Here the sink is its own type.
    static_assert(std::is_same_v<decltype(coroutine_object), coropipe::coroutine<void, int>>);
    for (int i = 0; i < 11; ++i) {
        coroutine_object.send(i);
    }

    // The same sink can end a pipeline: `|` sends it every element of the
    // range and runs to the end right here.
    std::cout << "piped:\n";
    std::views::iota(0, 11) | printer();
}
