// The non-template part of coropipe/asio/listener.hpp.
#include <coropipe/asio/listener.hpp>

namespace coropipe::asio {

void log_limiter::operator()(const std::function<void(log_level, const std::string&)>& log, log_level level,
                             const std::string& message) {
    std::uint64_t suppressed = 0;
    {
        std::lock_guard lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < interval_) {
            ++suppressed_;
            return;
        }
        last_ = now;
        suppressed = std::exchange(suppressed_, 0);
    }
    if (!log) {
        return;
    }
    if (suppressed == 0) {
        log(level, message);
    } else {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(interval_).count();
        log(level, message + " (and " + std::to_string(suppressed) + " more in the last " + std::to_string(seconds) +
                       " s)");
    }
}

} // namespace coropipe::asio
