#include "redis_reader.hpp"

#include <coropipe/asio/redis_error.hpp>

#include <hiredis.h>

#include <algorithm>
#include <memory>
#include <new>
#include <string>

namespace coropipe::asio::detail {

namespace {

// hiredis calls these to build each value of a reply. A nested value lives in
// its parent's `elements` (sized by create_array, never resized); the root is
// allocated, returned by redisReaderGetReply and deleted by us (or by
// free_object when the reader is freed with a partial reply).

redis_reply* place(const redisReadTask* task) {
    if (task->parent != nullptr) {
        auto* parent = static_cast<redis_reply*>(task->parent->obj);
        return &parent->elements[static_cast<std::size_t>(task->idx)];
    }
    return new (std::nothrow) redis_reply;
}

void* create_string(const redisReadTask* task, char* str, std::size_t len) {
    redis_reply* r = place(task);
    if (r == nullptr) {
        return nullptr;
    }
    switch (task->type) {
    case REDIS_REPLY_ERROR: r->type = redis_reply::kind::error; break;
    case REDIS_REPLY_STATUS: r->type = redis_reply::kind::status; break;
    default: r->type = redis_reply::kind::string; break;
    }
    r->str.assign(str, len);
    static_cast<redis_reader*>(task->privdata)->count(len);
    return r;
}

void* create_array(const redisReadTask* task, int elements) {
    redis_reply* r = place(task);
    if (r == nullptr) {
        return nullptr;
    }
    r->type = redis_reply::kind::array;
    r->elements.resize(static_cast<std::size_t>(elements));
    static_cast<redis_reader*>(task->privdata)->count(sizeof(redis_reply) * r->elements.size());
    return r;
}

void* create_integer(const redisReadTask* task, long long value) {
    redis_reply* r = place(task);
    if (r != nullptr) {
        r->type = redis_reply::kind::integer;
        r->integer = value;
    }
    return r;
}

void* create_nil(const redisReadTask* task) {
    redis_reply* r = place(task);
    if (r != nullptr) {
        r->type = redis_reply::kind::nil;
    }
    return r;
}

void free_object(void* root) { delete static_cast<redis_reply*>(root); }

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer, create_nil, free_object};

/// Bytes handed to hiredis at a time. Its reader moves the unread rest of its
/// buffer down after every reply once 1 KiB is consumed, so the cost per
/// small reply grows with the bytes fed at once. (A one-off measurement,
/// 4 MiB of XADD replies through the bare reader: 1 to 16 KiB at a time cost
/// the same within noise, 64 KiB 1.2×, 1 MiB 4×.)
constexpr std::size_t feed_slice = 16 * 1024;

} // namespace

redis_reader::redis_reader(std::size_t max_reply_bytes) : max_reply_bytes_(max_reply_bytes) { reset(); }

redis_reader::~redis_reader() {
    if (reader_ != nullptr) {
        redisReaderFree(reader_);
    }
}

void redis_reader::reset() {
    if (reader_ != nullptr) {
        redisReaderFree(reader_);
    }
    reader_ = redisReaderCreateWithFunctions(&reply_functions);
    if (reader_ == nullptr) {
        throw std::bad_alloc();
    }
    reader_->privdata = this; // (redisReaderSetPrivdata casts to int in C++)
    strings_bytes_ = 0;
    error_text_.clear();
}

std::size_t redis_reader::partial_bytes() const noexcept { return strings_bytes_ + (reader_->len - reader_->pos); }

boost::system::error_code redis_reader::feed(std::string_view bytes, std::vector<redis_reply>& out) {
    while (!bytes.empty()) {
        const std::size_t n = std::min(bytes.size(), feed_slice);
        if (redisReaderFeed(reader_, bytes.data(), n) != REDIS_OK) {
            error_text_ = reader_->errstr;
            return redis_errc::protocol_error;
        }
        bytes.remove_prefix(n);
        for (;;) {
            void* reply = nullptr;
            if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
                error_text_ = reader_->errstr;
                return redis_errc::protocol_error;
            }
            if (reply == nullptr) {
                break;
            }
            std::unique_ptr<redis_reply> root(static_cast<redis_reply*>(reply));
            out.push_back(std::move(*root));
            strings_bytes_ = 0;
        }
        if (partial_bytes() > max_reply_bytes_) {
            error_text_ = "a reply of more than " + std::to_string(max_reply_bytes_) + " bytes (max_reply_bytes)";
            return redis_errc::reply_too_large;
        }
    }
    return {};
}

} // namespace coropipe::asio::detail
