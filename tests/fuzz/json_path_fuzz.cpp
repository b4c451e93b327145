// libFuzzer target for FIELD lookups over random bytes
// (coropipe/field_ref.hpp), JSON paths first, and the numbers they give
// (coropipe/number.hpp). Built with clang when COROPIPE_FUZZ=ON (the `fuzz`
// preset); ctest runs it for a bounded time.
//
// The first byte picks a FIELD (a fixed set of JSON paths and the other
// forms); the rest of the input is one line. The properties, any failure
// of which aborts:
// - find() never fails; a value's text is inside the line or is
//   unescaped text (a JSON string with escapes, a quoted logfmt value);
// - the kind fits the text: a number's text parses to the same number, a
//   boolean is true/false, null is null, an object/array's raw text starts
//   with { / [ and ends with } / ];
// - find_in_same_line() after find() gives the same value;
// - number::parse of the line either fails or gives a value whose printed
//   form parses back to the same value.

#include <coropipe/field_ref.hpp>
#include <coropipe/number.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

const char* const fields[] = {
    ".a",
    ".a.b",
    ".a[0]",
    ".a[1].b",
    R"(."odd key")",
    R"(.a."b c"[2].d)",
    ".level",
    ".x.y.z.w",
    "a",
    "level",
    "$1",
    "$3",
    "@host",
    "@app",
    "@pid",
    "@severity",
    "@msg",
    "@time",
    ".a[0][0][0]",
    R"(."\"")",
};

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    static const auto refs = [] {
        std::vector<coropipe::field_ref> r;
        for (const char* f : fields) {
            r.push_back(coropipe::field_ref::parse(f));
        }
        return r;
    }();
    const coropipe::field_ref& field = refs[data[0] % refs.size()];
    // Copied to the exact size, so that ASan sees a read past the end.
    const std::string line(reinterpret_cast<const char*>(data) + 1, size - 1);

    static coropipe::field_scratch scratch; // reused, as a stage reuses it
    const std::optional<coropipe::field_value> v = field.find(line, scratch);
    if (v) {
        const std::string text(v->text);
        switch (v->kind) {
        case coropipe::field_kind::number: {
            const std::optional<coropipe::number> n = coropipe::number::parse(text);
            check(n.has_value() && *n == v->numeric);
            break;
        }
        case coropipe::field_kind::boolean:
            check(text == "true" || text == "false");
            break;
        case coropipe::field_kind::null:
            check(text == "null");
            break;
        case coropipe::field_kind::object:
            check(text.size() >= 2 && text.front() == '{' && text.back() == '}' && inside(v->text, line));
            break;
        case coropipe::field_kind::array:
            check(text.size() >= 2 && text.front() == '[' && text.back() == ']' && inside(v->text, line));
            break;
        case coropipe::field_kind::string:
            break;
        }
        const std::optional<coropipe::field_value> again = field.find_in_same_line(line, scratch);
        check(again.has_value() && again->text == text && again->kind == v->kind);
    } else {
        check(!field.find_in_same_line(line, scratch).has_value());
    }

    if (const std::optional<coropipe::number> n = coropipe::number::parse(line)) {
        const std::string printed = n->to_string();
        check(printed.size() <= coropipe::number::max_chars);
        const double d = n->to_double();
        if (d - d == 0) { // finite: its text reads back (inf does not)
            const std::optional<coropipe::number> back = coropipe::number::parse(printed);
            check(back.has_value());
            check(n->exact() ? *back == *n : back->to_double() == d);
        }
    }
    return 0;
}
