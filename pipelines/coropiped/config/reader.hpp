#pragma once
// Reading one configuration file: what the reader found so far (problems,
// names, claims), and a key in use once its table is read, for the checks
// of key_checks.cpp and cross_check.cpp.

#include "config.hpp"
#include "config/schema.hpp"
#include "config/toml_positions.hpp"

#include <array>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace coropiped::loader {

/// Something only one key of the file may have: "tcp 127.0.0.1:5140",
/// "file /var/log/a.log", "write /var/log/out.log", "stdin".
struct claim {
    std::string what;
    std::string_view thing; ///< "address", for the message
    std::string key;        ///< dotted
    position where;
};

/// What reading one file found so far.
struct findings {
    findings(std::string_view text, std::string file, const run_check& check);

    std::string_view text;
    std::string file;
    const run_check& check;
    std::filesystem::path base; ///< relative paths are resolved against it

    std::vector<config_diagnostic> errors;
    std::vector<config_diagnostic> warnings;
    /// The names of the tables of each kind, where each is defined.
    std::array<std::map<std::string, position>, 4> defined;
    /// The names `from` and `to` use.
    std::array<std::set<std::string>, 4> used;
    std::vector<claim> claims;

    void error(position where, std::string key, std::string message);
    void warning(position where, const std::string& key, const std::string& message);
    void add_claim(std::string what, std::string_view thing, std::string key, position where);

    std::map<std::string, position>& defined_in(table_kind kind) { return defined[static_cast<std::size_t>(kind)]; }
    std::set<std::string>& used_in(table_kind kind) { return used[static_cast<std::size_t>(kind)]; }
};

/// A key given with a good value, once its whole table is read.
struct key_use {
    findings& found;
    daemon_config& config;
    const key& spec;
    std::string dotted; ///< "source.app.listen"
    position where;     ///< of its value
    value parsed;
    void* record; ///< the struct of its table: a daemon_config, source_config...
    int type;     ///< the table's type (a source_config::kind...); -1 for [daemon] and [pipeline]

    template <class Record>
    Record& as() {
        return *static_cast<Record*>(record);
    }
};

/// `text` (a default as written in the schema, or a string from the file)
/// as a value of `spec`. Throws coropipe::error saying what is wrong.
value parse_text(const value_spec& spec, std::string_view text, const findings& found);

/// The checks across tables, once every table is read (cross_check.cpp).
void cross_check(findings& found, daemon_config& config);

} // namespace coropiped::loader
