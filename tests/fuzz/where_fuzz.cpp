// libFuzzer target for `where` expressions (coropipe/where_expr.hpp): the
// first line of the input is an expression, the other lines are log lines
// it is matched against. Built with clang when COROPIPE_FUZZ=ON (the
// `fuzz` preset); ctest runs it for a bounded time. The properties, any
// failure of which aborts:
// - parse either succeeds or throws syntax_error with a position inside
//   the expression and a one-line message (no other exception);
// - matches() never fails, gives the same answer for the same bytes at
//   another address and with a fresh scratch, and the prefilter contract
//   holds: matches(line) implies that the line holds every literal of
//   prefilter() (or, with json_escapes, "\u"); admits(line) says exactly
//   whether it does.

#include <coropipe/syntax_error.hpp>
#include <coropipe/where_expr.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t newline = input.find('\n');
    // Copied to the exact size, so that ASan sees a read past the end.
    const std::string text(input.substr(0, newline));
    std::optional<coropipe::where_expr> expr;
    try {
        expr = coropipe::where_expr::parse(text);
    } catch (const coropipe::syntax_error& e) {
        const std::string message = e.what();
        check(e.position() <= text.size());
        check(!message.empty() && message.find('\n') == std::string::npos);
        return 0;
    }
    for (const std::string& literal : expr->prefilter().literals) {
        check(!literal.empty());
    }
    coropipe::where_expr::scratch scratch;
    std::string_view rest = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    for (;;) {
        const std::size_t end = rest.find('\n');
        const std::string line(rest.substr(0, end));
        const bool matched = expr->matches(line, scratch);
        const std::string copy = line;
        coropipe::where_expr::scratch fresh;
        check(expr->matches(copy, fresh) == matched);
        check(expr->matches(line, scratch) == matched);
        bool holds = true;
        for (const std::string& literal : expr->prefilter().literals) {
            holds = holds && line.find(literal) != std::string::npos;
        }
        holds = holds || (expr->prefilter().json_escapes && line.find("\\u") != std::string::npos);
        check(!matched || holds);
        check(expr->admits(line) == holds);
        if (end == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(end + 1);
    }
    return 0;
}
