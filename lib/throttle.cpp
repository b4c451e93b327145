#include <coropipe/stages/throttle.hpp>


#include "group_key.hpp"

#include <optional>
#include <unordered_map>
#include <utility>

namespace coropipe {

namespace {

using time_point = std::chrono::steady_clock::time_point;

struct window {
    time_point start;
    std::size_t passed = 0;
};

struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct throttler {
    std::size_t n;
    std::chrono::milliseconds per;
    throttle_options options;
    std::optional<detail::group_key> key;
    field_scratch scratch;
    std::unordered_map<std::string, window, hash, std::equal_to<>> windows;
    window shared; // no keys, or past key_limit
    bool shared_started = false;
    std::uint64_t dropped = 0;

    bool pass(std::string_view line) {
        const time_point now = options.clock ? options.clock() : std::chrono::steady_clock::now();
        window* w = &shared;
        bool fresh = !shared_started;
        if (key) {
            const std::string_view k = key->of(line, scratch, false);
            auto it = windows.find(k);
            if (it != windows.end()) {
                w = &it->second;
                fresh = false;
            } else if (windows.size() < options.key_limit) {
                w = &windows.emplace(std::string(k), window{now, 0}).first->second;
                fresh = true;
            }
        }
        if (w == &shared) {
            shared_started = true;
        }
        if (fresh || now - w->start >= per) {
            w->start = now;
            w->passed = 0;
        }
        if (w->passed < n) {
            ++w->passed;
            return true;
        }
        ++dropped;
        options.dropped->fetch_add(1, std::memory_order_relaxed);
        return false;
    }
};

std::string duration_text(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms % 3'600'000 == 0 && ms != 0) {
        return std::to_string(ms / 3'600'000) + "h";
    }
    if (ms % 60'000 == 0 && ms != 0) {
        return std::to_string(ms / 60'000) + "m";
    }
    if (ms % 1000 == 0 && ms != 0) {
        return std::to_string(ms / 1000) + "s";
    }
    return std::to_string(ms) + "ms";
}

stage<std::string_view> throttle_lines(std::unique_ptr<throttler> t) {
    while (std::string_view* line = co_await input) {
        if (t->pass(*line)) {
            co_yield *line;
        }
    }
    if (t->dropped > 0 && t->options.on_warning) {
        t->options.on_warning("throttle: " + std::to_string(t->dropped) + " line" + (t->dropped == 1 ? "" : "s") +
                              " over " + std::to_string(t->n) + " per " + duration_text(t->per) + " dropped");
    }
}

} // namespace

stage<std::string_view> throttle(std::size_t n, std::chrono::milliseconds per, throttle_options options) {
    auto t = std::make_unique<throttler>();
    t->n = n;
    t->per = per;
    if (!options.keys.empty()) {
        t->key.emplace(options.keys);
    }
    if (!options.dropped) {
        options.dropped = std::make_shared<std::atomic<std::uint64_t>>(0);
    }
    t->options = std::move(options);
    return throttle_lines(std::move(t));
}

} // namespace coropipe
