#pragma once
// For the tests of coropipe/asio: what an async_run's completion handler
// got, running an io_context until something has happened (bounded, failing
// loudly), and numbered log lines.

#include <coropipe/asio/run.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace coropipe::test {

/// What a completion handler of `async_run` got.
struct run_outcome {
    std::optional<coropipe::asio::run_stats> stats;
    std::exception_ptr error;
    bool called = false;

    auto handler() {
        return [this](std::exception_ptr e, coropipe::asio::run_stats s) {
            called = true;
            error = e;
            stats = s;
        };
    }
    /// Whether the run completed with operation_aborted.
    bool aborted() const {
        try {
            std::rethrow_exception(error);
        } catch (const boost::system::system_error& e) {
            return e.code() == boost::asio::error::operation_aborted;
        } catch (...) {
        }
        return false;
    }
};

/// Runs `io` in this thread until `done()`, for at most `limit` (then fails).
template <class Done>
void run_until(boost::asio::io_context& io, Done done, std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        io.restart();
        io.run_one_for(std::chrono::milliseconds(10));
    }
}

/// "line 1\nline 2\nline 3 WORD\n..." from line `from` on: every third line has ` WORD`.
inline std::string numbered(int n, std::string_view word, int from = 1) {
    std::string s;
    for (int i = from; i < from + n; ++i) {
        s += "line " + std::to_string(i);
        if (i % 3 == 0) {
            s += ' ';
            s += word;
        }
        s += '\n';
    }
    return s;
}

/// The lines of `text` that contain `word`, each with '\n'.
inline std::string lines_with(const std::string& text, std::string_view word) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (line.find(word) != std::string::npos) {
            out += line + "\n";
        }
    }
    return out;
}

} // namespace coropipe::test
