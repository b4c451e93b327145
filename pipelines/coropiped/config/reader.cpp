// The reader: the TOML, then [daemon] (the defaults of the rest), then each
// [source.NAME], [pipeline.NAME] and [sink.NAME] table, each walked along
// its keys in the schema, then the checks across tables. Every problem is
// collected on the way and thrown at the end, in file order.

#include "config/reader.hpp"

#include "config/text.hpp"
#include "config/toml_values.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace coropiped {

namespace loader {

findings::findings(std::string_view text_, std::string file_, const run_check& check_)
    : text(text_),
      file(std::move(file_)),
      check(check_),
      base(std::filesystem::path(file).parent_path()) {}

void findings::error(position where, std::string key, std::string message) {
    errors.push_back({file, where.line, where.column, std::move(key), std::move(message)});
}

void findings::warning(position where, const std::string& key, const std::string& message) {
    warnings.push_back({file, where.line, where.column, "warning: " + key, message});
}

void findings::add_claim(std::string what, std::string_view thing, std::string key, position where) {
    claims.push_back({std::move(what), thing, std::move(key), where});
}

namespace {

bool contains(const std::vector<std::string_view>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// `prefix.name` for a key of the schema: `tls.cert` (a key of the sub-table
// `tls`) is not quoted as a key with a dot would be.
std::string schema_path(std::string_view prefix, std::string_view name) {
    const std::size_t dot = name.find('.');
    return dot == std::string_view::npos ? key_path(prefix, name)
                                         : key_path(key_path(prefix, name.substr(0, dot)), name.substr(dot + 1));
}

// The value of a key of the schema in `t`: `tls.cert` is `cert` of the
// sub-table `tls` (`[source.NAME.tls]`).
const toml::node* lookup(const toml::table& t, std::string_view name) {
    const std::size_t dot = name.find('.');
    if (dot == std::string_view::npos) {
        return t.get(name);
    }
    const toml::node* sub = t.get(name.substr(0, dot));
    const toml::table* table = sub ? sub->as_table() : nullptr;
    return table ? table->get(name.substr(dot + 1)) : nullptr;
}

// Reads the tables of one file into a daemon_config.
class reader {
public:
    reader(findings& found, daemon_config& config) : found_(found), config_(config) {}

    void read(const toml::table& root);

private:
    const toml::table* as_table(const toml::node& node, const std::string& key, std::string_view hint) {
        if (const toml::table* t = node.as_table()) {
            return t;
        }
        found_.error(at(node.source()), key,
                     "expected a table" + std::string(hint) + ", got " + std::string(type_name(node)));
        return nullptr;
    }

    void place(const std::string& key, position p) { config_.places[key] = {p.line, p.column}; }

    // One table being read.
    struct table_read {
        table_kind kind;
        const std::string& path;
        const toml::table& t;
        void* record;
        int type = -1;                                     // its type, if it has one and it is known
        bool typed = false;                                // the type is known (or it has none)
        type_mask mask = 0;                                // the keys of its type
        std::vector<std::string_view> read{};              // the names of the keys read
        std::vector<std::pair<const key*, value>> given{}; // those of its type given a good value
    };

    bool read_table(table_kind kind, const std::string& path, const toml::table& t, void* record);
    void read_type(table_read& r);
    void read_key(table_read& r, const key& k);
    bool take(table_read& r, const key& k, const toml::node& node);
    void missing(const table_read& r, const key& k);
    void check_order(const table_read& r);
    void report_unread(const table_read& r);

    template <class Record>
    void read_item(table_kind kind, const std::string& name, const toml::node& node, std::vector<Record>& out) {
        const std::string path = key_path(table(kind).name, name);
        const toml::table* t = as_table(node, path, table(kind).shape);
        if (!t) {
            return;
        }
        if (kind == table_kind::pipeline) {
            found_.defined_in(kind)[name] = at(t->source());
        }
        Record r;
        r.name = name;
        if (read_table(kind, path, *t, &r)) {
            out.push_back(std::move(r));
        }
    }

    findings& found_;
    daemon_config& config_;
    daemon_config defaults_; // [daemon], once read
};

// Reads the table at `path` into `record`, key by key of the schema: a value
// given is checked and stored, a required one missing reported, the others
// take their default; then the keys nobody reads are reported. False when the
// table's type is missing or unknown: the record is then incomplete, and its
// keys are checked against every type's.
bool reader::read_table(table_kind kind, const std::string& path, const toml::table& t, void* record) {
    table_read r{kind, path, t, record};
    place(path, at(t.source()));
    read_type(r);
    for (const key& k : keys(kind)) {
        read_key(r, k);
    }
    if (r.typed) {
        for (const auto& [k, v] : r.given) {
            if (!k->only_with.empty() && !lookup(t, k->only_with)) {
                found_.error(at(lookup(t, k->name)->source()), schema_path(path, k->name),
                             "not used without " + std::string(k->only_with));
            }
        }
        check_order(r);
        for (auto& [k, v] : r.given) {
            if (k->after) {
                key_use use{found_, config_, *k,    schema_path(path, k->name), at(lookup(t, k->name)->source()),
                            v,      record,  r.type};
                k->after(use);
            }
        }
    }
    report_unread(r);
    return r.typed;
}

void reader::missing(const table_read& r, const key& k) {
    std::vector<std::string_view> choices;
    for (const choice& c : k.value.choices) {
        choices.push_back(c.spelling);
    }
    found_.error(at(r.t.source()), schema_path(r.path, k.name),
                 "missing: " + (k.hint.empty() ? "one of " + quoted_list(choices) : std::string(k.hint)));
}

bool reader::take(table_read& r, const key& k, const toml::node& node) {
    const std::string dotted = schema_path(r.path, k.name);
    std::optional<value> v = read_value(found_, k.value, node, dotted);
    if (!v) {
        return false;
    }
    place(dotted, at(node.source()));
    k.target.store(r.record, *v);
    r.given.emplace_back(&k, std::move(*v));
    return true;
}

void reader::read_type(table_read& r) {
    r.typed = table(r.kind).types.empty();
    if (!r.typed) {
        const key& type_key = *find_key(r.kind, "type");
        r.read.push_back("type");
        if (const toml::node* node = lookup(r.t, "type")) {
            if (take(r, type_key, *node)) {
                r.type = std::get<chosen>(r.given.back().second).value;
                r.typed = true;
            }
        } else {
            missing(r, type_key);
        }
    }
    r.mask = table(r.kind).types.empty() ? any_type : r.typed ? type_mask{1} << r.type : 0;
}

void reader::read_key(table_read& r, const key& k) {
    const bool applies = (k.types & r.mask) != 0;
    if (contains(r.read, k.name) && !applies) {
        return; // another type's entry of a key read
    }
    if (!r.typed) { // check the value as any type would, store nothing
        r.read.push_back(k.name);
        if (const toml::node* node = lookup(r.t, k.name)) {
            (void)read_value(found_, k.value, *node, schema_path(r.path, k.name));
        }
        return;
    }
    if (!applies || k.name == "type") {
        if (!applies && !k.from.empty()) {
            // Not this type's key: its field still holds [daemon]'s value,
            // so that every struct holds the values the daemon uses.
            k.target.store(r.record, find_key(table_kind::daemon, k.from)->target.load(&defaults_));
        }
        return;
    }
    r.read.push_back(k.name);
    if (const toml::node* node = lookup(r.t, k.name)) {
        (void)take(r, k, *node);
    } else if (k.required) {
        missing(r, k);
    } else if (!k.from.empty()) {
        k.target.store(r.record, find_key(table_kind::daemon, k.from)->target.load(&defaults_));
    } else if (!k.literal.empty()) {
        k.target.store(r.record, parse_text(k.value, k.literal, found_));
    }
}

// The keys of the table not read: unknown ones (with a suggestion), and
// those of other types.
void reader::report_unread(const table_read& r) {
    const table_spec& spec = table(r.kind);
    std::vector<std::string_view> known;
    for (const key& k : keys(r.kind)) {
        if (!contains(known, k.name)) {
            known.push_back(k.name);
        }
    }
    std::vector<std::string_view> prefixes; // `tls` of `tls.cert`
    for (std::string_view name : known) {
        if (const std::size_t dot = name.find('.'); dot != std::string_view::npos && !contains(prefixes, name.substr(0, dot))) {
            prefixes.push_back(name.substr(0, dot));
        }
    }
    std::vector<std::pair<std::string, const toml::key*>> entries;
    for (auto&& [k, v] : r.t) {
        if (contains(prefixes, k.str()) && v.is_table()) {
            for (auto&& [sub_key, sub_value] : *v.as_table()) {
                entries.emplace_back(std::string(k.str()) + '.' + std::string(sub_key.str()), &sub_key);
            }
        } else {
            entries.emplace_back(std::string(k.str()), &k);
        }
    }
    for (const auto& [full_name, k_ptr] : entries) {
        const toml::key& k = *k_ptr;
        const std::string_view name = full_name;
        if (contains(r.read, name)) {
            continue;
        }
        if (contains(prefixes, name)) {
            found_.error(at(k.source()), schema_path(r.path, name), "expected a table ([" + r.path + '.' + full_name + "])");
            continue;
        }
        if (contains(known, name)) {
            found_.error(at(k.source()), schema_path(r.path, name),
                         "not used by a " + std::string(spelling(spec.types, r.type)) + ' ' + std::string(spec.name));
        } else {
            found_.error(at(k.source()), schema_path(r.path, name), "unknown key" + suggestion(name, known));
        }
    }
}

// Each order rule of the table whose keys apply to its type, if one of the
// two is written in it: `larger` must be at least `smaller`.
void reader::check_order(const table_read& r) {
    const table_kind kind = r.kind;
    const toml::table& t = r.t;
    auto applying = [&](std::string_view name) -> const key* {
        for (const key& k : keys(kind)) {
            if (k.name == name && (k.types & r.mask) != 0) {
                return &k;
            }
        }
        return nullptr;
    };
    auto magnitude = [](const value& v) { // a size or a duration
        const auto* d = std::get_if<std::chrono::milliseconds>(&v);
        return d ? static_cast<std::uint64_t>(d->count()) : std::get<std::uint64_t>(v);
    };
    auto shown_value = [](const value& v) {
        if (const auto* d = std::get_if<std::chrono::milliseconds>(&v)) {
            return std::to_string(d->count()) + "ms";
        }
        return std::to_string(std::get<std::uint64_t>(v));
    };
    for (const order_rule& rule : order_rules()) {
        const key* larger = rule.table == kind ? applying(rule.larger) : nullptr;
        const key* smaller = rule.table == kind ? applying(rule.smaller) : nullptr;
        const toml::node* written = lookup(t, rule.larger) ? lookup(t, rule.larger) : lookup(t, rule.smaller);
        if (!larger || !smaller || !written) {
            continue;
        }
        const value big = larger->target.load(r.record);
        const value small = smaller->target.load(r.record);
        if (magnitude(big) < magnitude(small)) {
            found_.error(at(written->source()), schema_path(r.path, lookup(t, rule.larger) ? rule.larger : rule.smaller),
                         std::string(rule.larger) + " (" + shown_value(big) + ") is less than " +
                             std::string(rule.smaller) + " (" + shown_value(small) + ")" + std::string(rule.why));
        }
    }
}

void reader::read(const toml::table& root) {
    constexpr std::string_view top_keys[] = {"daemon", "source", "pipeline", "sink"};
    // [daemon] first: its values are the defaults of the other tables.
    if (const toml::node* d = root.get("daemon")) {
        if (const toml::table* t = as_table(*d, "daemon", table(table_kind::daemon).shape)) {
            (void)read_table(table_kind::daemon, "daemon", *t, &config_);
        }
    }
    defaults_ = config_;

    // Names first, so that `from`/`to` can refer to tables read later.
    for (table_kind kind : {table_kind::source, table_kind::sink}) {
        const toml::node* node = root.get(table(kind).name);
        if (const toml::table* t = node ? node->as_table() : nullptr) {
            for (auto&& [k, v] : *t) {
                found_.defined_in(kind)[std::string(k.str())] = at(v.source());
            }
        }
    }
    for (auto&& [k, v] : root) {
        const std::string_view name = k.str();
        const auto top = std::find(std::begin(top_keys), std::end(top_keys), name);
        if (top == std::end(top_keys)) {
            found_.error(at(k.source()), key_path({}, name),
                         "unknown table" + suggestion(name, {std::begin(top_keys), std::end(top_keys)}) +
                             "; expected [daemon], [source.NAME], [pipeline.NAME] or [sink.NAME]");
            continue;
        }
        const auto kind = static_cast<table_kind>(top - std::begin(top_keys));
        if (kind == table_kind::daemon) {
            continue;
        }
        const toml::table* items = as_table(v, std::string(name), " of [" + std::string(name) + ".NAME] tables");
        if (!items) {
            continue;
        }
        for (auto&& [item_key, item] : *items) {
            const std::string item_name(item_key.str());
            if (!is_bare_key(item_name)) {
                found_.error(at(item_key.source()), key_path(name, item_name),
                             "a name may have only letters, digits, '_' and '-'");
            }
            if (kind == table_kind::source) {
                read_item(kind, item_name, item, config_.sources);
            } else if (kind == table_kind::pipeline) {
                read_item(kind, item_name, item, config_.pipelines);
            } else {
                read_item(kind, item_name, item, config_.sinks);
            }
        }
    }
}

void sort_by_position(std::vector<config_diagnostic>& list) {
    std::stable_sort(list.begin(), list.end(), [](const config_diagnostic& a, const config_diagnostic& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
}

} // namespace

} // namespace loader

daemon_config parse_config(std::string_view text, std::string file_name, const run_check& check) {
    loader::findings found(text, std::move(file_name), check);
    daemon_config config;
    config.file = found.file;
    if (const auto refused = loader::refuse_non_ascii(text)) {
        found.error(loader::position_of(text, refused->first), {}, "TOML syntax: " + std::string(refused->second));
        throw config_error(std::move(found.errors));
    }
    toml::table root;
    try {
        root = toml::parse(text, std::string_view(found.file));
    } catch (const toml::parse_error& e) {
        // toml++ words: "Error while parsing key-value pair: cannot redefine ..."
        found.error(loader::at(e.source()), {}, "TOML syntax: " + loader::printable(e.description(), 300));
        throw config_error(std::move(found.errors));
    }
    loader::reader(found, config).read(root);
    loader::cross_check(found, config);

    loader::sort_by_position(found.errors);
    if (!found.errors.empty()) {
        throw config_error(std::move(found.errors));
    }
    loader::sort_by_position(found.warnings);
    for (const config_diagnostic& w : found.warnings) {
        config.warnings.push_back(w.to_string());
    }
    return config;
}

daemon_config load_config(const std::filesystem::path& file, const run_check& check) {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
    auto fail = [&](int err) -> config_error {
        return config_error({{file.string(), 0, 0, {}, "cannot read: " + std::generic_category().message(err)}});
    };
    if (!f) {
        throw fail(errno);
    }
    std::string text;
    char buffer[65536];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, f.get())) {
        text.append(buffer, n);
    }
    if (std::ferror(f.get())) {
        throw fail(errno);
    }
    return parse_config(text, file.string(), check);
}

} // namespace coropiped
