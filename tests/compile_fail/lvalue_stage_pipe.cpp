// A stage is a move-only handle to frames: piping a named one without
// std::move hits the deleted `|`, whose line says the fix.
// expect: write std::move
#include <coropipe/pipe.hpp>

#include <vector>

coropipe::stage<int> pass() {
    while (int* x = co_await coropipe::input) {
        co_yield *x;
    }
}

int main() {
    std::vector<int> v{1, 2};
    auto s = pass();
    auto p = v | s;
}
