// coropipe-genlog: writes a deterministic, syslog-like log corpus to standard
// output, for the tests and the benchmarks (docs/genlog.md).
//
//   coropipe-genlog [--format plain|logfmt|json|rfc3164|rfc5424] [--seed N] LINES

#include "format.hpp"
#include "record.hpp"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace {

using namespace coropipe::genlog;

constexpr std::string_view usage_text = R"(usage: coropipe-genlog [--format FORMAT] [--seed N] LINES

Writes LINES lines of a deterministic, syslog-like log to standard output:
the same bytes for the same seed and format on every machine, and the same
records (time, host, app, pid, level, message, fields) in every format.

  2026-11-23T10:00:00.123Z web-07 api[4411]: ERROR db: query failed latency_ms=187 user=u5521

Levels are INFO 70%, DEBUG 15%, WARN 10%, ERROR 4%, FATAL 1%; latencies are
log-normal; 30 hosts, 6 apps, 10 messages (one in UTF-8); request lines carry
status=NNN. Oddities: 0.1% of lines have a ` trace=xxx...` of 1,000 to 20,000
bytes, 0.4% end in tabs, 0.2% have double quotes and a backslash in the message.

options:
  --format FORMAT  plain (default): TIME HOST APP[PID]: LEVEL MESSAGE key=value...
                   logfmt:  time=... host=... app=... pid=... level=... msg="..." key=value...
                   json:    one compact object per line, a request's "http":{"status":..,"path":..}
                   rfc3164: <PRI>Nov 23 10:00:00 HOST APP[PID]: LEVEL MESSAGE key=value...
                   rfc5424: <PRI>1 TIME HOST APP PID - - LEVEL MESSAGE key=value...
                   (PRI: facility local0..local5 by app, severity by level)
  --seed N         the random seed, 0 to 18446744073709551615 (default 7)
  -h, --help       this text
  --version        the version

exit status: 0 written, 1 write error, 2 bad arguments.
)";

struct usage_error {
    std::string message;
};

struct options {
    format output = format::plain;
    std::uint64_t seed = 7;
    std::uint64_t lines = 0;
    bool help = false;
    bool version = false;
};

/// A whole decimal number, all of `text`, or none.
std::optional<std::uint64_t> whole_number(std::string_view text) {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::uint64_t parse_seed(std::string_view text) {
    if (const auto seed = whole_number(text)) {
        return *seed;
    }
    throw usage_error{"bad seed '" + std::string(text) + "': a whole number from 0 to 18446744073709551615"};
}

format parse_format(std::string_view text) {
    if (const auto f = format_named(text)) {
        return *f;
    }
    throw usage_error{"unknown format '" + std::string(text) + "'; formats are plain, logfmt, json, rfc3164, rfc5424"};
}

options parse(const std::vector<std::string_view>& args) {
    options o;
    std::vector<std::string_view> operands;
    bool only_operands = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        // --name VALUE or --name=VALUE
        auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
            if (arg == name) {
                if (i + 1 == args.size()) {
                    throw usage_error{std::string(name) + " needs a value"};
                }
                return args[++i];
            }
            if (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=') {
                return arg.substr(name.size() + 1);
            }
            return std::nullopt;
        };
        if (only_operands || !arg.starts_with('-') || arg == "-") {
            operands.push_back(arg);
        } else if (arg == "--") {
            only_operands = true;
        } else if (arg == "-h" || arg == "--help") {
            o.help = true;
        } else if (arg == "--version") {
            o.version = true;
        } else if (const auto f = value_of("--format")) {
            o.output = parse_format(*f);
        } else if (const auto seed = value_of("--seed")) {
            o.seed = parse_seed(*seed);
        } else {
            throw usage_error{"unknown option '" + std::string(arg) + "'"};
        }
    }
    if (o.help || o.version) {
        return o;
    }
    if (operands.empty()) {
        throw usage_error{"missing LINES, the number of lines to write"};
    }
    if (operands.size() > 1) {
        throw usage_error{"one LINES only, got '" + std::string(operands[0]) + "' and '" + std::string(operands[1]) +
                          "'"};
    }
    const auto lines = whole_number(operands[0]);
    if (!lines) {
        throw usage_error{"bad LINES '" + std::string(operands[0]) + "': a whole number"};
    }
    o.lines = *lines;
    return o;
}

/// Writes all of `bytes` to standard output; false (errno set) on an error.
bool write_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

int write_error() {
    std::fprintf(stderr, "coropipe-genlog: write error: %s\n", std::strerror(errno));
    return 1;
}

int generate(const options& o) {
    constexpr std::size_t flush_at = std::size_t{1} << 20;
    std::string buffer;
    buffer.reserve(flush_at + 32 * 1024); // a line is at most about 20 KB
    generator records(o.seed);
    for (std::uint64_t i = 0; i < o.lines; ++i) {
        append_line(buffer, records.next(), o.output);
        if (buffer.size() >= flush_at) {
            if (!write_all(buffer)) {
                return write_error();
            }
            buffer.clear();
        }
    }
    return write_all(buffer) ? 0 : write_error();
}

} // namespace

int main(int argc, char** argv) {
    options o;
    try {
        o = parse(std::vector<std::string_view>(argv + 1, argv + argc));
    } catch (const usage_error& e) {
        std::fprintf(stderr, "coropipe-genlog: %s (see coropipe-genlog --help)\n", e.message.c_str());
        return 2;
    }
    if (o.help) {
        return write_all(usage_text) ? 0 : write_error();
    }
    if (o.version) {
        return write_all("coropipe-genlog " COROPIPE_VERSION "\n") ? 0 : write_error();
    }
    return generate(o);
}
