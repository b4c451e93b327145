// The checks across tables, once every table is read: at least one pipeline,
// pipeline buffers that hold their sources' lines, each address and path
// used once, no file both written and followed, and the warnings.

#include "config/reader.hpp"

#include "config/text.hpp"

#include <algorithm>

namespace coropiped::loader {

namespace {

position place_of(const daemon_config& config, const std::string& key, position otherwise) {
    const auto it = config.places.find(key);
    return it == config.places.end() ? otherwise : position{it->second.line, it->second.column};
}

void check_pipeline_buffers(findings& found, const daemon_config& config) {
    for (const pipeline_config& p : config.pipelines) {
        for (const std::string& from : p.from) {
            const auto s = std::find_if(config.sources.begin(), config.sources.end(),
                                        [&](const source_config& c) { return c.name == from; });
            if (s != config.sources.end() && s->max_line > p.buffer_bytes) {
                const std::string key = key_path(key_path("pipeline", p.name), "buffer_bytes");
                found.error(place_of(config, key, found.defined_in(table_kind::pipeline)[p.name]), key,
                            std::to_string(p.buffer_bytes) + " bytes cannot hold a line of source " + shown(from) +
                                " (max_line " + std::to_string(s->max_line) + ")");
                break;
            }
        }
    }
}

// Each address, path and stdin used once, the first in the file wins; a
// file written (by a sink, a spool, the state file) and followed by a source
// feeds itself.
void check_claims(findings& found) {
    std::stable_sort(found.claims.begin(), found.claims.end(),
                     [](const claim& a, const claim& b) { return a.where < b.where; });
    std::map<std::string_view, const claim*> first;
    for (const claim& c : found.claims) {
        if (auto [it, fresh] = first.emplace(c.what, &c); !fresh) {
            found.error(c.where, c.key,
                        std::string(c.thing) + " already used by " + it->second->key + " (line " +
                            std::to_string(it->second->where.line) + ")");
        }
    }
    constexpr std::string_view written = "write ";
    for (const claim& c : found.claims) {
        if (c.what.starts_with(written)) {
            if (const auto tailed = first.find("file " + c.what.substr(written.size())); tailed != first.end()) {
                found.error(c.where, c.key,
                            "also followed by " + tailed->second->key + " (line " +
                                std::to_string(tailed->second->where.line) + "): the output would come back as input");
            }
        }
    }
}

void warn_unused_and_loops(findings& found, const daemon_config& config) {
    for (const source_config& s : config.sources) {
        if (!found.used_in(table_kind::source).contains(s.name)) {
            found.warning(found.defined_in(table_kind::source)[s.name], key_path("source", s.name),
                          "no pipeline reads this source");
        }
    }
    for (const sink_config& s : config.sinks) {
        const position at = found.defined_in(table_kind::sink)[s.name];
        if (!found.used_in(table_kind::sink).contains(s.name)) {
            found.warning(at, key_path("sink", s.name), "no pipeline writes to this sink");
        }
        if (s.type != sink_config::kind::tcp) {
            continue;
        }
        for (const source_config& src : config.sources) {
            if (src.type == source_config::kind::tcp && src.listen.port == s.address.port &&
                (src.listen.host == s.address.host || src.listen.host == "0.0.0.0" || src.listen.host == "::")) {
                found.warning(at, key_path("sink", s.name),
                              "forwards to this daemon's own source " + shown(src.name) +
                                  ": a loop if a pipeline reads it and writes here");
            }
        }
    }
}

} // namespace

void cross_check(findings& found, daemon_config& config) {
    if (found.defined_in(table_kind::pipeline).empty()) {
        found.error({}, "pipeline",
                    "no pipeline: the daemon needs at least one [pipeline.NAME] table (from = [...], run = \"...\", "
                    "to = [...])");
    }
    check_pipeline_buffers(found, config);
    check_claims(found);
    warn_unused_and_loops(found, config);
}

} // namespace coropiped::loader
