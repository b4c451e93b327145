#pragma once
// For the tests of coropipe/asio: what an async_run's completion handler
// got, running an io_context until something has happened (bounded, failing
// loudly), a sink that collects into a string, and numbered log lines.

#include <coropipe/asio/queued_sink.hpp> // log_level
#include <coropipe/asio/run.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
        // (No REQUIRE(a < b) per turn: Catch's expression objects are checked
        // by UBSan's vptr check, which needs a descriptor, and some tests run
        // this with none left.)
        if (std::chrono::steady_clock::now() >= deadline) {
            FAIL("run_until: the awaited event did not happen within " << limit.count() << " s");
        }
        io.restart();
        io.run_one_for(std::chrono::milliseconds(10));
    }
}

/// A copyable sink (any form of async_run, routes too) that appends to a
/// string its copies share; thread-safe.
struct string_sink {
    struct shared {
        std::mutex mutex;
        std::string text;
    };
    std::shared_ptr<shared> s = std::make_shared<shared>();

    boost::asio::awaitable<void> write(std::string_view bytes) {
        write_now(bytes);
        co_return;
    }
    boost::asio::awaitable<void> finish() { co_return; }
    void write_now(std::string_view bytes) {
        std::lock_guard lock(s->mutex);
        s->text.append(bytes);
    }
    std::string text() const {
        std::lock_guard lock(s->mutex);
        return s->text;
    }
};

/// What a component logged (`queued_sink_options::log`,
/// `listener_options::log`), from any thread.
struct log_record {
    std::mutex mutex;
    std::vector<std::pair<coropipe::asio::log_level, std::string>> messages;

    std::function<void(coropipe::asio::log_level, const std::string&)> function() {
        return [this](coropipe::asio::log_level level, const std::string& message) {
            std::lock_guard lock(mutex);
            messages.emplace_back(level, message);
        };
    }
    /// The messages of `level`, in order.
    std::vector<std::string> at(coropipe::asio::log_level level) {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (const auto& [l, message] : messages) {
            if (l == level) {
                out.push_back(message);
            }
        }
        return out;
    }
};

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
