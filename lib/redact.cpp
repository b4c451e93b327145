#include <coropipe/stages/redact.hpp>

#include <coropipe/detail/ere.hpp>
#include <coropipe/regex_error.hpp>

#include <re2/re2.h>

#include <memory>
#include <utility>

namespace coropipe {

namespace {

struct redactor {
    std::unique_ptr<RE2> re; // null: the pattern matches nothing
    std::string rewrite;     // the replacement, its backslashes doubled for RE2
    std::string line;
};

stage<std::string_view> redact_lines(std::unique_ptr<redactor> r) {
    while (std::string_view* line = co_await input) {
        if (!r->re) {
            co_yield *line;
            continue;
        }
        r->line.assign(*line);
        RE2::GlobalReplace(&r->line, *r->re, r->rewrite);
        co_yield std::string_view(r->line);
    }
}

} // namespace

stage<std::string_view> redact(std::string_view regex, std::string replacement) {
    if (regex.empty()) {
        throw regex_error("empty regex: nothing to redact", 0);
    }
    auto r = std::make_unique<redactor>();
    const detail::ere_translation t = detail::translate_ere(regex, false);
        if (t.what != detail::ere_translation::shape::never) {
        RE2::Options o;
        o.set_encoding(RE2::Options::EncodingLatin1);
        o.set_log_errors(false);
        r->re = std::make_unique<RE2>(t.engine_pattern, o);
        if (!r->re->ok()) {
            throw regex_error("RE2 cannot compile it: " + r->re->error(), 0);
        }
    }
    for (char c : replacement) {
        r->rewrite += c;
        if (c == '\\') {
            r->rewrite += '\\';
        }
    }
    return redact_lines(std::move(r));
}

} // namespace coropipe
