#pragma once
// The key of a line for the stages that group (`count by $2, host`,
// `sample 10 by user`, `throttle 5 per 1s by @app`): the texts of its key
// FIELDs as one string. Private to the library.

#include <coropipe/field_ref.hpp>
#include <coropipe/field_scratch.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::detail {

class group_key {
public:
    /// `fields`: FIELD references (a malformed one throws `syntax_error`).
    explicit group_key(const std::vector<std::string>& fields) {
        for (const std::string& f : fields) {
            keys_.push_back(field_ref::parse(f));
        }
    }

    std::size_t size() const noexcept { return keys_.size(); }

    /// The key of `line`: one key's text, or each key's length (4 bytes)
    /// and text; a missing FIELD is empty. `same_line`: `scratch` has just
    /// looked up another FIELD of this line. Valid until the next call (and
    /// while `line` is).
    std::string_view of(std::string_view line, field_scratch& scratch, bool same_line) {
        if (keys_.size() == 1) { // the text itself, not a copy
            return keys_[0].find_text(line, scratch, same_line).value_or(std::string_view());
        }
        composite_.clear();
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            const std::string_view text =
                keys_[i].find_text(line, scratch, i != 0 || same_line).value_or(std::string_view());
            if (keys_.size() > 1) {
                const auto n = static_cast<std::uint32_t>(text.size());
                composite_.append(reinterpret_cast<const char*>(&n), sizeof n);
            }
            composite_ += text;
        }
        return composite_;
    }

    /// The key texts of a key `of` made.
    std::vector<std::string> split(std::string_view composite) const {
        std::vector<std::string> out;
        if (keys_.size() == 1) {
            out.emplace_back(composite);
            return out;
        }
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            std::uint32_t n = 0;
            std::copy_n(composite.data(), sizeof n, reinterpret_cast<char*>(&n));
            composite.remove_prefix(sizeof n);
            out.emplace_back(composite.substr(0, n));
            composite.remove_prefix(n);
        }
        return out;
    }

private:
    std::vector<field_ref> keys_;
    std::string composite_;
};

} // namespace coropipe::detail
