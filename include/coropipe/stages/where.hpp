#pragma once

#include <coropipe/detail/search.hpp>
#include <coropipe/where_expr.hpp>

#include <memory>
#include <string_view>
#include <utility>

namespace coropipe {

namespace detail {

/// `where`'s matcher for `filter_lines`: the expression and the scratch of
/// the one stage that owns it (so not shared between threads).
class where_matcher {
public:
    explicit where_matcher(where_expr expr) noexcept : expr_(std::move(expr)) {}
    bool matches(std::string_view line) const { return expr_.matches(line, scratch_); }

private:
    where_expr expr_;
    mutable where_expr::scratch scratch_; // working memory, not state: matches() stays logically const
};

struct where_fn {
    /// `where(expr)`: parses `expr` now (a malformed one throws
    /// `syntax_error` here); a `stage<std::string_view>`, pipeable as it is.
    stage<std::string_view> operator()(std::string_view expr) const { return (*this)(where_expr::parse(expr)); }
    /// `where(parsed)`: the same, from a `where_expr` parsed before.
    stage<std::string_view> operator()(where_expr expr) const {
        return filter_lines(std::make_unique<const where_matcher>(std::move(expr)), false);
    }

    /// `where(source, expr)` is `source | where(expr)`.
    template <line_range Source>
    auto operator()(Source&& source, std::string_view expr) const {
        return std::forward<Source>(source) | (*this)(expr);
    }
    /// Push form: a sink that forwards the lines that pass to `target`.
    template <line_target Target>
    sink<std::string_view> operator()(std::string_view expr, Target target) const {
        return (*this)(expr) | std::move(target);
    }
};

} // namespace detail

/// Passes through the lines for which a `where` expression holds: a test
/// of the line's FIELDs (logfmt keys, `$N` columns, `.json.paths`,
/// `@host`-style syslog header fields), as docs/where.md describes.
///
/// ```
/// lines(log) | where("latency_ms > 500") | print(std::cout);
/// lines(json_log) | where(R"(.level == "error" and .status >= 500)") | print();
/// follow(f) | where("@app == \"sshd\"", printer());   // push form
/// ```
///
/// - `where(expr)`, `where(where_expr)`: a `stage<std::string_view>`.
/// - `where(source, expr)`: a lazy `pipeline<std::string_view>` over any
///   range of lines.
/// - `where(expr, target)`: a `sink<std::string_view>` feeding `target`, a
///   sink or a `coroutine<void, std::string_view>`.
///
/// Eager parsing, lazy matching: `where(...)` parses the expression and
/// compiles its regexes, and a malformed expression throws
/// `coropipe::syntax_error` (a `coropipe::error`) right there, with the
/// offset of the mistake and a hint. Then it pulls from upstream only when
/// downstream asks and yields the upstream's line itself (no copy). A line
/// without the fields it tests (or not JSON, or binary) simply fails the
/// test: lines are never an error. An exception from upstream or
/// downstream surfaces at the consumer's resume point with its own type.
/// Destroying the result destroys upstream (and, in the push form, the
/// target).
inline constexpr detail::where_fn where{};

} // namespace coropipe
