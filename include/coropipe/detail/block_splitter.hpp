#pragma once

#include <coropipe/detail/octet_framing.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace coropipe::detail {

/// Turns bytes that arrive in pieces (socket reads, datagrams, file reads)
/// into blocks of whole lines, each line ending in '\n': what a
/// `text_run` is fed. The async driver's framing.
///
/// - Newline framing: a piece's whole lines are handed on as one view into
///   the piece (found with one memrchr), not line by line; only a line that
///   spans pieces is copied (kept until its end arrives, then handed on as
///   a block of its own).
/// - Octet counting and automatic framing (RFC 6587): `octet_framing` does
///   the framing; its lines are collected into blocks, as views while they
///   lie one after another in the piece, copied otherwise.
/// - `max_line` (0: no limit) bounds memory and line length: a longer line
///   is cut to its first `max_line` bytes and counted in `truncated()`.
/// - `lines()` counts the lines handed on.
///
/// `on_block(std::string_view block)` returns false to stop; then `feed`
/// returns false (the rest of the piece is dropped). A block is valid until
/// `on_block` returns. Never throws but `std::bad_alloc` (and what
/// `on_block` throws). Linear in the bytes fed. Compiled in
/// lib/block_splitter.cpp, without coroutines (fuzzed).
class block_splitter {
public:
    explicit block_splitter(syslog_framing framing = syslog_framing::newline, std::size_t max_line = 0);

    /// Hands on the whole lines `piece` completes.
    template <class OnBlock>
    bool feed(std::string_view piece, OnBlock&& on_block) {
        return feed(piece, callback{&on_block, &call<OnBlock>});
    }

    /// The end of the input: hands on what is held (a last line without
    /// '\n', a frame cut short) as a last block, without its '\n'.
    template <class OnBlock>
    bool finish(OnBlock&& on_block) {
        return finish(callback{&on_block, &call<OnBlock>});
    }

    /// Bytes of a partial line held until the rest of it arrives (what a
    /// followed file's saved offset leaves out when the run stops): every
    /// byte of it fed so far, also those a `max_line` cut has dropped.
    std::size_t carried() const noexcept;
    /// Lines cut to `max_line` (and frames cut short by the end).
    std::size_t truncated() const noexcept;
    /// Malformed octet counts (each turns the rest of the stream to newline framing).
    std::size_t framing_errors() const noexcept { return octets_.framing_errors(); }
    /// Lines handed on so far.
    std::uint64_t lines() const noexcept { return lines_; }

private:
    struct callback {
        void* context;
        bool (*invoke)(void*, std::string_view);
        bool operator()(std::string_view block) const { return invoke(context, block); }
    };
    template <class OnBlock>
    static bool call(void* context, std::string_view block) {
        return (*static_cast<std::remove_reference_t<OnBlock>*>(context))(block);
    }

    bool feed(std::string_view piece, callback on_block);
    bool finish(callback on_block);
    bool feed_newline(std::string_view piece, callback on_block);
    bool emit_lines(std::string_view body, callback on_block);
    bool emit(std::string_view block, callback on_block);
    void keep(std::string_view part);

    octet_framing octets_;  // octet counting and automatic framing
    bool newline_;          // framing is newline: the fast path, not octets_
    std::size_t max_line_;
    std::string carry_;     // newline framing: the start of a line that spans pieces
    std::size_t carried_ = 0; // newline framing: bytes of that line fed so far (carry_ and what was cut)
    bool skipping_ = false; // the carried line was cut: drop bytes up to its '\n'
    std::size_t truncated_ = 0;
    std::uint64_t lines_ = 0;
    std::string collected_; // octet framing: lines copied into one block
};

} // namespace coropipe::detail
