#pragma once

#include <coropipe/asio/redis_client.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Redis Streams commands on a `redis_client`, their replies parsed into small
/// structs (docs/redis.md). Each `async_x...` function formats its command at
/// once (its arguments need not outlive the call), completes with the error
/// first, and is a `redis_client` request in every other way (queueing,
/// reconnection, cancellation, threads). An error reply completes with its
/// code (`redis_errc::wrong_type` for a key that is not a stream, ...); a
/// reply of a shape not expected with `redis_errc::unexpected_reply`.
namespace coropipe::asio {

/// A field and its value, as given to XADD.
using stream_field = std::pair<std::string_view, std::string_view>;

/// One entry of a stream: its id and its fields, as bytes.
struct stream_entry {
    std::string id;
    std::vector<std::pair<std::string, std::string>> fields;
    /// An entry of the consumer's pending list that is no longer in the
    /// stream (XDEL, trimming): no fields. It is still pending: XACK it.
    bool deleted = false;

    /// The value of the first field named `name`, or null.
    const std::string* find(std::string_view name) const noexcept;
    std::string* find(std::string_view name) noexcept; ///< (to move a value out)
};

/// XADD's options.
struct xadd_options {
    std::size_t maxlen = 0;   ///< MAXLEN: trim the stream to about this many entries (0: no trimming)
    bool approximate = true;  ///< MAXLEN ~ (trims whole nodes: cheaper, keeps a few more)
    std::string_view id = "*"; ///< the new entry's id ("*": the server's)
};

/// Appends `XADD stream [MAXLEN [~] n] id field value ...` to `request`: a
/// sink pipelines many, then checks each reply (the new id, or an error).
/// Throws `coropipe::error` when `fields` is empty.
void push_xadd(redis_request& request, std::string_view stream, std::span<const stream_field> fields,
               const xadd_options& options = {});
inline void push_xadd(redis_request& request, std::string_view stream, std::initializer_list<stream_field> fields,
                      const xadd_options& options = {}) {
    push_xadd(request, stream, std::span(fields.begin(), fields.size()), options);
}

/// XREADGROUP's arguments, for one stream.
struct xreadgroup_args {
    std::string_view stream{};
    std::string_view group{};
    std::string_view consumer{};
    /// ">": entries never delivered to the group (they join this consumer's
    /// pending list). "0" or an id: this consumer's own pending entries after
    /// it, to read again after a restart (with `deleted` ones).
    std::string_view id = ">";
    std::size_t count = 0; ///< COUNT (0: no limit)
    /// BLOCK: wait this long for new entries when there are none (only with
    /// ">"). None: answer at once; 0 ms: wait without end.
    std::optional<std::chrono::milliseconds> block{};
};

/// XAUTOCLAIM's arguments: claims for `consumer` the group's pending entries
/// idle at least `min_idle`, scanning from `start`.
struct xautoclaim_args {
    std::string_view stream{};
    std::string_view group{};
    std::string_view consumer{};
    std::chrono::milliseconds min_idle{30000};
    std::string_view start = "0-0";
    std::size_t count = 100;
};

/// What XAUTOCLAIM did.
struct xautoclaim_result {
    std::string next;                 ///< the cursor to scan from next; "0-0" when the scan is complete
    std::vector<stream_entry> entries; ///< now pending for the claiming consumer
    std::vector<std::string> deleted; ///< pending entries no longer in the stream: the server removed them from the pending list
};

/// XPENDING's summary of a group.
struct xpending_summary {
    std::uint64_t count = 0;  ///< entries delivered and not acknowledged
    std::string smallest;     ///< their smallest id (empty when none)
    std::string largest;
    std::vector<std::pair<std::string, std::uint64_t>> consumers; ///< consumer, its pending entries
};

namespace detail {

using boost::system::error_code;

// The requests (formatted at once) and the initiations (lib/redis_stream.cpp).
redis_request xadd_request(std::string_view stream, std::span<const stream_field> fields, const xadd_options& options);
redis_request xgroup_create_request(std::string_view stream, std::string_view group, std::string_view start);
redis_request xreadgroup_request(const xreadgroup_args& args);
redis_request xack_request(std::string_view stream, std::string_view group, std::span<const std::string> ids);
redis_request xautoclaim_request(const xautoclaim_args& args);
redis_request xpending_request(std::string_view stream, std::string_view group);

struct initiate_xadd {
    redis_client* client;
    void operator()(net::any_completion_handler<void(error_code, std::string)> handler, redis_request request) const;
};
struct initiate_xgroup_create {
    redis_client* client;
    void operator()(net::any_completion_handler<void(error_code)> handler, redis_request request) const;
};
struct initiate_xreadgroup {
    redis_client* client;
    void operator()(net::any_completion_handler<void(error_code, std::vector<stream_entry>)> handler,
                    redis_request request) const;
};
struct initiate_xack {
    redis_client* client;
    void operator()(net::any_completion_handler<void(error_code, std::uint64_t)> handler, redis_request request) const;
};
struct initiate_xautoclaim {
    redis_client* client;
    void operator()(net::any_completion_handler<void(error_code, xautoclaim_result)> handler,
                    redis_request request) const;
};
struct initiate_xpending {
    redis_client* client;
    void operator()(net::any_completion_handler<void(error_code, xpending_summary)> handler,
                    redis_request request) const;
};

} // namespace detail

/// XADD: appends one entry; completes with `void(error_code, std::string id)`.
template <class Token>
auto async_xadd(redis_client& client, std::string_view stream, std::span<const stream_field> fields,
                const xadd_options& options, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code, std::string)>(
        detail::initiate_xadd{&client}, token, detail::xadd_request(stream, fields, options));
}
template <class Token>
auto async_xadd(redis_client& client, std::string_view stream, std::initializer_list<stream_field> fields,
                Token&& token) {
    return async_xadd(client, stream, std::span(fields.begin(), fields.size()), xadd_options{},
                      std::forward<Token>(token));
}

/// XGROUP CREATE stream group start MKSTREAM: makes the group (and the
/// stream if missing); a group that exists already is success (BUSYGROUP).
/// `start` is the last id taken as delivered: "$" (only entries added from
/// now on) or "0" (the whole stream). Completes with `void(error_code)`.
template <class Token>
auto async_xgroup_create(redis_client& client, std::string_view stream, std::string_view group,
                         std::string_view start, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code)>(
        detail::initiate_xgroup_create{&client}, token, detail::xgroup_create_request(stream, group, start));
}

/// XREADGROUP ... STREAMS stream id: completes with
/// `void(error_code, std::vector<stream_entry>)`, empty when BLOCK ran out.
/// A request with BLOCK is given that much more time than the response
/// timeout; it holds up the client's other requests meanwhile.
template <class Token>
auto async_xreadgroup(redis_client& client, const xreadgroup_args& args, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code, std::vector<stream_entry>)>(
        detail::initiate_xreadgroup{&client}, token, detail::xreadgroup_request(args));
}

/// XACK stream group id...: completes with `void(error_code, std::uint64_t)`,
/// how many of `ids` were pending (and are no more). No ids: 0, nothing sent.
template <class Token>
auto async_xack(redis_client& client, std::string_view stream, std::string_view group,
                std::span<const std::string> ids, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code, std::uint64_t)>(
        detail::initiate_xack{&client}, token, detail::xack_request(stream, group, ids));
}

/// XAUTOCLAIM: completes with `void(error_code, xautoclaim_result)`.
template <class Token>
auto async_xautoclaim(redis_client& client, const xautoclaim_args& args, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code, xautoclaim_result)>(
        detail::initiate_xautoclaim{&client}, token, detail::xautoclaim_request(args));
}

/// XPENDING stream group (the summary form): completes with
/// `void(error_code, xpending_summary)`.
template <class Token>
auto async_xpending(redis_client& client, std::string_view stream, std::string_view group, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code, xpending_summary)>(
        detail::initiate_xpending{&client}, token, detail::xpending_request(stream, group));
}

} // namespace coropipe::asio
