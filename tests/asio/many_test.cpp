// 100,000 concurrent pipelines on one io_context: channel_source → grep →
// sink, all suspended at once, then fed and finished.
#include <coropipe/asio/channel.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/stages/grep.hpp>

#include "counted.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <deque>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace net = boost::asio;
using namespace coropipe;

namespace {

constexpr std::size_t pipeline_count = 100'000;

/// An async_sink that appends each batch to a string of its own and holds a
/// counted object, so that a frame that is never destroyed shows up.
struct string_sink {
    std::string* out;
    coropipe::test::counted alive{};

    net::awaitable<void> write(std::string_view bytes) {
        out->append(bytes);
        co_return;
    }
    net::awaitable<void> finish() { co_return; }
};
static_assert(asio::async_sink<string_sink>);

/// Pipeline i's input: 1 + i % 4 lines, the i % 3 == 0 ones containing "keep".
std::string batch(std::size_t i) {
    std::string text;
    for (std::size_t j = 0; j <= i % 4; ++j) {
        text += "p" + std::to_string(i) + " l" + std::to_string(j) + ((i + j) % 3 == 0 ? " keep\n" : " drop\n");
    }
    return text;
}

std::string kept(std::size_t i) {
    std::string text;
    for (std::size_t j = 0; j <= i % 4; ++j) {
        if ((i + j) % 3 == 0) {
            text += "p" + std::to_string(i) + " l" + std::to_string(j) + " keep\n";
        }
    }
    return text;
}

/// What each pipeline's completion handler got.
struct result {
    bool called = false;
    std::exception_ptr error;
    asio::run_stats stats;
};

} // namespace

TEST_CASE("100,000 pipelines wait on their channels at once and each writes its own matching lines",
          "[asio][many]") {
    coropipe::test::live_guard guard;
    {
        net::io_context io(1);
        std::deque<asio::line_channel> channels; // destroyed before `io`, whose services they use
        std::vector<std::string> outputs(pipeline_count);
        std::vector<result> results(pipeline_count);
        for (std::size_t i = 0; i < pipeline_count; ++i) {
            asio::line_channel& channel = channels.emplace_back(io, 1);
            asio::async_run(io.get_executor(), asio::channel_source(channel), grep("keep"),
                            string_sink{&outputs[i]}, [r = &results[i]](std::exception_ptr e, asio::run_stats s) {
                                r->called = true;
                                r->error = e;
                                r->stats = s;
                            });
        }
        // Every pipeline starts and suspends in its channel's receive.
        while (io.poll() != 0) {
        }
        CHECK(coropipe::test::counted::live - guard.start >= static_cast<long>(pipeline_count));
        std::size_t called = 0;
        for (const result& r : results) {
            called += r.called;
        }
        REQUIRE(called == 0);

        // One batch each, then the end-of-stream mark (an empty message).
        // The batch goes straight to the waiting receiver and the mark into
        // the channel's one slot, so neither send can fail.
        std::size_t sent = 0;
        for (std::size_t i = 0; i < pipeline_count; ++i) {
            sent += channels[i].try_send(boost::system::error_code{}, batch(i));
            sent += channels[i].try_send(boost::system::error_code{}, std::string{});
        }
        REQUIRE(sent == 2 * pipeline_count);
        io.run();

        std::size_t right = 0;
        std::uint64_t lines_in = 0;
        std::uint64_t lines_out = 0;
        for (std::size_t i = 0; i < pipeline_count; ++i) {
            const result& r = results[i];
            right += r.called && !r.error && outputs[i] == kept(i);
            lines_in += r.stats.lines_in;
            lines_out += r.stats.lines_out;
        }
        CHECK(right == pipeline_count);
        CHECK(lines_in == 250'000);   // 1 + i % 4 lines: 2.5 on average
        CHECK(lines_out == 83'334);   // (i + j) % 3 == 0: about a third of them
        CHECK(outputs[3] == "p3 l0 keep\np3 l3 keep\n");
        CHECK(outputs[1].empty());
    }
    CHECK(guard.balanced());
}

TEST_CASE("Destroying an io_context with 100,000 waiting pipelines destroys every frame without resuming it",
          "[asio][many][destroy]") {
    coropipe::test::live_guard guard;
    std::vector<std::string> outputs(pipeline_count);
    std::size_t called = 0;
    {
        net::io_context io(1);
        std::deque<asio::line_channel> channels;
        for (std::size_t i = 0; i < pipeline_count; ++i) {
            asio::line_channel& channel = channels.emplace_back(io, 1);
            asio::async_run(io.get_executor(), asio::channel_source(channel), grep("keep"),
                            string_sink{&outputs[i]},
                            [&called](std::exception_ptr, asio::run_stats) { ++called; });
        }
        while (io.poll() != 0) {
        }
        CHECK(coropipe::test::counted::live - guard.start >= static_cast<long>(pipeline_count));
        // Destroying the channels cancels their receives; the cancelled
        // completions are queued on `io`, which is destroyed without running them.
    }
    CHECK(called == 0);
    CHECK(guard.balanced());
}
