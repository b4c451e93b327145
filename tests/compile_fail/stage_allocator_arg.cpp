// A stage's frame comes from coropipe's frame cache: a stage coroutine
// declared with std::allocator_arg is rejected, with a message that says so
// (generator and coroutine take their frame from the allocator instead).
// expect: cannot take std::allocator_arg
#include <coropipe/stage.hpp>

#include <memory>

coropipe::stage<int> with_allocator(std::allocator_arg_t, std::allocator<int>) {
    while (int* x = co_await coropipe::input) {
        co_yield *x;
    }
}
