#include "config/toml_values.hpp"

#include "config/text.hpp"
#include "config/values.hpp"

#include <algorithm>

namespace coropiped::loader {

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

value parse_text(const value_spec& spec, std::string_view text, const findings& found) {
    switch (spec.kind) {
    case value_kind::size:
        return std::uint64_t{parse_size(text)};
    case value_kind::duration:
        return parse_duration(text);
    case value_kind::address:
        return parse_endpoint(text, spec.port_zero);
    case value_kind::path: {
        if (text.empty() || text.find('\0') != std::string_view::npos) {
            throw coropipe::error(text.empty() ? "must not be empty" : "a path cannot contain a NUL byte");
        }
        const std::filesystem::path p(text);
        return p.is_absolute() || found.base.empty() ? p : found.base / p;
    }
    case value_kind::choice: {
        std::vector<std::string_view> spellings;
        for (const choice& c : spec.choices) {
            if (c.spelling == text) {
                return chosen{c.value};
            }
            spellings.push_back(c.spelling);
        }
        throw coropipe::error("unknown value " + shown(text) + suggestion(text, spellings) + "; expected one of " +
                              quoted_list(spellings));
    }
    case value_kind::mode:
        return std::uint64_t{parse_mode(text)};
    case value_kind::account:
        return parse_account(text);
    case value_kind::string:
    case value_kind::integer:
    case value_kind::names:
    case value_kind::strings:
        break;
    }
    return std::string(text);
}

namespace {

std::vector<std::string> read_names(findings& found, const value_spec& spec, const toml::node& node,
                                    const std::string& dotted, bool& ok) {
    const std::string what(table(spec.names_of).name);
    std::vector<std::string> names;
    const toml::array* array = node.as_array();
    if (!array) {
        found.error(at(node.source()), dotted,
                    "expected an array of " + what + " names, e.g. [\"app\"], got " + std::string(type_name(node)));
        ok = false;
        return names;
    }
    if (array->empty()) {
        found.error(at(node.source()), dotted, "names no " + what + "; at least one is needed");
    }
    const std::map<std::string, position>& existing = found.defined_in(spec.names_of);
    std::vector<std::string_view> known;
    for (const auto& [name, p] : existing) {
        known.push_back(name);
    }
    for (const toml::node& item : *array) {
        const position p = at(item.source());
        if (!item.is_string()) {
            found.error(p, dotted, "expected " + what + " names (strings), got " + std::string(type_name(item)));
            continue;
        }
        const std::string& name = item.as_string()->get();
        if (!existing.contains(name)) {
            found.error(p, dotted,
                        "no " + what + ' ' + shown(name) + suggestion(name, known) + "; define it as [" + what + '.' +
                            printable(name) + ']');
        } else if (std::find(names.begin(), names.end(), name) != names.end()) {
            found.error(p, dotted, shown(name) + " is listed twice");
        } else {
            names.push_back(name);
        }
    }
    found.used_in(spec.names_of).insert(names.begin(), names.end());
    return names;
}

// What a key of `spec` wants, for "expected ..., got a float".
std::string expected(const value_spec& spec) {
    switch (spec.kind) {
    case value_kind::integer:
        return "an integer";
    case value_kind::size:
        return "a size (bytes, or a string such as \"64KiB\")";
    case value_kind::duration:
        return "a duration as a string such as \"5s\" or \"250ms\"";
    case value_kind::mode:
        return "a mode as a string of octal digits such as \"0640\"";
    case value_kind::account:
        return "a name or a number";
    default:
        return "a string";
    }
}

// `v` (as written) is out of the range of `spec`; `below`: under its minimum.
std::string range_error(const value_spec& spec, const std::string& v, bool below) {
    switch (spec.kind) {
    case value_kind::size:
        return below ? "must be at least " + std::to_string(spec.min) + " bytes"
                     : "must be at most " + std::to_string(spec.max) + " bytes (" + format_size(spec.max) + ")";
    case value_kind::duration:
        return "must be from " + std::to_string(spec.min) + "ms to " + std::to_string(spec.max) + "ms";
    default:
        return v + " is out of range (" + std::to_string(spec.min) + " to " + std::to_string(spec.max) + ")";
    }
}

} // namespace

std::optional<value> read_value(findings& found, const value_spec& spec, const toml::node& node,
                                const std::string& dotted) {
    const position where = at(node.source());
    auto fail = [&](std::string message) -> std::optional<value> {
        found.error(where, dotted, std::move(message));
        return std::nullopt;
    };
    if (spec.kind == value_kind::strings) {
        const toml::array* array = node.as_array();
        if (!array) {
            return fail("expected an array of strings, e.g. [\"a\", \"b\"], got " + std::string(type_name(node)));
        }
        std::vector<std::string> list;
        for (const toml::node& item : *array) {
            if (!item.is_string() || item.as_string()->get().empty()) {
                found.error(at(item.source()), dotted,
                            "expected a non-empty string, got " +
                                (item.is_string() ? std::string("\"\"") : std::string(type_name(item))));
                return std::nullopt;
            }
            list.push_back(item.as_string()->get());
        }
        return value(std::move(list));
    }
    if (spec.kind == value_kind::names) {
        bool ok = true;
        std::vector<std::string> names = read_names(found, spec, node, dotted, ok);
        return ok ? std::optional<value>(std::move(names)) : std::nullopt;
    }
    value v;
    try {
        if (const auto* integer = node.as_integer();
            integer &&
            (spec.kind == value_kind::integer || spec.kind == value_kind::size || spec.kind == value_kind::account)) {
            const std::int64_t n = integer->get();
            if (n < 0) {
                return fail(spec.kind == value_kind::size      ? std::to_string(n) + " is not a size: it is negative"
                            : spec.kind == value_kind::integer ? range_error(spec, std::to_string(n), true)
                                                               : std::to_string(n) + " is not a user or group "
                                                                                     "number (0 to 4294967294)");
            }
            v = spec.kind == value_kind::account ? value(parse_account(std::to_string(n)))
                                                 : value(static_cast<std::uint64_t>(n));
        } else if (const auto* string = node.as_string(); string && spec.kind != value_kind::integer) {
            v = parse_text(spec, string->get(), found);
        } else {
            return fail("expected " + expected(spec) + ", got " + std::string(type_name(node)));
        }
    } catch (const coropipe::error& e) {
        return fail(e.what());
    }
    if (const auto* n = std::get_if<std::uint64_t>(&v);
        n && spec.kind != value_kind::mode && (*n < spec.min || *n > spec.max)) {
        return fail(range_error(spec, std::to_string(*n), *n < spec.min));
    }
    if (const auto* d = std::get_if<std::chrono::milliseconds>(&v);
        d && (static_cast<std::uint64_t>(d->count()) < spec.min || static_cast<std::uint64_t>(d->count()) > spec.max)) {
        return fail(range_error(spec, {}, false));
    }
    return v;
}

} // namespace coropiped::loader
