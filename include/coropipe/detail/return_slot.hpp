#pragma once

#include <coropipe/error.hpp>

#include <concepts>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace coropipe::detail {

/// The `co_return` half of a generator's or coroutine's promise: `R` is what
/// `co_return v;` gives (Python's `return v` in a generator, the value of
/// `StopIteration` and of `yield from`). It stays in the finished frame until
/// the frame is destroyed.
template <class R>
class return_slot {
    static_assert(std::is_object_v<R> && !std::is_array_v<R>,
                  "coropipe: a coroutine's return type must be an object type (return a pointer, or "
                  "std::reference_wrapper, to return a reference)");

public:
    template <class U = R>
        requires std::constructible_from<R, U&&>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<R, U&&>) {
        result_.emplace(std::forward<U>(value));
    }

    /// The returned value; `what` names the caller in the error.
    R& result(const char* what) {
        if (!result_) {
            throw_error(std::string(what) + ": the coroutine has not returned a value (it has not finished, or it "
                                            "ended with an exception)");
        }
        return *result_;
    }

private:
    std::optional<R> result_;
};

/// The result held by `slot`, a frame that may be missing (an empty owner).
template <class R>
R& result_of(return_slot<R>* slot, const char* what) {
    if (slot == nullptr) {
        throw_error(std::string(what) + ": empty (moved-from or closed)");
    }
    return slot->result(what);
}

template <>
class return_slot<void> {
public:
    void return_void() const noexcept {}
};

} // namespace coropipe::detail
