// The non-template part of coropipe/asio/run.hpp (no Boost needed here).
#include <coropipe/asio/run.hpp>

namespace coropipe::asio::detail {

sink<std::string_view> append_lines(std::string* out, run_stats* stats) {
    while (std::string_view* line = co_await input) {
        out->append(*line);
        out->push_back('\n');
        ++stats->lines_out;
    }
}

} // namespace coropipe::asio::detail
