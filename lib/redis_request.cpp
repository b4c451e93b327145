#include <coropipe/asio/redis_request.hpp>
#include <coropipe/error.hpp>

#include <hiredis.h>

#include <array>
#include <limits>
#include <vector>

namespace coropipe::asio {

namespace detail {

void hiredis_deleter::operator()(char* p) const noexcept { redisFreeSdsCommand(p); }

} // namespace detail

namespace {

/// Commands formatted at least this large keep hiredis' buffer as a chunk of
/// their own instead of being copied next to the others.
constexpr std::size_t own_chunk_bytes = 64 * 1024;

} // namespace

redis_request::redis_request(const redis_request& other)
    : commands_(other.commands_), bytes_(other.bytes_), block_(other.block_) {
    for (const detail::redis_wire_chunk& chunk : other.chunks_) {
        chunks_.push_back({std::string(chunk.bytes()), nullptr, 0});
    }
}

redis_request& redis_request::operator=(const redis_request& other) {
    if (this != &other) {
        *this = redis_request(other);
    }
    return *this;
}

void redis_request::push(std::span<const std::string_view> args) {
    if (args.empty()) {
        coropipe::detail::throw_error("coropipe: an empty Redis command");
    }
    if (args.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        coropipe::detail::throw_error("coropipe: a Redis command with too many arguments");
    }
    // hiredis takes two arrays: on the stack for the usual few arguments.
    constexpr std::size_t few = 16;
    std::array<const char*, few> argv_few;
    std::array<std::size_t, few> lengths_few;
    std::vector<const char*> argv_many;
    std::vector<std::size_t> lengths_many;
    const char** argv = argv_few.data();
    std::size_t* lengths = lengths_few.data();
    if (args.size() > few) {
        argv_many.resize(args.size());
        lengths_many.resize(args.size());
        argv = argv_many.data();
        lengths = lengths_many.data();
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        argv[i] = args[i].empty() ? "" : args[i].data(); // never null into memcpy
        lengths[i] = args[i].size();
    }
    // The sds form: hiredis' own number formatting, where redisFormatCommandArgv
    // calls sprintf per argument (1.2× the client's instructions per XADD;
    // bench/redis_streams_instructions.sh).
    sds formatted = nullptr;
    const int n = redisFormatSdsCommandArgv(&formatted, static_cast<int>(args.size()), argv, lengths);
    if (n < 0 || formatted == nullptr) {
        // hiredis formats into an int-sized buffer: 2 GiB at most.
        coropipe::detail::throw_error("coropipe: the Redis command " + std::string(args[0].substr(0, 32)) +
                                      " is too large to send");
    }
    std::unique_ptr<char, detail::hiredis_deleter> owned(formatted);
    const auto size = static_cast<std::size_t>(n);
    if (size >= own_chunk_bytes) {
        chunks_.push_back({{}, std::move(owned), size});
    } else {
        if (chunks_.empty() || chunks_.back().owned) {
            chunks_.emplace_back();
        }
        chunks_.back().text.append(formatted, size);
    }
    ++commands_;
    bytes_ += size;
}

void redis_request::allow_block(std::chrono::milliseconds extra) noexcept {
    if (extra == forever || block_ == forever) {
        block_ = forever;
    } else {
        block_ += extra;
    }
}

} // namespace coropipe::asio
