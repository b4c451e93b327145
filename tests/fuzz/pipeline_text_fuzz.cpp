// libFuzzer target for the pipeline-text parser (coropipe/pipeline_text.hpp).
// Built with clang when COROPIPE_FUZZ=ON (the `fuzz` preset); ctest runs it
// for a bounded time. The property: any input either parses, or throws
// pipeline_text_error with a position inside the text and a one-line
// message; anything else (a crash, a sanitizer report, another exception)
// is a finding.

#include <coropipe/pipeline_text.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        for (const coropipe::stage_spec& spec : coropipe::parse_pipeline(text)) {
            if (spec.position > text.size()) {
                std::abort();
            }
            (void)coropipe::stage_help(spec.name); // every parsed name is a known stage
        }
    } catch (const coropipe::pipeline_text_error& e) {
        const std::string message = e.what();
        if (e.position() > text.size() || message.empty() || message.find('\n') != std::string::npos) {
            std::abort();
        }
        const std::string drawn = coropipe::format_error(text, e);
        if (drawn.empty() || drawn.back() != '\n') {
            std::abort();
        }
    }
    return 0;
}
