#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace coropipe::detail {

/// Splits bytes that arrive in pieces (socket reads, datagrams, channel
/// messages) into lines, for drivers that read by themselves.
///
/// - Complete lines are handed on as views into the piece itself: nothing is
///   copied unless a line spans two pieces, when its start is kept in a
///   carry string until the rest arrives. Between pieces only that partial
///   line is held, so an idle stream costs no buffer.
/// - Byte-exact like `lines`: only the '\n' is stripped; '\r', NUL bytes and
///   invalid UTF-8 pass unchanged.
/// - `max_line` (0: no limit) bounds memory: a longer line is cut to its
///   first `max_line` bytes, the rest up to its '\n' is discarded, and
///   `truncated()` counts it.
class line_splitter {
public:
    explicit line_splitter(std::size_t max_line = 0) noexcept : max_line_(max_line) {}

    /// Calls `on_line(std::string_view)` for each line that `piece`
    /// completes. `on_line` returns false to stop; then `feed` returns
    /// false and the rest of the piece is dropped (the consumer has ended).
    template <class OnLine>
    bool feed(std::string_view piece, OnLine&& on_line) {
        if (piece.empty()) {
            return true; // (its data may be null: no memchr on it)
        }
        const char* p = piece.data();
        const char* const end = p + piece.size();
        if (!carry_.empty() || skipping_) {
            const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
            const char* stop = nl != nullptr ? static_cast<const char*>(nl) : end;
            keep(p, stop);
            if (nl == nullptr) {
                return true;
            }
            p = stop + 1;
            skipping_ = false;
            const bool go_on = on_line(std::string_view(carry_));
            release_carry();
            if (!go_on) {
                return false;
            }
        }
        while (p != end) {
            const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
            if (nl == nullptr) {
                keep(p, end);
                break;
            }
            const char* stop = static_cast<const char*>(nl);
            std::string_view line(p, static_cast<std::size_t>(stop - p));
            if (max_line_ != 0 && line.size() > max_line_) {
                line = line.substr(0, max_line_);
                ++truncated_;
            }
            p = stop + 1;
            if (!on_line(line)) {
                return false;
            }
        }
        return true;
    }

    /// At the end of the input: hands on the last line if it had no '\n'.
    template <class OnLine>
    bool finish(OnLine&& on_line) {
        if (carry_.empty()) {
            skipping_ = false;
            return true;
        }
        skipping_ = false;
        const bool go_on = on_line(std::string_view(carry_));
        release_carry();
        return go_on;
    }

    /// Bytes of a partial line held until its end arrives.
    std::size_t carried() const noexcept { return carry_.size(); }
    /// Lines cut to `max_line` so far.
    std::size_t truncated() const noexcept { return truncated_; }

private:
    void keep(const char* first, const char* last) {
        std::size_t n = static_cast<std::size_t>(last - first);
        if (max_line_ != 0 && carry_.size() + n > max_line_) {
            if (!skipping_) {
                ++truncated_;
                skipping_ = true;
            }
            n = max_line_ > carry_.size() ? max_line_ - carry_.size() : 0;
        }
        carry_.append(first, n);
    }
    void release_carry() noexcept {
        carry_.clear();
        if (carry_.capacity() > 4096) {
            std::string().swap(carry_); // a long line's buffer is not kept while idle
        }
    }

    std::string carry_;
    std::size_t max_line_;
    std::size_t truncated_ = 0;
    bool skipping_ = false; // the carried line was cut; drop bytes up to its '\n'
};

/// A 64 KiB buffer per thread for drivers that read and then split at once,
/// so that idle streams hold no read buffer. Valid until the thread's next
/// read; never held across a suspension.
std::span<char> read_scratch() noexcept;

} // namespace coropipe::detail
