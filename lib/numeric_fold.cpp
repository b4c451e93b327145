#include <coropipe/detail/numeric_fold.hpp>

#include <coropipe/field_value.hpp>

#include <array>
#include <charconv>

// No coroutine in this file: fuzz targets compile it with clang's fuzzer
// coverage (tests/fuzz.cmake).

namespace coropipe::detail {

bool numeric_fold::offer(std::string_view value) {
    if (what_ == kind::count) {
        ++count_;
        return true;
    }
    const std::optional<number> n = number::parse(value);
    if (!n) {
        return false;
    }
    switch (what_) {
    case kind::min:
    case kind::max:
        if (!has_value_ || (what_ == kind::min ? *n < best_ : *n > best_)) {
            best_ = *n;
            best_text_.assign(value);
        }
        break;
    case kind::sum:
    case kind::avg:
        sum_ += *n;
        ++count_;
        break;
    case kind::count:
        break;
    }
    has_value_ = true;
    return true;
}

void numeric_fold::write(std::string& out) const {
    std::array<char, number::max_chars> text{};
    switch (what_) {
    case kind::min:
    case kind::max:
        out += best_text_;
        break;
    case kind::sum: {
        const std::to_chars_result r = sum_.to_chars(text.data(), text.data() + text.size());
        out.append(text.data(), r.ptr);
        break;
    }
    case kind::avg: {
        const std::to_chars_result r = sum_.divided_by(count_).to_chars(text.data(), text.data() + text.size());
        out.append(text.data(), r.ptr);
        break;
    }
    case kind::count: {
        const std::to_chars_result r = std::to_chars(text.data(), text.data() + text.size(), count_);
        out.append(text.data(), r.ptr);
        break;
    }
    }
    out.push_back('\n');
}

bool numeric_fold::has_final() const noexcept {
    switch (what_) {
    case kind::min:
    case kind::max:
    case kind::avg:
        return has_value_;
    case kind::sum:
    case kind::count:
        break;
    }
    return true;
}

field_numeric_fold::field_numeric_fold(numeric_fold::kind what, std::string_view field, bool final_only)
    : fold_(what, final_only) {
    if (what != numeric_fold::kind::count) {
        ref_.emplace(field_ref::parse(field));
    }
}

bool field_numeric_fold::offer_line(std::string_view line) {
    if (!ref_) {
        return fold_.offer({});
    }
    // JSON strings are text, as in jq: only JSON numbers (and untyped
    // fields that read as numbers) count.
    const std::optional<field_value> v = ref_->find(line, scratch_);
    return v && v->kind == field_kind::number && fold_.offer(v->text);
}

} // namespace coropipe::detail
