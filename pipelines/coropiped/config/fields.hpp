#pragma once
// How the schema (schema.cpp) names a member of a config struct and a value
// type: `member<&source_config::listen>` is the field that writes and reads
// it through `value`, with the table of its struct and the value kinds its
// type can hold, which schema.cpp checks at compile time; `size(1)`,
// `duration(0ms, 24h)`... are value types. Included by schema.cpp only.

#include "config/schema.hpp"

#include <optional>
#include <type_traits>

namespace coropiped::loader::fields {

inline void assign(std::size_t& to, const value& v) { to = std::get<std::uint64_t>(v); }
inline void assign(unsigned& to, const value& v) { to = static_cast<unsigned>(std::get<std::uint64_t>(v)); }
inline void assign(std::optional<unsigned>& to, const value& v) {
    to = static_cast<unsigned>(std::get<std::uint64_t>(v));
}
inline void assign(std::chrono::milliseconds& to, const value& v) { to = std::get<std::chrono::milliseconds>(v); }
inline void assign(std::string& to, const value& v) { to = std::get<std::string>(v); }
inline void assign(endpoint& to, const value& v) { to = std::get<endpoint>(v); }
inline void assign(std::filesystem::path& to, const value& v) { to = std::get<std::filesystem::path>(v); }
inline void assign(std::vector<std::string>& to, const value& v) { to = std::get<std::vector<std::string>>(v); }
template <class Enum>
    requires std::is_enum_v<Enum>
inline void assign(Enum& to, const value& v) { to = static_cast<Enum>(std::get<chosen>(v).value); }

inline value to_value(std::size_t v) { return std::uint64_t{v}; }
inline value to_value(unsigned v) { return std::uint64_t{v}; }
inline value to_value(const std::optional<unsigned>& v) { return v ? value(std::uint64_t{*v}) : value(); }
template <class T>
value to_value(const T& v) {
    if constexpr (std::is_enum_v<T>) {
        return chosen{static_cast<int>(v)};
    } else {
        return v;
    }
}

// The value kinds a member of type T can hold, one bit each.
template <class T>
constexpr std::uint32_t kinds_of() {
    auto bit = [](value_kind k) { return std::uint32_t{1} << static_cast<unsigned>(k); };
    if constexpr (std::is_same_v<T, std::size_t>) {
        return bit(value_kind::integer) | bit(value_kind::size);
    } else if constexpr (std::is_same_v<T, unsigned>) {
        return bit(value_kind::integer) | bit(value_kind::mode);
    } else if constexpr (std::is_same_v<T, std::optional<unsigned>>) {
        return bit(value_kind::mode);
    } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
        return bit(value_kind::duration);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return bit(value_kind::string) | bit(value_kind::account);
    } else if constexpr (std::is_same_v<T, endpoint>) {
        return bit(value_kind::address);
    } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
        return bit(value_kind::path);
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        return bit(value_kind::names) | bit(value_kind::strings);
    } else if constexpr (std::is_enum_v<T>) {
        return bit(value_kind::choice);
    } else {
        return 0;
    }
}

template <class Record>
constexpr table_kind table_of() {
    if constexpr (std::is_same_v<Record, daemon_config>) {
        return table_kind::daemon;
    } else if constexpr (std::is_same_v<Record, source_config>) {
        return table_kind::source;
    } else if constexpr (std::is_same_v<Record, pipeline_config>) {
        return table_kind::pipeline;
    } else {
        static_assert(std::is_same_v<Record, sink_config>);
        return table_kind::sink;
    }
}

template <class T>
struct member_of;
template <class Record, class Type>
struct member_of<Type Record::*> {
    using record = Record;
    using type = Type;
};

template <auto Member>
struct member_field {
    using record = typename member_of<decltype(Member)>::record;
    using type = typename member_of<decltype(Member)>::type;
    static void store(void* r, const value& v) { assign(static_cast<record*>(r)->*Member, v); }
    static value load(const void* r) { return to_value(static_cast<const record*>(r)->*Member); }
};

template <auto Member>
constexpr field member = {&member_field<Member>::store, &member_field<Member>::load,
                          table_of<typename member_field<Member>::record>(),
                          kinds_of<typename member_field<Member>::type>()};

// ---- value types -----------------------------------------------------------

constexpr value_spec of_kind(value_kind k) { return {.kind = k}; }
constexpr value_spec integer(std::uint64_t min, std::uint64_t max) {
    return {.kind = value_kind::integer, .min = min, .max = max};
}
constexpr value_spec size(std::uint64_t min, std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    return {.kind = value_kind::size, .min = min, .max = max};
}
constexpr value_spec duration(std::chrono::milliseconds min, std::chrono::milliseconds max) {
    return {.kind = value_kind::duration,
            .min = static_cast<std::uint64_t>(min.count()),
            .max = static_cast<std::uint64_t>(max.count())};
}
constexpr value_spec address(bool listening) { return {.kind = value_kind::address, .port_zero = listening}; }
constexpr value_spec one_of(std::span<const choice> choices) {
    return {.kind = value_kind::choice, .choices = choices};
}
constexpr value_spec names(table_kind of) { return {.kind = value_kind::names, .names_of = of}; }
constexpr value_spec strings() { return {.kind = value_kind::strings}; }

// ---- checks of a table of keys, at compile time ---------------------------

// Each key's field is of its table's struct and can hold its value; it has
// one default at most; no two entries of one name apply to one type.
template <std::size_t N>
consteval bool well_formed(const key (&list)[N]) {
    for (std::size_t i = 0; i < N; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (list[i].name == list[j].name && (list[i].types & list[j].types) != 0) {
                return false;
            }
        }
    }
    for (const key& k : list) {
        const int defaults = int(k.required) + int(!k.from.empty()) + int(!k.literal.empty());
        if (k.target.table != k.table || !(k.target.kinds >> static_cast<unsigned>(k.value.kind) & 1) || defaults > 1 ||
            (k.value.kind == value_kind::choice && k.value.choices.empty())) {
            return false;
        }
    }
    return true;
}
} // namespace coropiped::loader::fields
