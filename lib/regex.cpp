#include <coropipe/detail/regex.hpp>

#include <coropipe/error.hpp>

#include <re2/re2.h>

#include <string>

namespace coropipe::detail {

namespace {
RE2::Options options(bool ignore_case) {
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1); // bytes: invalid UTF-8 must not fail the match
    o.set_case_sensitive(!ignore_case);
    o.set_log_errors(false); // the error goes into the exception, not to stderr
    return o;
}
} // namespace

struct regex_matcher::impl {
    impl(std::string_view pattern, bool ignore_case)
        : re(re2::StringPiece(pattern.data(), pattern.size()), options(ignore_case)) {}
    RE2 re;
};

regex_matcher::regex_matcher(std::string_view pattern, bool ignore_case)
    : impl_(std::make_unique<impl>(pattern, ignore_case)) {
    if (!impl_->re.ok()) {
        throw_error("coropipe::grep: invalid regex '" + std::string(pattern) + "': " + impl_->re.error());
    }
}

regex_matcher::regex_matcher(regex_matcher&&) noexcept = default;
regex_matcher& regex_matcher::operator=(regex_matcher&&) noexcept = default;
regex_matcher::~regex_matcher() = default;

bool regex_matcher::operator()(std::string_view line) const noexcept {
    return impl_->re.Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED, nullptr, 0);
}

} // namespace coropipe::detail
