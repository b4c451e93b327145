#include <coropipe/stages/dedup.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace coropipe {

namespace {

struct state {
    dedup_options options;
    std::string last;
    std::string message;
    std::chrono::steady_clock::time_point since;
    std::uint64_t repeats = 0;
    bool any = false;

    std::string_view repeated() {
        message = "last message repeated " + std::to_string(repeats) + " times";
        repeats = 0;
        return message;
    }
};

stage<std::string_view> dedup_lines(std::unique_ptr<state> s) {
    while (std::string_view* line = co_await input) {
        const auto now = s->options.clock ? s->options.clock() : std::chrono::steady_clock::now();
        if (s->any && *line == s->last && (!s->options.within || now - s->since < *s->options.within)) {
            ++s->repeats;
            continue;
        }
        s->last.assign(*line);
        if (s->repeats > 0) {
            co_yield s->repeated();
        }
        s->any = true;
        s->since = now;
        co_yield std::string_view(s->last);
    }
    if (s->repeats > 0) {
        co_yield s->repeated();
    }
}

} // namespace

stage<std::string_view> dedup(dedup_options options) {
    auto s = std::make_unique<state>();
    s->options = std::move(options);
    return dedup_lines(std::move(s));
}

} // namespace coropipe
