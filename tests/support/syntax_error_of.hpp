#pragma once

// The coropipe::syntax_error that a parse throws, for checking its
// position and hint.

#include <coropipe/syntax_error.hpp>

#include <catch2/catch.hpp>

#include <string_view>

namespace coropipe::test {

/// What `parse(text)` throws; fails the test if it throws nothing.
template <class Parse>
syntax_error syntax_error_of(Parse parse, std::string_view text) {
    try {
        (void)parse(text);
    } catch (const syntax_error& e) {
        return e;
    }
    FAIL("no syntax_error for " << text);
    throw;
}

} // namespace coropipe::test
