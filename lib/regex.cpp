#include <coropipe/detail/regex.hpp>

#include "hyperscan_database.hpp"
#include "regex_engines.hpp"

#include <coropipe/detail/ere.hpp>
#include <coropipe/detail/search.hpp>

#include <hs.h>
#include <re2/re2.h>

#include <cstring>
#include <optional>
#include <string>

namespace coropipe::detail {

namespace {

using shape = ere_translation::shape;

int stop_at_first(unsigned, unsigned long long, unsigned long long, unsigned, void*) { return 1; }

} // namespace

std::unique_ptr<RE2> compile_re2(const std::string& engine_pattern, bool multi_line) {
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1); // bytes: invalid UTF-8 must not fail the match
    o.set_log_errors(false);                      // the error goes into the exception, not to stderr
    auto re = std::make_unique<RE2>(multi_line ? "(?m:" + engine_pattern + ")" : engine_pattern, o);
    if (!re->ok()) {
        // Valid ERE, but over RE2's limits (its program size): say so.
        throw regex_error("RE2 cannot compile it: " + re->error(), 0);
    }
    return re;
}

struct regex_matcher::impl {
    shape what = shape::regex;
    std::optional<substring_searcher> literal; // a literal without ignore_case
    std::string prefix;
    // A line at a time, Hyperscan is 4 to 5 times faster than RE2 on log
    // lines (docs/BENCHMARKS.md); RE2 is there for what Hyperscan does not
    // take, and for text holding a '\n' (Hyperscan's `$` would match before
    // a final one, RE2's only at the end).
    std::unique_ptr<hyperscan_database> hyperscan;
    std::unique_ptr<RE2> re;
};

regex_matcher::regex_matcher(std::string_view pattern, bool ignore_case) : impl_(std::make_unique<impl>()) {
    ere_translation t = translate_ere(pattern, ignore_case);
    impl_->what = t.what;
    switch (t.what) {
    case shape::never:
    case shape::always:
        return;
    case shape::literal:
        if (!ignore_case) {
            impl_->literal.emplace(t.text);
            return;
        }
        impl_->what = shape::regex; // searched as a regex: ascii_icase_searcher has a buffer, so a thread
        break;
    case shape::prefix:
        impl_->prefix = std::move(t.text);
        return;
    case shape::regex:
        break;
    }
    impl_->re = compile_re2(t.engine_pattern, false);
    impl_->hyperscan = hyperscan_database::compile(t.engine_pattern, t.can_match_empty, false);
}

regex_matcher::regex_matcher(regex_matcher&&) noexcept = default;
regex_matcher& regex_matcher::operator=(regex_matcher&&) noexcept = default;
regex_matcher::~regex_matcher() = default;

bool regex_matcher::operator()(std::string_view line) const noexcept {
    switch (impl_->what) {
    case shape::never:
        return false;
    case shape::always:
        return true;
    case shape::literal:
        return impl_->literal->matches(line);
    case shape::prefix:
        return line.starts_with(impl_->prefix);
    case shape::regex:
        break;
    }
    if (impl_->hyperscan && line.size() <= 0xFFFFFFFFu && std::memchr(line.data(), '\n', line.size()) == nullptr) {
        if (hs_scratch_t* scratch = thread_scratch(*impl_->hyperscan)) {
            const hs_error_t rc = hs_scan(impl_->hyperscan->get(), line.data(), static_cast<unsigned>(line.size()), 0,
                                          scratch, stop_at_first, nullptr);
            if (rc == HS_SCAN_TERMINATED || rc == HS_SUCCESS) {
                return rc == HS_SCAN_TERMINATED;
            }
        }
    }
    return impl_->re->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED, nullptr, 0);
}

} // namespace coropipe::detail
