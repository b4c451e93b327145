// Switching back and forth between two functions at the points they choose.
//
//     def func1():                      def func2():
//         print('Function 1 part 1')        print('Function 2 part 1')
//         yield                             yield
//         ...                               ...
//         print('Function 1 part 5')        print('Function 2 part 5')
//
//     a = func1(); b = func2()
//     next(a); next(b); next(a); next(a); next(b); next(b); next(b); next(a); next(a)
//
// Python's generators are lazy, so the first next() runs part 1. A
// coropipe::coroutine<void, void> is primed: creating it runs part 1, and
// each later next() runs the following part. The calls below are Python's,
// one for one, with the first next() of each replaced by its creation.
#include <coropipe/coroutine.hpp>

#include <iostream>

namespace {

// func1 and func2 differ only in the number they print.
coropipe::coroutine<void, void> func(int id) {
    for (int part = 1; part <= 5; ++part) {
        if (part > 1) {
            co_yield {}; // Python's bare `yield`: pause here, yield nothing
        }
        std::cout << "Function " << id << " part " << part << '\n';
    }
}

coropipe::coroutine<void, void> func1() { return func(1); }
coropipe::coroutine<void, void> func2() { return func(2); }

} // namespace

int main() {
    auto a = func1(); // Function 1 part 1
    auto b = func2(); // Function 2 part 1
    a.next();         // Function 1 part 2
    a.next();         // Function 1 part 3
    b.next();         // Function 2 part 2
    b.next();         // Function 2 part 3
    b.next();         // Function 2 part 4
    a.next();         // Function 1 part 4
    // Function 1 part 5; the body then ends, so next() returns false
    // where Python raises StopIteration.
    if (a.next()) {
        std::cout << "unexpected: func1 still running\n";
    }
    // b is left waiting before its part 5; its destructor closes it.
}
