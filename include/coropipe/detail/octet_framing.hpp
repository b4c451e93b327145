#pragma once

#include <coropipe/detail/line_splitter.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace coropipe::detail {

/// How a syslog stream over TCP separates its messages.
enum class syslog_framing : std::uint8_t {
    automatic,      ///< decided by the first bytes: `LEN SP <` is octet counting, anything else newline
    newline,        ///< RFC 6587 non-transparent framing: each message ends with '\n'
    octet_counting, ///< RFC 6587 octet counting: `LEN SP MSG`, LEN the decimal byte count of MSG
};

/// Splits a syslog TCP stream, arriving in pieces, into one line per
/// message: `line_splitter` with RFC 6587 octet counting added. The same
/// interface: `feed(piece, on_line)` per read, `finish(on_line)` at the end;
/// `on_line(std::string_view)` returns false to stop.
///
/// - Framing is per connection (one `octet_framing` per stream): `automatic`
///   looks at the first bytes of the first piece: `LEN SP <` (a count, a
///   space, a syslog PRI) is octet counting; anything else (a line that
///   starts with a number, say) newline framing. Newline framing is `line_splitter`
///   itself, byte-exact (only '\n' stripped).
/// - Octet counting: each MSG comes out as one line. A '\n' inside MSG is
///   written `#012` (rsyslog's escape of control characters on receive), so
///   that one message stays one line; a single '\n' at the very end of MSG
///   (senders that count their terminator) is dropped. Every other byte
///   (NUL, '\r', invalid UTF-8) passes unchanged. A frame that lies whole in
///   one piece and holds no '\n' is handed on as a view into the piece, not
///   copied. '\n' and '\r' between frames are skipped.
/// - Bounded memory: a line longer than `max_line` bytes (0: no limit) is
///   cut to its first `max_line` bytes (never in the middle of a `#012`),
///   the rest of its frame is skipped by its count, and `truncated()` counts
///   it; the next frame is read where the count says.
/// - A malformed length (not 1 to 9 digits without a leading zero followed
///   by a space) is a framing error: counted in `framing_errors()`, and the
///   rest of the connection, from the first byte of that length field on,
///   is read with newline framing, so nothing is lost.
/// - At `finish`, a frame cut short by the end of the stream is handed on as
///   far as it came and counted in `truncated()`; a length field without
///   its space is a framing error and comes out as a line of its own.
///
/// Never throws but `std::bad_alloc`; linear in the bytes fed. Compiled in
/// lib/octet_framing.cpp (no coroutine: the fuzz target builds it alone).
class octet_framing {
public:
    explicit octet_framing(syslog_framing framing = syslog_framing::automatic,
                           std::size_t max_line = 64 * 1024) noexcept
        : splitter_(max_line),
          max_line_(max_line),
          framing_(framing) {}

    /// Calls `on_line` for each message `piece` completes. Returns false if
    /// `on_line` did (the rest of the piece is dropped).
    template <class OnLine>
    bool feed(std::string_view piece, OnLine&& on_line) {
        return feed(piece, callback{&on_line, &call<OnLine>});
    }

    /// At the end of the stream: hands on what is left (see above).
    template <class OnLine>
    bool finish(OnLine&& on_line) {
        return finish(callback{&on_line, &call<OnLine>});
    }

    /// `newline` or `octet_counting` once known; `automatic` in automatic
    /// mode until the first bytes tell (up to `LEN SP <`). A framing error turns it to `newline`.
    syslog_framing framing() const noexcept { return framing_; }
    /// Lines cut to `max_line`, and frames cut short by the end of the stream.
    std::size_t truncated() const noexcept { return truncated_ + splitter_.truncated(); }
    /// Malformed length fields (each one ends octet counting for the stream).
    std::size_t framing_errors() const noexcept { return framing_errors_; }
    /// Bytes held until the rest of their message arrives.
    std::size_t carried() const noexcept { return carry_.size() + undecided_.size() + splitter_.carried(); }

private:
    // A type-erased `on_line`, so that the framing itself is compiled once.
    struct callback {
        void* context;
        bool (*invoke)(void*, std::string_view);
        bool operator()(std::string_view line) const { return invoke(context, line); }
    };
    template <class OnLine>
    static bool call(void* context, std::string_view line) {
        return (*static_cast<std::remove_reference_t<OnLine>*>(context))(line);
    }

    bool feed(std::string_view piece, callback on_line);
    bool finish(callback on_line);
    bool fall_back(std::string_view rest, callback on_line);
    bool end_frame(callback on_line);
    void append(std::string_view part);
    void put(std::string_view bytes, bool divisible);

    line_splitter splitter_; // newline framing, and the fallback
    std::string carry_;      // the message of a frame being received
    std::string undecided_;  // automatic: the first bytes, while they cannot tell the framing
    std::size_t max_line_;
    std::size_t remaining_ = 0; // bytes of the current frame still to come; 0: reading a length
    std::size_t truncated_ = 0;
    std::size_t framing_errors_ = 0;
    std::uint32_t length_ = 0; // the length field read so far
    std::uint8_t digits_ = 0;  // its digits
    bool cut_ = false;         // the current frame's line is full: skip the rest of it
    syslog_framing framing_;
};

} // namespace coropipe::detail
