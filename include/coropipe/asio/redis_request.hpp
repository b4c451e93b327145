#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coropipe::asio {

class redis_client;

namespace detail {

class redis_connection;

/// Frees a command hiredis formatted.
struct hiredis_deleter {
    void operator()(char* p) const noexcept;
};

/// A piece of a request's wire bytes: small commands copied together, or one
/// large command as hiredis formatted it (not copied again).
struct redis_wire_chunk {
    std::string text;
    std::unique_ptr<char, hiredis_deleter> owned;
    std::size_t owned_size = 0;

    std::string_view bytes() const noexcept {
        return owned ? std::string_view(owned.get(), owned_size) : std::string_view(text);
    }
};

} // namespace detail

/// Commands to send to Redis together, as one pipeline: they are written in
/// one go, in order, and the server answers each, in order
/// (`redis_client::async_execute` completes with one reply per command).
///
/// Each `push` formats its command into wire bytes at once (hiredis'
/// `redisFormatSdsCommandArgv`), so the arguments need not outlive the call.
/// Arguments are bytes: NUL bytes and any size up to Redis's limits
/// (`proto-max-bulk-len`, 512 MB by default) pass unchanged. A command of 64
/// KiB or more is kept as formatted, not copied again.
///
/// A value type, move-only in practice (copying copies the bytes).
class redis_request {
public:
    redis_request() = default;
    redis_request(redis_request&&) noexcept = default;
    redis_request& operator=(redis_request&&) noexcept = default;
    redis_request(const redis_request& other);
    redis_request& operator=(const redis_request& other);
    ~redis_request() = default;

    /// Appends one command: `args[0]` is its name. Throws `coropipe::error`
    /// for an empty command or one too large to format (2 GiB).
    void push(std::span<const std::string_view> args);
    void push(std::initializer_list<std::string_view> args) { push(std::span(args.begin(), args.size())); }

    /// Gives the server `extra` more time to answer, beyond the client's
    /// response timeout: a blocking command's BLOCK time. `forever` (a
    /// command that may block without end, such as `BLOCK 0`) takes the
    /// response timeout off this request.
    void allow_block(std::chrono::milliseconds extra) noexcept;
    static constexpr std::chrono::milliseconds forever = std::chrono::milliseconds::max();

    std::size_t size() const noexcept { return commands_; }   ///< commands pushed
    std::size_t bytes() const noexcept { return bytes_; }     ///< wire bytes
    bool empty() const noexcept { return commands_ == 0; }
    std::chrono::milliseconds block_time() const noexcept { return block_; }

private:
    friend class detail::redis_connection;

    std::vector<detail::redis_wire_chunk> chunks_;
    std::size_t commands_ = 0;
    std::size_t bytes_ = 0;
    std::chrono::milliseconds block_{0};
};

} // namespace coropipe::asio
