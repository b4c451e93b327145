#include <coropipe/detail/block_splitter.hpp>

#include <coropipe/detail/count_lines.hpp>

#include <algorithm>
#include <cstring>
#include <functional>

// No coroutine in this file: the fuzz targets compile it with clang's
// fuzzer coverage, which rejects coroutine bodies (tests/fuzz.cmake).

namespace coropipe::detail {

block_splitter::block_splitter(syslog_framing framing, std::size_t max_line)
    : octets_(framing, max_line), newline_(framing == syslog_framing::newline), max_line_(max_line) {}

std::size_t block_splitter::carried() const noexcept {
    return newline_ ? carried_ : octets_.carried();
}

std::size_t block_splitter::truncated() const noexcept {
    return newline_ ? truncated_ : octets_.truncated();
}

bool block_splitter::emit(std::string_view block, callback on_block) {
    if (block.empty()) {
        return true;
    }
    lines_ += coropipe::detail::count_newlines(block);
    if (block.back() != '\n') {
        ++lines_; // the last line of the input
    }
    return on_block(block);
}

void block_splitter::keep(std::string_view part) {
    std::size_t n = part.size();
    carried_ += n;
    if (max_line_ != 0 && carry_.size() + n > max_line_) {
        if (!skipping_) {
            ++truncated_;
            skipping_ = true;
        }
        n = max_line_ > carry_.size() ? max_line_ - carry_.size() : 0;
    }
    carry_.append(part.data(), n);
}

// `body`: whole lines. Lines longer than max_line are cut: the lines before
// such a line go as one view, the cut line as a copy of its own.
bool block_splitter::emit_lines(std::string_view body, callback on_block) {
    if (max_line_ == 0 || body.size() <= max_line_ + 1) {
        return emit(body, on_block); // no line in it can be longer
    }
    const char* p = body.data();
    const char* run = p;
    const char* const end = p + body.size();
    while (p != end) {
        // The line at p is short if a '\n' is within max_line bytes of it:
        // the last one there (searched backwards, so usually found at once)
        // is where to look next, max_line bytes on at best.
        const auto left = static_cast<std::size_t>(end - p);
        const std::size_t window = left < max_line_ + 1 ? left : max_line_ + 1;
        if (const void* last = ::memrchr(p, '\n', window); last != nullptr) {
            p = static_cast<const char*>(last) + 1;
            continue;
        }
        // No '\n' in the window: the line at p is too long (body ends with one).
        const char* nl = static_cast<const char*>(std::memchr(p + window, '\n', left - window));
        if (!emit(std::string_view(run, static_cast<std::size_t>(p - run)), on_block)) {
            return false;
        }
        ++truncated_;
        std::string cut(p, max_line_);
        cut.push_back('\n');
        if (!emit(cut, on_block)) {
            return false;
        }
        run = nl + 1;
        p = nl + 1;
    }
    return emit(std::string_view(run, static_cast<std::size_t>(end - run)), on_block);
}

bool block_splitter::feed_newline(std::string_view piece, callback on_block) {
    if (piece.empty()) {
        return true;
    }
    if (!carry_.empty() || skipping_) {
        const void* nl = std::memchr(piece.data(), '\n', piece.size());
        if (nl == nullptr) {
            keep(piece);
            return true;
        }
        const auto n = static_cast<std::size_t>(static_cast<const char*>(nl) - piece.data());
        keep(piece.substr(0, n));
        skipping_ = false;
        carry_.push_back('\n');
        const bool go_on = emit(carry_, on_block);
        carry_.clear();
        carried_ = 0;
        if (carry_.capacity() > 4096) {
            std::string().swap(carry_); // a long line's buffer is not kept while idle
        }
        if (!go_on) {
            return false;
        }
        piece.remove_prefix(n + 1);
        if (piece.empty()) {
            return true;
        }
    }
    const void* last = ::memrchr(piece.data(), '\n', piece.size());
    if (last == nullptr) {
        keep(piece);
        return true;
    }
    const auto body = static_cast<std::size_t>(static_cast<const char*>(last) - piece.data()) + 1;
    if (!emit_lines(piece.substr(0, body), on_block)) {
        return false;
    }
    keep(piece.substr(body));
    return true;
}

bool block_splitter::feed(std::string_view piece, callback on_block) {
    if (newline_) {
        return feed_newline(piece, on_block);
    }
    // Octet counting or automatic: collect octet_framing's lines. A line
    // that directly follows the previous one in the piece, after its '\n',
    // extends the view; any other starts a copy.
    const char* const piece_end = piece.data() + piece.size();
    const char* view_begin = nullptr;
    const char* view_end = nullptr; // just past the view's last '\n'
    bool copying = false;
    collected_.clear();
    auto on_line = [&](std::string_view line) {
        const char* after = line.data() + line.size();
        const bool in_piece = std::greater_equal<>{}(line.data(), piece.data()) && std::less<>{}(after, piece_end) &&
                              *after == '\n';
        if (!copying && in_piece && (view_begin == nullptr || line.data() == view_end)) {
            if (view_begin == nullptr) {
                view_begin = line.data();
            }
            view_end = after + 1;
            return true;
        }
        if (!copying) {
            copying = true;
            if (view_begin != nullptr) {
                collected_.assign(view_begin, static_cast<std::size_t>(view_end - view_begin));
            }
        }
        collected_.append(line);
        collected_.push_back('\n');
        return true;
    };
    octets_.feed(piece, on_line);
    if (copying) {
        return emit(collected_, on_block);
    }
    if (view_begin != nullptr) {
        return emit(std::string_view(view_begin, static_cast<std::size_t>(view_end - view_begin)), on_block);
    }
    return true;
}

bool block_splitter::finish(callback on_block) {
    if (newline_) {
        skipping_ = false;
        if (carry_.empty()) {
            return true;
        }
        const bool go_on = emit(carry_, on_block); // without '\n': the last line
        carry_.clear();
        carried_ = 0;
        return go_on;
    }
    collected_.clear();
    octets_.finish([this](std::string_view line) {
        collected_.append(line);
        collected_.push_back('\n');
        return true;
    });
    return emit(collected_, on_block);
}

} // namespace coropipe::detail
