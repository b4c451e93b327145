// Redis's own ceiling for bench/redis_source_vs_bare.sh: the least a
// consumer of a stream's group must do. A blocking hiredis client creates
// GROUP on STREAM (from the start), reads COUNT entries at a time with
// XREADGROUP (no BLOCK: an empty reply is the end), counts the lines of each
// entry's `lines` (or `line`) field, and acknowledges each batch with one
// XACK, pipelined with the next XREADGROUP. Prints "LINES ENTRIES SECONDS".
//
// usage: bench_bare_stream_reader HOST PORT STREAM GROUP [COUNT]

#include <hiredis.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what, const char* why) {
    std::fprintf(stderr, "bench_bare_stream_reader: %s: %s\n", what, why);
    std::exit(1);
}

redisReply* expect(void* r, const char* what, redisContext* c) {
    if (r == nullptr) {
        die(what, c->errstr);
    }
    auto* reply = static_cast<redisReply*>(r);
    if (reply->type == REDIS_REPLY_ERROR && std::strncmp(reply->str, "BUSYGROUP", 9) != 0) {
        die(what, reply->str);
    }
    return reply;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: bench_bare_stream_reader HOST PORT STREAM GROUP [COUNT]\n");
        return 2;
    }
    const char* stream = argv[3];
    const char* group = argv[4];
    const std::string count = argc > 5 ? argv[5] : "1000";
    redisContext* c = redisConnect(argv[1], std::atoi(argv[2]));
    if (c == nullptr || c->err) {
        die("connect", c ? c->errstr : "out of memory");
    }
    const auto start = std::chrono::steady_clock::now();
    freeReplyObject(expect(redisCommand(c, "XGROUP CREATE %s %s 0 MKSTREAM", stream, group), "XGROUP", c));
    std::uint64_t lines = 0, entries = 0;
    std::vector<std::string> ids;
    for (;;) {
        if (!ids.empty()) {
            std::vector<const char*> argv_ack = {"XACK", stream, group};
            for (const std::string& id : ids) {
                argv_ack.push_back(id.c_str());
            }
            redisAppendCommandArgv(c, static_cast<int>(argv_ack.size()), argv_ack.data(), nullptr);
        }
        redisAppendCommand(c, "XREADGROUP GROUP %s bare COUNT %s STREAMS %s >", group, count.c_str(), stream);
        void* r = nullptr;
        if (!ids.empty()) {
            redisGetReply(c, &r);
            freeReplyObject(expect(r, "XACK", c));
            ids.clear();
        }
        redisGetReply(c, &r);
        redisReply* reply = expect(r, "XREADGROUP", c);
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
            freeReplyObject(reply);
            break; // nothing new: the stream is read
        }
        const redisReply* list = reply->element[0]->element[1];
        for (std::size_t i = 0; i < list->elements; ++i) {
            const redisReply* entry = list->element[i];
            ids.emplace_back(entry->element[0]->str, entry->element[0]->len);
            const redisReply* fields = entry->element[1];
            for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
                const redisReply* value = fields->element[f + 1];
                if (std::strcmp(fields->element[f]->str, "lines") == 0) {
                    for (std::size_t b = 0; b < value->len; ++b) {
                        lines += value->str[b] == '\n';
                    }
                } else if (std::strcmp(fields->element[f]->str, "line") == 0) {
                    ++lines;
                }
            }
            ++entries;
        }
        freeReplyObject(reply);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%llu %llu %.3f\n", static_cast<unsigned long long>(lines), static_cast<unsigned long long>(entries),
                seconds);
    redisFree(c);
    return 0;
}
