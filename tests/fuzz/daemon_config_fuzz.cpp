// libFuzzer target for coropiped's configuration loader
// (pipelines/coropiped/config.hpp), toml++'s parser included. Built with clang
// when COROPIPE_FUZZ=ON (the `fuzz` preset); ctest runs it for a bounded time.
// The property: any input either gives a configuration that holds together
// (a pipeline at least, every `from`/`to` naming a source/sink, one-line
// warnings), or throws config_error whose diagnostics are each one line with
// a place inside the text; anything else (a crash, a sanitizer report,
// another exception) is a finding.

#include "config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

bool one_line(std::string_view s) { return !s.empty() && s.find('\n') == std::string_view::npos; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    try {
        const coropiped::daemon_config c = coropiped::parse_config(text, "fuzz.toml");
        check(!c.pipelines.empty());
        for (const coropiped::pipeline_config& p : c.pipelines) {
            check(!p.from.empty() && !p.to.empty() && !p.stages.empty());
            for (const std::string& name : p.from) {
                check(std::any_of(c.sources.begin(), c.sources.end(), [&](const auto& s) { return s.name == name; }));
            }
            for (const std::string& name : p.to) {
                check(std::any_of(c.sinks.begin(), c.sinks.end(), [&](const auto& s) { return s.name == name; }));
            }
        }
        for (const coropiped::source_config& s : c.sources) {
            check(s.max_line > 0 && s.max_line <= s.buffer_bytes);
            check(s.type != coropiped::source_config::kind::udp || s.receive_buffer > 0);
            check(!s.socket_mode || *s.socket_mode <= 0777);
        }
        for (const coropiped::sink_config& s : c.sinks) {
            check(s.backoff_min <= s.backoff_max && s.backoff_min.count() > 0);
            check(s.file_mode <= 0777 && s.spool_max_bytes > 0);
        }
        check(c.checkpoint_interval.count() >= 10);
        for (const auto& [key, place] : c.places) {
            check(place.line >= 1 && place.line <= lines && place.column >= 1);
        }
        for (const std::string& w : c.warnings) {
            check(one_line(w) && w.starts_with("fuzz.toml:"));
        }
    } catch (const coropiped::config_error& e) {
        check(!e.errors().empty());
        std::size_t newlines = 0;
        for (const coropiped::config_diagnostic& d : e.errors()) {
            check(d.file == "fuzz.toml" && d.line >= 1 && d.line <= lines && d.column >= 1);
            check(one_line(d.message) && d.key.find('\n') == std::string::npos && one_line(d.to_string()));
            ++newlines;
        }
        const std::string what = e.what();
        check(static_cast<std::size_t>(std::count(what.begin(), what.end(), '\n')) == newlines - 1);
    }
    return 0;
}
