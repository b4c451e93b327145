#include <coropipe/detail/fold_case.hpp>

#include <algorithm>

namespace coropipe::detail {

namespace {
std::string fold(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}
} // namespace

ascii_icase_searcher::ascii_icase_searcher(std::string_view needle) : folded_needle_(fold(needle)) {}

bool ascii_icase_searcher::matches(std::string_view haystack) const {
    folded_.resize(haystack.size()); // keeps the capacity of longer lines before
    std::transform(haystack.begin(), haystack.end(), folded_.begin(), ascii_lower);
    return folded_needle_.matches(folded_);
}

} // namespace coropipe::detail
