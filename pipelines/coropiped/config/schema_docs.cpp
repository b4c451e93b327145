// The docs' tables of keys, rendered from the schema: what
// docs/coropiped-config.md holds, checked by a test so that the two cannot
// drift.

#include "config/schema.hpp"

#include "config/values.hpp"

namespace coropiped::loader {

namespace {

std::string code(std::string_view text) { return '`' + std::string(text) + '`'; }
std::string in_quotes(std::string_view text) { return code('"' + std::string(text) + '"'); }

std::string duration_text(std::uint64_t ms) {
    return ms == 0 ? "0" : format_duration(std::chrono::milliseconds(static_cast<std::int64_t>(ms)));
}

std::string type_column(table_kind kind, const key& k) {
    const value_spec& v = k.value;
    std::string out;
    switch (v.kind) {
    case value_kind::string:
        out = "string";
        break;
    case value_kind::integer:
        out = "integer, " + std::to_string(v.min) + " to " + std::to_string(v.max);
        break;
    case value_kind::size:
        out = "size, " + (v.max == std::numeric_limits<std::uint64_t>::max()
                              ? "at least " + std::to_string(v.min)
                              : std::to_string(v.min) + " to " + format_size(v.max));
        break;
    case value_kind::duration:
        out = "duration, " + duration_text(v.min) + " to " + duration_text(v.max);
        break;
    case value_kind::address:
        out = v.port_zero ? "address (port 0 allowed)" : "address (port 1 to 65535)";
        break;
    case value_kind::path:
        out = "path";
        break;
    case value_kind::names:
        out = "names of " + std::string(table(v.names_of).name) + "s, at least one";
        break;
    case value_kind::strings:
        out = "array of strings";
        break;
    case value_kind::choice:
        for (const choice& c : v.choices) {
            out += (out.empty() ? "" : ", ") + in_quotes(c.spelling);
        }
        break;
    case value_kind::mode:
        out = "octal mode, at most " + in_quotes("0777");
        break;
    case value_kind::account:
        out = "name or number";
        break;
    }
    for (const order_rule& rule : order_rules()) {
        if (rule.table == kind && rule.larger == k.name) {
            out += "; at least " + code(rule.smaller);
        }
    }
    if (!k.only_with.empty()) {
        out += "; only with " + code(k.only_with);
    }
    if (!k.note.empty()) {
        out += "; " + std::string(k.note);
    }
    return out;
}

std::string for_column(table_kind kind, const key& k) {
    if (k.types == any_type) {
        return "all";
    }
    std::string out;
    for (const choice& c : table(kind).types) {
        if ((k.types >> c.value & 1) != 0) {
            out += (out.empty() ? "" : ", ") + std::string(c.spelling);
        }
    }
    return out;
}

// The initial value of `k`'s member in a struct made without the file.
template <class Record>
value initial_of(const key& k) {
    const Record record{};
    return k.target.load(&record);
}

value initial(table_kind kind, const key& k) {
    switch (kind) {
    case table_kind::daemon:
        return initial_of<daemon_config>(k);
    case table_kind::source:
        return initial_of<source_config>(k);
    case table_kind::pipeline:
        return initial_of<pipeline_config>(k);
    case table_kind::sink:
        break;
    }
    return initial_of<sink_config>(k);
}

std::string default_column(table_kind kind, const key& k) {
    if (k.required) {
        return "**required**";
    }
    if (!k.from.empty()) {
        return code("daemon." + std::string(k.from));
    }
    if (!k.literal.empty()) {
        return in_quotes(k.literal);
    }
    const value v = initial(kind, k);
    std::string shown;
    if (const auto* n = std::get_if<std::uint64_t>(&v)) {
        shown = k.value.kind == value_kind::size   ? in_quotes(format_size(*n))
                : k.value.kind == value_kind::mode ? in_quotes(format_mode(static_cast<unsigned>(*n)))
                                                   : code(std::to_string(*n));
    } else if (const auto* d = std::get_if<std::chrono::milliseconds>(&v)) {
        shown = in_quotes(format_duration(*d));
    } else if (const auto* s = std::get_if<std::string>(&v); s && !s->empty()) {
        shown = in_quotes(*s);
    } else if (const auto* c = std::get_if<chosen>(&v); c && !spelling(k.value.choices, c->value).empty()) {
        shown = in_quotes(spelling(k.value.choices, c->value));
    }
    if (!shown.empty()) {
        return shown;
    }
    return k.none.empty() ? "none" : "none: " + std::string(k.none);
}

} // namespace

std::string markdown_table(table_kind kind) {
    const bool typed = !table(kind).types.empty();
    std::string out = typed ? "| key | type | for | default | meaning |\n|---|---|---|---|---|\n"
                            : "| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const key& k : keys(kind)) {
        out += "| " + code(k.name) + " | " + type_column(kind, k) + " | ";
        if (typed) {
            out += for_column(kind, k) + " | ";
        }
        out += default_column(kind, k) + " | " + std::string(k.doc) + " |\n";
    }
    return out;
}

} // namespace coropiped::loader
