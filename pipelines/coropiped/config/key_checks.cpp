#include "config/key_checks.hpp"

#include "config/text.hpp"

#include <coropipe/pipeline_text.hpp>

#include <algorithm>

namespace coropiped::loader {

namespace {

// sun_path holds 108 bytes with the terminating NUL.
constexpr std::size_t max_unix_path = 107;

std::string host_port(const endpoint& e) { return e.host + ':' + std::to_string(e.port); }

std::string normal(const value& v) { return std::get<std::filesystem::path>(v).lexically_normal().string(); }

// Every error of a pipeline text, left to right.
// TODO(lead): switch to `return coropipe::parse_pipeline_errors(text);` once
// it exists; until then, parse_pipeline's first error only.
std::vector<coropipe::pipeline_text_error> run_text_errors(std::string_view text) {
    return coropipe::parse_pipeline_errors(text);
}

// `e`, an error of the `run` text, at the offending byte in the file when
// the string's token can be mapped back (escapes and all); else at the string.
void report(key_use& use, const std::string& run, const coropipe::pipeline_text_error& e) {
    position p = use.where;
    if (const std::optional<std::size_t> start = offset_of(use.found.text, p)) {
        if (const auto offsets = value_offsets(use.found.text, *start, run)) {
            p = position_of(use.found.text, (*offsets)[std::min(e.position(), run.size())]);
        }
    }
    std::string what = e.what();
    constexpr std::string_view prefix = "coropipe: ";
    if (what.starts_with(prefix)) {
        what.erase(0, prefix.size());
    }
    use.found.error(p, use.dotted, printable(what, 300));
}

} // namespace

void claim_listen(key_use& use) {
    const endpoint& e = std::get<endpoint>(use.parsed);
    if (e.port != 0) {
        const std::string_view protocol = spelling(table(table_kind::source).types, use.type);
        use.found.add_claim(std::string(protocol) + ' ' + host_port(e), "address", use.dotted, use.where);
    }
}

void claim_metrics_listen(key_use& use) {
    use.config.metrics_enabled = true;
    const endpoint& e = std::get<endpoint>(use.parsed);
    if (e.port != 0) {
        use.found.add_claim("tcp " + host_port(e), "address", use.dotted, use.where);
    }
}

void claim_standard_input(key_use& use) {
    if (use.type == static_cast<int>(source_config::kind::stdin_)) {
        use.found.add_claim("stdin", "standard input", use.dotted, use.where);
    }
}

void claim_unix_socket(key_use& use) {
    const std::size_t size = std::get<std::filesystem::path>(use.parsed).native().size();
    if (size > max_unix_path) {
        use.found.error(use.where, use.dotted,
                        "the socket's path is " + std::to_string(size) + " bytes, more than the " +
                            std::to_string(max_unix_path) + " a unix socket address holds");
    }
    use.found.add_claim("unix " + normal(use.parsed), "path", use.dotted, use.where);
}

void claim_followed_file(key_use& use) {
    use.found.add_claim("file " + normal(use.parsed), "path", use.dotted, use.where);
}

void claim_written_file(key_use& use) {
    use.found.add_claim("write " + normal(use.parsed), "path", use.dotted, use.where);
}

void check_metrics_auth(key_use& use) {
    const std::string& auth = use.as<daemon_config>().metrics_auth;
    const std::size_t colon = auth.find(':');
    const std::string_view hash = colon == std::string::npos ? std::string_view() : std::string_view(auth).substr(colon + 1);
    if (colon == 0 || colon == std::string::npos || hash.size() != 64 ||
        hash.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
        use.found.error(use.where, use.dotted,
                        "expected \"USER:SHA256\": a user name, ':', and the 64 hex digits of the SHA-256 of the "
                        "password (printf %s 'PASSWORD' | sha256sum)");
    }
}

void check_source_tls_ca(key_use& use) {
    if (use.type == static_cast<int>(source_config::kind::tcp) && use.as<source_config>().tls_cert.empty()) {
        use.found.error(use.where, use.dotted, "not used without tls.cert");
    }
}

void check_metrics_tls(key_use& use) {
    if (!use.as<daemon_config>().metrics_enabled) {
        use.found.error(use.where, use.dotted, "not used without metrics_listen");
    }
}

void check_run(key_use& use) {
    pipeline_config& pipeline = use.as<pipeline_config>();
    const std::vector<coropipe::pipeline_text_error> errors = run_text_errors(pipeline.run);
    for (const coropipe::pipeline_text_error& e : errors) {
        report(use, pipeline.run, e);
    }
    if (!errors.empty()) {
        return;
    }
    try {
        pipeline.stages = coropipe::parse_pipeline(pipeline.run);
        if (use.found.check) {
            use.found.check(pipeline);
        }
    } catch (const coropipe::pipeline_text_error& e) {
        report(use, pipeline.run, e);
    }
}

namespace {

// Prometheus: [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, no ':' in labels.
bool is_prometheus_name(std::string_view name, bool colons) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [colons](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               (colons && c == ':');
    });
}

} // namespace

void check_metric_name(key_use& use) {
    const pipeline_config& pipeline = use.as<pipeline_config>();
    if (!is_prometheus_name(pipeline.metric_name, true)) {
        use.found.error(use.where, use.dotted, "expected a Prometheus metric name: letters, digits, '_' and ':', "
                                               "not starting with a digit");
        return;
    }
    for (const std::string& label : pipeline.metric_labels) {
        if (!is_prometheus_name(label, false) || label.starts_with("__")) {
            use.found.error(use.where, use.dotted, "'" + label + "' in metric.labels is not a label name: letters, "
                                                   "digits and '_', not starting with a digit or '__'");
            return;
        }
    }
    if (pipeline.stages.empty()) {
        return; // `run` was reported
    }
    const coropipe::stage_spec& last = pipeline.stages.back();
    if (last.find_clause("every") == nullptr) {
        use.found.error(use.where, use.dotted, "run must end in an aggregate with 'every DURATION' (as in "
                                               "\"count by @host every 1m\") to be served as gauges");
        return;
    }
    if (last.group_by.size() != pipeline.metric_labels.size()) {
        use.found.error(use.where, use.dotted,
                        "metric.labels names " + std::to_string(pipeline.metric_labels.size()) + " label" +
                            (pipeline.metric_labels.size() == 1 ? "" : "s") + "; the aggregate is by " +
                            std::to_string(last.group_by.size()) + " KEY" + (last.group_by.size() == 1 ? "" : "s"));
    }
}

} // namespace coropiped::loader
