// Python's print_name(prefix): prints the names it is sent that contain
// `prefix`.
//
//     def print_name(prefix):
//         print("Searching prefix:{}".format(prefix))
//         while True:
//             name = (yield)
//             if prefix in name:
//                 print(name)
//
// In Python, calling print_name("Dear") runs nothing and `corou.__next__()`
// prints the first line. A coropipe::coroutine is primed instead: the call
// itself runs the body to its first `co_yield`, so "Searching prefix:Dear"
// is printed by print_name("Dear").
#include <coropipe/coroutine.hpp>

#include <iostream>
#include <string>

namespace {

// `prefix` is taken by value: the frame keeps its own copy (a reference
// parameter would dangle once the caller's argument is gone).
coropipe::coroutine<void, std::string> print_name(std::string prefix) {
    std::cout << "Searching prefix:" << prefix << '\n';
    while (true) {
        const std::string name = co_yield {};
        if (name.find(prefix) != std::string::npos) {
            std::cout << name << '\n';
        }
    }
}

} // namespace

int main() {
    auto corou = print_name("Dear"); // prints "Searching prefix:Dear" right here
    corou.send("Atul");
    corou.send("Dear Atul");
    corou.close(); // Python's close(): destroys the frame where it waits
}
