#pragma once
// The schema of coropiped's configuration file: one entry per key, saying
// its table, the types of source or sink it applies to, its value type and
// range, its default, what else it checks, and its line in the docs. The
// reader (reader.hpp) walks these tables; docs/coropiped-config.md's key
// tables are rendered from them (markdown_table) and a test keeps the two
// equal.

#include "config.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace coropiped::loader {

enum class table_kind : std::uint8_t { daemon, source, pipeline, sink };

/// One spelling of a choice and the enum value it stands for.
struct choice {
    std::string_view spelling{};
    int value = 0;
};

/// The types of source or sink a key applies to: bit N is the kind whose
/// enum value is N. [daemon] and [pipeline] keys apply to `any_type`.
using type_mask = std::uint32_t;
constexpr type_mask any_type = ~type_mask{0};
constexpr type_mask of(source_config::kind k) { return type_mask{1} << static_cast<unsigned>(k); }
constexpr type_mask of(sink_config::kind k) { return type_mask{1} << static_cast<unsigned>(k); }

enum class value_kind : std::uint8_t {
    string,   ///< any TOML string
    integer,  ///< a TOML integer from min to max
    size,     ///< bytes, an integer or "64KiB", from min to max
    duration, ///< "250ms", from min to max milliseconds
    address,  ///< "host:port"
    path,     ///< a non-empty string, relative to the config file's directory
    names,    ///< an array of names of sources or sinks
    choice,   ///< one of `choices`
    mode,     ///< "0640": octal digits, at most 0777
    account,  ///< a user or group name, or number
    strings,  ///< an array of strings (none empty)
};

struct value_spec {
    value_kind kind = value_kind::string;
    std::uint64_t min = 0; ///< integer, size; duration in milliseconds
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    bool port_zero = false;                   ///< address: port 0 allowed (where the daemon listens)
    std::span<const choice> choices{};        ///< choice
    table_kind names_of = table_kind::source; ///< names: of sources or of sinks
};

/// `choice` holds its enum's value; the others their natural type.
struct chosen {
    int value = 0;
};
using value = std::variant<std::monostate, std::uint64_t, std::chrono::milliseconds, std::string, endpoint,
                           std::filesystem::path, std::vector<std::string>, chosen>;

/// A member of a config struct, written and read through `value`.
struct field {
    void (*store)(void* record, const value& v) = nullptr;
    value (*load)(const void* record) = nullptr;
    table_kind table = table_kind::daemon; ///< of the struct: daemon_config, source_config...
    std::uint32_t kinds = 0;               ///< the value kinds the member can hold, bit N for value_kind N
};

struct key_use; // reader.hpp: a key once its table is read

/// One key of one table.
struct key {
    table_kind table = table_kind::daemon;
    std::string_view name{};
    type_mask types = any_type; ///< the types of source or sink it applies to
    value_spec value{};
    field target{};
    // Its default: required, or [daemon]'s key `from`, or `literal` (as
    // written in the file), or else the struct's own initial value.
    bool required = false;
    std::string_view hint{}; ///< required: what to write; a choice's is its list
    std::string_view from{};
    std::string_view literal{};
    std::string_view only_with{};      ///< a key without which this one is an error
    void (*after)(key_use&) = nullptr; ///< more checks and claims, once the whole table is read
    std::string_view doc{};            ///< its meaning, for the docs
    std::string_view note{};           ///< added to the type column of the docs
    std::string_view none{};           ///< docs: what an empty default means
};

/// One kind of table.
struct table_spec {
    table_kind kind{};
    std::string_view name{};         ///< "source"
    std::string_view shape{};        ///< " (type = \"tcp\", ...)", for "expected a table..."
    std::span<const choice> types{}; ///< its `type` key's choices; empty: no types
};

/// "a > b" within one table: `larger` must be at least `smaller`.
struct order_rule {
    table_kind table{};
    std::string_view larger{};
    std::string_view smaller{};
    std::string_view why{}; ///< added to the message
};

const table_spec& table(table_kind kind);
std::span<const table_spec> tables();

/// The keys of one table, in the docs' order.
std::span<const key> keys(table_kind kind);

/// The first key of `kind` named `name`, or null.
const key* find_key(table_kind kind, std::string_view name);

std::span<const order_rule> order_rules();

/// The spelling of `chosen_value` among `choices`, or empty.
std::string_view spelling(std::span<const choice> choices, int chosen_value);

/// The docs' table of the keys of `kind`, in markdown, one row per key
/// (schema_docs.cpp).
std::string markdown_table(table_kind kind);

} // namespace coropiped::loader
