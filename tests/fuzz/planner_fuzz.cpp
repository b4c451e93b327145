// libFuzzer target "planner differential" (coropipe/text_pipeline.hpp): a
// random pipeline text over random bytes, planned with the whole-buffer fast
// paths and without them (plan_options{.fast_paths = false}), must give the
// same output, the same lines_out, and the same error (or none). The input
// reaches the runs as the async driver hands it: through a block_splitter,
// in pieces for the fast run, whole for the per-line run.
//
// Input: one byte of settings (bits 0-1: max_line 0/3/16/200; bits 2-7: the
// piece size - 1), the pipeline text, a NUL, then the bytes to run over.
// Texts with `tee` are skipped (it would write files).
//
// Built by tests/fuzz.cmake against the whole library with fuzzer
// coverage (coropipe_fuzz_lib: UBSan's function check is off there, as
// clang 14 cannot compile coroutine bodies with it).

#include <coropipe/detail/block_splitter.hpp>
#include <coropipe/pipeline_text.hpp>
#include <coropipe/text_pipeline.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace {

/// What a run gave: its output, lines_out, and the error it ended with.
struct outcome {
    std::string out;
    std::uint64_t lines_out = 0;
    std::optional<std::string> error;
};

/// Runs `pipeline` over `input` cut into pieces of `piece` bytes (0: whole),
/// through a block_splitter as the async driver does.
outcome run(const coropipe::text_pipeline& pipeline, std::string_view input, std::size_t piece,
            std::size_t max_line) {
    outcome o;
    try {
        coropipe::text_run r = pipeline.start();
        coropipe::detail::block_splitter splitter(coropipe::detail::syslog_framing::newline, max_line);
        auto feed = [&](std::string_view block) { return r.feed(block); };
        bool more = true;
        if (piece == 0) {
            more = splitter.feed(input, feed);
        } else {
            for (std::size_t at = 0; more && at < input.size(); at += piece) {
                more = splitter.feed(input.substr(at, piece), feed);
            }
        }
        if (more) {
            (void)splitter.finish(feed);
        }
        r.finish();
        o.out = r.output();
        o.lines_out = r.lines_out();
    } catch (const std::exception& e) {
        o.error = e.what();
    }
    return o;
}

/// The plan, or the error the text gives.
std::optional<coropipe::text_pipeline> plan(std::string_view text, bool fast, std::string* error) {
    try {
        return coropipe::text_pipeline(text, {.fast_paths = fast});
    } catch (const coropipe::pipeline_text_error& e) {
        *error = e.what();
    }
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    constexpr std::size_t max_lines[] = {0, 3, 16, 200};
    const std::size_t max_line = max_lines[data[0] & 3];
    const std::size_t piece = static_cast<std::size_t>(data[0] >> 2) + 1;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::size_t nul = rest.find('\0');
    const std::string_view text = rest.substr(0, nul);
    const std::string_view input = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
    try {
        for (const coropipe::stage_spec& s : coropipe::parse_pipeline(text)) {
            if (s.name == "tee") {
                return 0;
            }
        }
    } catch (const coropipe::pipeline_text_error&) {
        // Both plans must say so, alike: below.
    }
    std::string fast_error;
    std::string slow_error;
    const std::optional<coropipe::text_pipeline> fast = plan(text, true, &fast_error);
    const std::optional<coropipe::text_pipeline> slow = plan(text, false, &slow_error);
    if (fast.has_value() != slow.has_value() || fast_error != slow_error) {
        std::abort(); // one plan refused the text, the other did not (or not alike)
    }
    if (!fast) {
        return 0;
    }
    const outcome a = run(*fast, input, piece, max_line);
    const outcome b = run(*slow, input, 0, max_line);
    if (a.out != b.out || a.lines_out != b.lines_out || a.error != b.error) {
        std::abort();
    }
    return 0;
}
