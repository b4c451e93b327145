#include <coropipe/asio/redis_stream.hpp>
#include <coropipe/error.hpp>

#include "redis_connection.hpp"

#include <array>
#include <charconv>
#include <string>
#include <vector>

#include <utility>

namespace coropipe::asio {

const std::string* stream_entry::find(std::string_view name) const noexcept {
    for (const auto& [field, value] : fields) {
        if (field == name) {
            return &value;
        }
    }
    return nullptr;
}

std::string* stream_entry::find(std::string_view name) noexcept {
    return const_cast<std::string*>(std::as_const(*this).find(name));
}

namespace detail {

struct redis_client_access {
    static const std::shared_ptr<redis_connection>& connection(redis_client& client) { return client.impl_; }
};

namespace {

using kind = redis_reply::kind;

/// A number as command text, without allocating.
struct number_text {
    std::array<char, 24> buffer{};
    std::size_t size = 0;

    explicit number_text(std::uint64_t n) {
        size = static_cast<std::size_t>(std::to_chars(buffer.data(), buffer.data() + buffer.size(), n).ptr -
                                        buffer.data());
    }
    std::string_view view() const noexcept { return {buffer.data(), size}; }
};

// ---- parsing ---------------------------------------------------------------
// Each parser takes the replies of its one command; a shape it does not know
// sets `unexpected_reply`, an error reply its own code.

bool is_text(const redis_reply& r) noexcept { return r.type == kind::string || r.type == kind::status; }

/// [id, [field, value, ...] | nil] into `out`.
bool parse_entry(redis_reply& r, stream_entry& out) {
    if (r.type != kind::array || r.elements.size() != 2 || !is_text(r.elements[0])) {
        return false;
    }
    out.id = std::move(r.elements[0].str);
    redis_reply& fields = r.elements[1];
    if (fields.type == kind::nil) {
        out.deleted = true;
        return true;
    }
    if (fields.type != kind::array || fields.elements.size() % 2 != 0) {
        return false;
    }
    out.fields.reserve(fields.elements.size() / 2);
    for (std::size_t i = 0; i < fields.elements.size(); i += 2) {
        if (!is_text(fields.elements[i]) || !is_text(fields.elements[i + 1])) {
            return false;
        }
        out.fields.emplace_back(std::move(fields.elements[i].str), std::move(fields.elements[i + 1].str));
    }
    return true;
}

bool parse_entries(redis_reply& r, std::vector<stream_entry>& out) {
    if (r.type != kind::array) {
        return false;
    }
    out.resize(r.elements.size());
    for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (!parse_entry(r.elements[i], out[i])) {
            return false;
        }
    }
    return true;
}

/// The one reply of a one-command request, or null with `ec` set.
redis_reply* only_reply(error_code& ec, std::vector<redis_reply>& replies) {
    if (replies.size() != 1) {
        ec = redis_errc::unexpected_reply;
        return nullptr;
    }
    ec = replies.front().error();
    return ec ? nullptr : &replies.front();
}

std::tuple<std::string> parse_xadd(error_code& ec, std::vector<redis_reply>&& replies) {
    redis_reply* r = only_reply(ec, replies);
    if (r == nullptr) {
        return {};
    }
    if (!is_text(*r)) {
        ec = redis_errc::unexpected_reply;
        return {};
    }
    return {std::move(r->str)};
}

std::tuple<> parse_xgroup_create(error_code& ec, std::vector<redis_reply>&& replies) {
    only_reply(ec, replies);
    if (ec == redis_errc::busy_group) {
        ec = {}; // the group is there: what was asked for
    }
    return {};
}

std::tuple<std::vector<stream_entry>> parse_xreadgroup(error_code& ec, std::vector<redis_reply>&& replies) {
    std::vector<stream_entry> entries;
    redis_reply* r = only_reply(ec, replies);
    if (r == nullptr || r->type == kind::nil) { // nil: BLOCK ran out
        return {};
    }
    // [[stream, [entry, ...]]]: one stream asked for.
    if (r->type != kind::array || r->elements.size() != 1 || r->elements[0].type != kind::array ||
        r->elements[0].elements.size() != 2 || !parse_entries(r->elements[0].elements[1], entries)) {
        ec = redis_errc::unexpected_reply;
        return {};
    }
    return {std::move(entries)};
}

std::tuple<std::uint64_t> parse_xack(error_code& ec, std::vector<redis_reply>&& replies) {
    if (replies.empty()) {
        return {0}; // no ids: nothing was sent
    }
    redis_reply* r = only_reply(ec, replies);
    if (r == nullptr) {
        return {};
    }
    if (r->type != kind::integer || r->integer < 0) {
        ec = redis_errc::unexpected_reply;
        return {};
    }
    return {static_cast<std::uint64_t>(r->integer)};
}

std::tuple<xautoclaim_result> parse_xautoclaim(error_code& ec, std::vector<redis_reply>&& replies) {
    xautoclaim_result result;
    redis_reply* r = only_reply(ec, replies);
    if (r == nullptr) {
        return {};
    }
    // [next, [entry, ...], [deleted id, ...]] (the third since Redis 7).
    if (r->type != kind::array || r->elements.size() < 2 || !is_text(r->elements[0]) ||
        !parse_entries(r->elements[1], result.entries)) {
        ec = redis_errc::unexpected_reply;
        return {};
    }
    result.next = std::move(r->elements[0].str);
    if (r->elements.size() > 2) {
        redis_reply& deleted = r->elements[2];
        if (deleted.type != kind::array) {
            ec = redis_errc::unexpected_reply;
            return {};
        }
        for (redis_reply& id : deleted.elements) {
            if (!is_text(id)) {
                ec = redis_errc::unexpected_reply;
                return {};
            }
            result.deleted.push_back(std::move(id.str));
        }
    }
    return {std::move(result)};
}

std::tuple<xpending_summary> parse_xpending(error_code& ec, std::vector<redis_reply>&& replies) {
    xpending_summary summary;
    redis_reply* r = only_reply(ec, replies);
    if (r == nullptr) {
        return {};
    }
    // [count, smallest | nil, largest | nil, [[consumer, "count"], ...] | nil]
    const auto bad = [&] {
        ec = redis_errc::unexpected_reply;
        return std::tuple<xpending_summary>{};
    };
    if (r->type != kind::array || r->elements.size() != 4 || r->elements[0].type != kind::integer ||
        r->elements[0].integer < 0) {
        return bad();
    }
    summary.count = static_cast<std::uint64_t>(r->elements[0].integer);
    summary.smallest = std::move(r->elements[1].str); // empty when nil
    summary.largest = std::move(r->elements[2].str);
    redis_reply& consumers = r->elements[3];
    if (consumers.type == kind::array) {
        for (redis_reply& c : consumers.elements) {
            if (c.type != kind::array || c.elements.size() != 2 || !is_text(c.elements[0]) ||
                !is_text(c.elements[1])) {
                return bad();
            }
            const std::string& count = c.elements[1].str;
            std::uint64_t n = 0;
            const auto [end, err] = std::from_chars(count.data(), count.data() + count.size(), n);
            if (err != std::errc() || end != count.data() + count.size()) {
                return bad();
            }
            summary.consumers.emplace_back(std::move(c.elements[0].str), n);
        }
    } else if (consumers.type != kind::nil) {
        return bad();
    }
    return {std::move(summary)};
}

template <class... Results>
void submit(redis_client* client, net::any_completion_handler<void(error_code, Results...)> handler,
            redis_request request, std::tuple<Results...> (*parse)(error_code&, std::vector<redis_reply>&&)) {
    const std::shared_ptr<redis_connection>& c = redis_client_access::connection(*client);
    c->submit(std::move(request), make_redis_completion(std::move(handler), parse, c->executor()));
}

} // namespace

// ---- requests --------------------------------------------------------------

redis_request xadd_request(std::string_view stream, std::span<const stream_field> fields, const xadd_options& options) {
    redis_request request;
    push_xadd(request, stream, fields, options);
    return request;
}

redis_request xgroup_create_request(std::string_view stream, std::string_view group, std::string_view start) {
    redis_request request;
    request.push({"XGROUP", "CREATE", stream, group, start, "MKSTREAM"});
    return request;
}

redis_request xreadgroup_request(const xreadgroup_args& args) {
    std::vector<std::string_view> argv = {"XREADGROUP", "GROUP", args.group, args.consumer};
    const number_text count(args.count);
    if (args.count != 0) {
        argv.insert(argv.end(), {"COUNT", count.view()});
    }
    const number_text block(args.block ? static_cast<std::uint64_t>(std::max<std::int64_t>(args.block->count(), 0)) : 0);
    if (args.block) {
        argv.insert(argv.end(), {"BLOCK", block.view()});
    }
    argv.insert(argv.end(), {"STREAMS", args.stream, args.id});
    redis_request request;
    request.push(argv);
    if (args.block) {
        request.allow_block(args.block->count() <= 0 ? redis_request::forever : *args.block);
    }
    return request;
}

redis_request xack_request(std::string_view stream, std::string_view group, std::span<const std::string> ids) {
    redis_request request;
    if (ids.empty()) {
        return request; // XACK needs an id: send nothing
    }
    std::vector<std::string_view> argv;
    argv.reserve(3 + ids.size());
    argv.insert(argv.end(), {"XACK", stream, group});
    argv.insert(argv.end(), ids.begin(), ids.end());
    request.push(argv);
    return request;
}

redis_request xautoclaim_request(const xautoclaim_args& args) {
    const number_text idle(static_cast<std::uint64_t>(std::max<std::int64_t>(args.min_idle.count(), 0)));
    const number_text count(args.count);
    redis_request request;
    request.push({"XAUTOCLAIM", args.stream, args.group, args.consumer, idle.view(), args.start, "COUNT", count.view()});
    return request;
}

redis_request xpending_request(std::string_view stream, std::string_view group) {
    redis_request request;
    request.push({"XPENDING", stream, group});
    return request;
}

// ---- initiations -----------------------------------------------------------

void initiate_xadd::operator()(net::any_completion_handler<void(error_code, std::string)> handler,
                               redis_request request) const {
    submit(client, std::move(handler), std::move(request), &parse_xadd);
}

void initiate_xgroup_create::operator()(net::any_completion_handler<void(error_code)> handler,
                                        redis_request request) const {
    submit(client, std::move(handler), std::move(request), &parse_xgroup_create);
}

void initiate_xreadgroup::operator()(net::any_completion_handler<void(error_code, std::vector<stream_entry>)> handler,
                                     redis_request request) const {
    submit(client, std::move(handler), std::move(request), &parse_xreadgroup);
}

void initiate_xack::operator()(net::any_completion_handler<void(error_code, std::uint64_t)> handler,
                               redis_request request) const {
    submit(client, std::move(handler), std::move(request), &parse_xack);
}

void initiate_xautoclaim::operator()(net::any_completion_handler<void(error_code, xautoclaim_result)> handler,
                                     redis_request request) const {
    submit(client, std::move(handler), std::move(request), &parse_xautoclaim);
}

void initiate_xpending::operator()(net::any_completion_handler<void(error_code, xpending_summary)> handler,
                                   redis_request request) const {
    submit(client, std::move(handler), std::move(request), &parse_xpending);
}

} // namespace detail

void push_xadd(redis_request& request, std::string_view stream, std::span<const stream_field> fields,
               const xadd_options& options) {
    if (fields.empty()) {
        coropipe::detail::throw_error("coropipe: XADD to '" + std::string(stream) + "' with no field");
    }
    std::array<std::string_view, 16> few;
    std::vector<std::string_view> many;
    const std::size_t size = 6 + 2 * fields.size();
    std::string_view* argv = few.data();
    if (size > few.size()) {
        many.resize(size);
        argv = many.data();
    }
    std::size_t n = 0;
    argv[n++] = "XADD";
    argv[n++] = stream;
    const detail::number_text maxlen(options.maxlen);
    if (options.maxlen != 0) {
        argv[n++] = "MAXLEN";
        if (options.approximate) {
            argv[n++] = "~";
        }
        argv[n++] = maxlen.view();
    }
    argv[n++] = options.id;
    for (const auto& [field, value] : fields) {
        argv[n++] = field;
        argv[n++] = value;
    }
    request.push(std::span<const std::string_view>(argv, n));
}

} // namespace coropipe::asio
