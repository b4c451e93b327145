// uniq
#include "registry.hpp"

#include <coropipe/stages/uniq.hpp>

namespace coropipe::text {

namespace {
text_stage build(const stage_spec&) {
    return uniq();
}
} // namespace

extern const stage_definition uniq_stage{
    .name = "uniq",
    .usage = "uniq",
    .description = "drop each line that equals the line before it",
    .build = build,
};

} // namespace coropipe::text
