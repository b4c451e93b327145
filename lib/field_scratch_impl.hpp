#pragma once

// Private to lib/: what a field_scratch holds. simdjson stays in
// lib/json_path.cpp, behind json_document.

#include <coropipe/field_scratch.hpp>

#include <memory>
#include <string>

namespace coropipe {

namespace detail {
struct json_document; // lib/json_path.cpp: the padded line, simdjson's parser and document
struct json_document_deleter {
    void operator()(json_document* doc) const noexcept;
};
} // namespace detail

struct field_scratch::impl {
    std::string unescaped; // a logfmt value with escapes, undone
    std::unique_ptr<detail::json_document, detail::json_document_deleter> json;
};

} // namespace coropipe
