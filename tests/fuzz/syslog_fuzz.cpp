// libFuzzer target for the syslog parser (coropipe/syslog.hpp) and the
// RFC 6587 framing (coropipe/detail/octet_framing.hpp): raw network bytes.
// Built with clang when COROPIPE_FUZZ=ON (the `fuzz` preset); ctest runs it
// for a bounded time. The properties, any failure of which aborts:
// - parse_syslog: every field is a view inside the input; without a PRI the
//   message is the whole input, unless (syslog_pri::optional) the line
//   starts with a timestamp; a PRI is 0..191.
// - octet_framing: the same lines whatever the split of the stream into two
//   pieces; no line longer than max_line; nothing carried after finish.

#include <coropipe/detail/octet_framing.hpp>
#include <coropipe/syslog.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

void check_parse(std::string_view line, coropipe::syslog_pri pri) {
    const coropipe::syslog_message m = coropipe::parse_syslog(line, pri);
    const std::string_view fields[] = {m.timestamp, m.hostname,        m.app_name, m.procid,
                                       m.msgid,     m.structured_data, m.message};
    for (std::string_view f : fields) {
        check(f.empty() || (f.data() >= line.data() && f.data() + f.size() <= line.data() + line.size()));
    }
    check(m.priority >= -1 && m.priority <= 191);
    if (m.format == coropipe::syslog_format::none) {
        check(m.priority == -1 && m.message == line && m.hostname.empty() && m.app_name.empty());
    } else if (m.priority == -1) {
        // A log-file line without <PRI>: only with syslog_pri::optional, and only after a timestamp.
        check(pri == coropipe::syslog_pri::optional && !m.timestamp.empty() && m.timestamp.data() == line.data());
        check(!m.severity() && !m.facility());
    } else {
        check(m.priority >= 0 && m.severity() && m.facility());
        check(coropipe::parse_severity(coropipe::severity_name(*m.severity())) == m.severity());
        check(coropipe::parse_facility(coropipe::facility_name(*m.facility())) == m.facility());
    }
    (void)coropipe::parse_severity(line);
    (void)coropipe::parse_facility(line);
}

std::vector<std::string> frame(std::string_view stream, std::size_t split, coropipe::detail::syslog_framing mode,
                               std::size_t max_line) {
    coropipe::detail::octet_framing f(mode, max_line);
    std::vector<std::string> lines;
    auto on_line = [&](std::string_view line) {
        check(max_line == 0 || line.size() <= max_line);
        lines.emplace_back(line);
        return true;
    };
    check(f.feed(stream.substr(0, split), on_line));
    check(f.carried() <= 2 * max_line + 10); // + the first bytes, while they cannot tell the framing
    check(f.feed(stream.substr(split), on_line));
    check(f.finish(on_line));
    check(f.carried() == 0);
    return lines;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // Copied to the exact size, so that ASan sees a read past the end.
    const std::string line(text);
    check_parse(line, coropipe::syslog_pri::required);
    check_parse(line, coropipe::syslog_pri::optional);

    if (size == 0) {
        return 0;
    }
    // The first byte picks the framing, the split point and max_line; the
    // rest is the stream.
    const auto control = static_cast<unsigned char>(text[0]);
    const std::string_view stream = text.substr(1);
    const auto mode = static_cast<coropipe::detail::syslog_framing>(control % 3);
    const std::size_t max_line = 1 + control / 3 % 64;
    const std::vector<std::string> whole = frame(stream, stream.size(), mode, max_line);
    for (std::size_t split : {std::size_t{0}, stream.size() / 2, stream.size() / 3}) {
        check(frame(stream, split, mode, max_line) == whole);
    }
    for (const std::string& l : whole) {
        check_parse(l, coropipe::syslog_pri::required);
        check_parse(l, coropipe::syslog_pri::optional);
    }
    return 0;
}
