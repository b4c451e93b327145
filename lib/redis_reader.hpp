#pragma once
// The RESP reply reader: hiredis' reader (redisReaderFeed / GetReply) building
// `redis_reply` trees directly, with a bound on the size of a reply.

#include <coropipe/asio/redis_reply.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace coropipe::asio::detail {

class redis_reader {
public:
    explicit redis_reader(std::size_t max_reply_bytes);
    redis_reader(const redis_reader&) = delete;
    redis_reader& operator=(const redis_reader&) = delete;
    ~redis_reader();

    /// Parses `bytes` and appends every reply they complete to `out`. A
    /// reply may span calls. Returns `protocol_error` (see `error_text()`)
    /// or `reply_too_large`; the reader must then be `reset()`.
    boost::system::error_code feed(std::string_view bytes, std::vector<redis_reply>& out);

    /// Forgets a partial reply and any error: for a new connection.
    void reset();

    /// What the last error was, for `redis_status::last_error`.
    const std::string& error_text() const noexcept { return error_text_; }

    /// Bytes of the reply being read: its strings so far and the bytes
    /// buffered for it (for the bound).
    std::size_t partial_bytes() const noexcept;

    /// For hiredis' callbacks: `n` more bytes in the reply under construction.
    void count(std::size_t n) noexcept { strings_bytes_ += n; }

private:
    std::size_t strings_bytes_ = 0;
    redisReader* reader_ = nullptr;
    std::size_t max_reply_bytes_;
    std::string error_text_;
};

} // namespace coropipe::asio::detail
