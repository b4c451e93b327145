#include <coropipe/asio/redis_error.hpp>
#include <coropipe/asio/redis_reply.hpp>

#include <string>
#include <string_view>

namespace coropipe::asio {

namespace {

class redis_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "coropipe.redis"; }

    std::string message(int value) const override {
        switch (static_cast<redis_errc>(value)) {
        case redis_errc::server_error: return "the Redis server answered with an error";
        case redis_errc::wrong_type: return "the key holds a value of another type (WRONGTYPE)";
        case redis_errc::no_group: return "no such consumer group or stream (NOGROUP)";
        case redis_errc::busy_group: return "the consumer group exists already (BUSYGROUP)";
        case redis_errc::auth_failed: return "the Redis server refused the authentication";
        case redis_errc::loading: return "the Redis server is loading its data set (LOADING)";
        case redis_errc::connection_lost: return "the connection to Redis was lost with the request sent";
        case redis_errc::timed_out: return "Redis did not answer in time";
        case redis_errc::reply_too_large: return "a Redis reply exceeds the client's max_reply_bytes";
        case redis_errc::protocol_error: return "Redis sent bytes that are not the Redis protocol";
        case redis_errc::unexpected_reply: return "a Redis reply of an unexpected shape";
        }
        return "unknown coropipe.redis error " + std::to_string(value);
    }
};

} // namespace

const boost::system::error_category& redis_category() noexcept {
    static const redis_category_impl category;
    return category;
}

boost::system::error_code redis_reply::error() const noexcept {
    if (type != kind::error) {
        return {};
    }
    const std::string_view text(str);
    const std::string_view word = text.substr(0, text.find(' '));
    if (word == "WRONGTYPE") {
        return redis_errc::wrong_type;
    }
    if (word == "NOGROUP") {
        return redis_errc::no_group;
    }
    if (word == "BUSYGROUP") {
        return redis_errc::busy_group;
    }
    if (word == "NOAUTH" || word == "WRONGPASS" || text.starts_with("ERR AUTH") ||
        text.starts_with("ERR invalid password")) {
        return redis_errc::auth_failed;
    }
    if (word == "LOADING") {
        return redis_errc::loading;
    }
    return redis_errc::server_error;
}

} // namespace coropipe::asio
