#pragma once
// The values of TOML nodes, as the schema's value types: what toml++ parsed
// checked against a key's type and range.

#include "config/reader.hpp"

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>

namespace coropiped::loader {

/// The start of `region`; the top of the file for a node toml++ made
/// without a place.
inline position at(const toml::source_region& region) {
    if (region.begin.line == 0) {
        return {};
    }
    return {region.begin.line, region.begin.column};
}

/// "a string", "an integer"...
std::string_view type_name(const toml::node& node);

/// The value of `node` as `spec` says, or nullopt after reporting what is
/// wrong with it, at it, under `dotted`. Names (`from`, `to`) give the good
/// ones even when others are reported, and are marked used.
std::optional<value> read_value(findings& found, const value_spec& spec, const toml::node& node,
                                const std::string& dotted);

} // namespace coropiped::loader
