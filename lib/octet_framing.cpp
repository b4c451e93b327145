#include <coropipe/detail/octet_framing.hpp>

#include <algorithm>
#include <charconv>

// No coroutine in this file: the fuzz target (tests/fuzz.cmake) compiles it
// alone with clang's fuzzer coverage, which rejects the library's coroutines.

namespace coropipe::detail {

namespace {
constexpr std::uint8_t max_digits = 9; // lengths below 10^9 fit in 32 bits
constexpr std::string_view escaped_newline = "#012";
/// `LEN SP <`: a count, a space and a syslog PRI. Plain lines that start
/// with a number ("12 requests") are not taken for frames. `automatic`
/// while the bytes so far are a prefix of both (`12`, `12 `).
syslog_framing detect(std::string_view start) {
    std::size_t i = 0;
    while (i < start.size() && i < max_digits && start[i] >= '0' && start[i] <= '9') {
        ++i;
    }
    if (i == 0 || start[0] == '0') {
        return syslog_framing::newline;
    }
    if (i == start.size()) {
        return syslog_framing::automatic; // (a tenth digit, when it comes, says newline)
    }
    if (start[i] != ' ') {
        return syslog_framing::newline;
    }
    if (i + 1 == start.size()) {
        return syslog_framing::automatic;
    }
    return start[i + 1] == '<' ? syslog_framing::octet_counting : syslog_framing::newline;
}

} // namespace

bool octet_framing::feed(std::string_view piece, callback on_line) {
    if (piece.empty()) {
        return true; // and line_splitter::feed would memchr a null pointer
    }
    const char* p = piece.data();
    const char* const end = p + piece.size();
    if (framing_ == syslog_framing::automatic) {
        // Decided on the stream's first bytes, however they are split into
        // pieces: the few that cannot tell yet are held back.
        if (undecided_.empty()) {
            framing_ = detect(piece);
            if (framing_ == syslog_framing::automatic) {
                undecided_.assign(piece);
                return true;
            }
        } else {
            undecided_.append(piece);
            framing_ = detect(undecided_);
            if (framing_ == syslog_framing::automatic) {
                return true;
            }
            const std::string held = std::move(undecided_);
            undecided_.clear();
            return feed(held, on_line);
        }
    }
    if (framing_ != syslog_framing::octet_counting) {
        return splitter_.feed(piece, on_line);
    }
    while (p != end) {
        const auto available = static_cast<std::size_t>(end - p);
        if (remaining_ > 0) {
            // Inside a frame: take what this piece has of it.
            const std::size_t n = std::min(remaining_, available);
            const bool starts = n == remaining_ && carry_.empty() && !cut_ && remaining_ == length_;
            std::string_view part(p, n);
            p += n;
            remaining_ -= n;
            if (remaining_ == 0 && part.back() == '\n') {
                part.remove_suffix(1); // the sender counted its terminator
            }
            if (starts && part.find('\n') == std::string_view::npos && (max_line_ == 0 || part.size() <= max_line_)) {
                // The whole frame is in this piece, as it is: no copy.
                length_ = 0;
                if (!on_line(part)) {
                    return false;
                }
                continue;
            }
            append(part);
            if (remaining_ == 0 && !end_frame(on_line)) {
                return false;
            }
            continue;
        }
        const char c = *p;
        if (digits_ == 0 && (c == '\n' || c == '\r')) {
            ++p; // between frames
        } else if (c >= '0' && c <= '9' && !(digits_ == 0 && c == '0') && digits_ < max_digits) {
            length_ = length_ * 10 + static_cast<std::uint32_t>(c - '0');
            ++digits_;
            ++p;
        } else if (c == ' ' && digits_ > 0) {
            ++p;
            remaining_ = length_;
            digits_ = 0;
        } else {
            return fall_back(std::string_view(p, available), on_line);
        }
    }
    return true;
}

bool octet_framing::fall_back(std::string_view rest, callback on_line) {
    ++framing_errors_;
    framing_ = syslog_framing::newline;
    if (digits_ > 0) {
        // The digits read so far may have come in an earlier piece: write
        // them again (no leading zero was accepted, so they are exact).
        char text[max_digits];
        const auto result = std::to_chars(text, text + sizeof text, length_);
        digits_ = 0;
        length_ = 0;
        if (!splitter_.feed(std::string_view(text, static_cast<std::size_t>(result.ptr - text)), on_line)) {
            return false;
        }
    }
    return rest.empty() || splitter_.feed(rest, on_line);
}

// Appends part of a frame's message to carry_, '\n' escaped, up to max_line_.
void octet_framing::append(std::string_view part) {
    while (!cut_ && !part.empty()) {
        const std::size_t nl = part.find('\n');
        put(part.substr(0, nl), true);
        if (nl == std::string_view::npos) {
            return;
        }
        put(escaped_newline, false);
        part.remove_prefix(nl + 1);
    }
}

void octet_framing::put(std::string_view bytes, bool divisible) {
    if (cut_) {
        return;
    }
    const std::size_t room = max_line_ == 0 ? bytes.size() : max_line_ - carry_.size();
    if (bytes.size() <= room) {
        carry_.append(bytes);
        return;
    }
    if (divisible) {
        carry_.append(bytes.substr(0, room));
    }
    cut_ = true;
    ++truncated_;
}

bool octet_framing::end_frame(callback on_line) {
    const bool go_on = on_line(std::string_view(carry_));
    carry_.clear();
    if (carry_.capacity() > 4096) {
        std::string().swap(carry_); // a long message's buffer is not kept while idle
    }
    cut_ = false;
    length_ = 0;
    return go_on;
}

bool octet_framing::finish(callback on_line) {
    if (framing_ == syslog_framing::automatic && !undecided_.empty()) {
        // The stream ended before it could tell: it was not a frame.
        framing_ = syslog_framing::newline;
        const std::string held = std::move(undecided_);
        undecided_.clear();
        if (!splitter_.feed(held, on_line)) {
            return false;
        }
    }
    if (framing_ != syslog_framing::octet_counting) {
        return splitter_.finish(on_line);
    }
    if (remaining_ > 0) {
        remaining_ = 0;
        if (!cut_) {
            ++truncated_;
        }
        return end_frame(on_line);
    }
    if (digits_ > 0) {
        return fall_back({}, on_line) && splitter_.finish(on_line);
    }
    return true;
}

} // namespace coropipe::detail
