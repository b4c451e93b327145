#pragma once

#include <memory>

namespace coropipe {

class field_ref;

/// The working memory of FIELD lookups (`field_ref::find`, `where_expr`):
/// the padded copy of a JSON line and simdjson's parser, and room to
/// unescape a value into. Reused from line to line, it grows to the
/// longest line looked at and then allocates nothing more.
///
/// Created empty (no allocation); the first lookup that needs memory
/// allocates it. One scratch per thread: lookups with the same scratch
/// must not run concurrently, and a value found with it is valid until its
/// next lookup. Copying gives a fresh, empty scratch (there is nothing
/// worth copying); moving moves the memory. Compiled in lib/field_ref.cpp.
class field_scratch {
public:
    field_scratch() noexcept;
    field_scratch(const field_scratch&) noexcept;
    field_scratch& operator=(const field_scratch&) noexcept;
    field_scratch(field_scratch&&) noexcept;
    field_scratch& operator=(field_scratch&&) noexcept;
    ~field_scratch();

private:
    friend class field_ref;
    struct impl; // lib/field_scratch_impl.hpp
    impl& get();

    std::unique_ptr<impl> impl_;
};

} // namespace coropipe
