#pragma once

// Line sources and sinks shared by the text-stage tests.

#include <coropipe/generator.hpp>
#include <coropipe/stage.hpp>

#include <counted.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::test {

/// Yields `n` lines "line 0", "line 1", ... (with `mixed_case`, the even ones
/// are "LINE i") with a counted object in scope; counts the lines pulled in
/// `*pulls` if given, and throws std::out_of_range instead of line `throw_at`.
inline generator<std::string_view> numbered_lines(int n, int* pulls = nullptr, int throw_at = -1,
                                                  bool mixed_case = false) {
    counted in_scope;
    for (int i = 0; i < n; ++i) {
        if (i == throw_at) {
            throw std::out_of_range("source failed");
        }
        if (pulls != nullptr) {
            ++*pulls;
        }
        std::string line = (mixed_case && i % 2 == 0 ? "LINE " : "line ") + std::to_string(i);
        co_yield std::string_view(line);
    }
}

/// Yields copies of `lines` (each in a buffer of its own, as a reader's,
/// reused for the next line) with a counted object in scope, and throws
/// std::out_of_range instead of line `throw_at`.
inline generator<std::string_view> copied_lines(std::vector<std::string_view> lines, int throw_at = -1) {
    counted in_scope;
    std::string buffer;
    for (int i = 0; i < static_cast<int>(lines.size()); ++i) {
        if (i == throw_at) {
            throw std::out_of_range("source failed");
        }
        buffer.assign(lines[static_cast<std::size_t>(i)]);
        co_yield std::string_view(buffer);
    }
}

/// A sink that copies every line it receives into `*out`.
inline sink<std::string_view> append_to(std::vector<std::string>* out) {
    while (std::string_view* line = co_await input) {
        out->emplace_back(*line);
    }
}

} // namespace coropipe::test
