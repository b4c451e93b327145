// coropipe::asio::redis_client on Redis Streams, against a bare hiredis
// blocking client doing the same commands to the same redis-server in the
// same run (a plain program; docs/BENCHMARKS.md, "Redis client").
//
// - XADD: `entries` entries of one 100-byte field "line", sent as pipelines
//   of `batch` XADDs, one pipeline in flight (both clients), then with 4 in
//   flight (coropipe only: a blocking client cannot).
// - XREADGROUP + XACK: the same entries preloaded into a stream; a consumer
//   of a fresh group reads them COUNT 1000 at a time and acknowledges each
//   batch; one request at a time (both clients), then with each XACK sent
//   together with the next XREADGROUP (coropipe only).
//
// The server (tests/support/redis_server.hpp, started here on a free
// loopback port) runs without persistence: the figures are the clients' and
// the server's, not the disk's. Every configuration runs once per round,
// `reps` rounds (so that a slow phase of a shared machine hits all alike);
// the medians of the wall time and of the main thread's CPU time (the
// client's: the server is another process) are reported.
//
// Run: bench_redis_streams [entries [reps [only]]]
#include <coropipe/asio/redis_client.hpp>
#include <coropipe/asio/redis_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <hiredis.h>

#include "bench_support.hpp"
#include "redis_server.hpp"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <span>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>


namespace net = boost::asio;
using namespace coropipe::asio;

namespace {

using clock_type = std::chrono::steady_clock;

using coropipe::bench::thread_cpu_seconds;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "bench_redis_streams: %s\n", what.c_str());
    std::exit(2);
}

struct timing {
    double wall = 0;
    double cpu = 0;
};

/// One configuration: `setup` (untimed), then `body` (timed).
struct config {
    std::string table;
    std::string name;
    std::function<void()> setup;
    std::function<void()> body;
    bool peer = false; // the row the others of its table are compared with
    std::vector<timing> runs;
};

/// Runs every configuration once per round, `reps` rounds (a slow phase of
/// the machine hits them all alike), and keeps each one's times.
void run_rounds(std::vector<config>& configs, int reps) {
    for (int round = 0; round < reps; ++round) {
        for (config& c : configs) {
            c.setup();
            const double cpu0 = thread_cpu_seconds();
            const auto t0 = clock_type::now();
            c.body();
            c.runs.push_back(
                {std::chrono::duration<double>(clock_type::now() - t0).count(), thread_cpu_seconds() - cpu0});
        }
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// ---- coropipe ----------------------------------------------------------------

struct shared_work {
    std::size_t left = 0; // batches not started yet
    int workers = 0;      // still running
    bool failed = false;
};

/// One of `window` coroutines sending pipelines of `batch` XADDs while any are left.
net::awaitable<void> xadd_worker(redis_client* client, shared_work* work, std::string stream, std::size_t batch,
                                 const std::string* value) {
    while (work->left > 0 && !work->failed) {
        --work->left;
        redis_request request;
        for (std::size_t i = 0; i < batch; ++i) {
            push_xadd(request, stream, {{"line", *value}});
        }
        const std::vector<redis_reply> replies = co_await client->async_execute(std::move(request), net::use_awaitable);
        if (replies.size() != batch || replies.back().is_error()) {
            work->failed = true;
        }
    }
    --work->workers;
}

void run_until_done(net::io_context& io, const shared_work& work) {
    while (work.workers > 0) {
        io.run_one();
    }
    if (work.failed) {
        die("a request failed");
    }
}

void coropipe_xadd(net::io_context& io, redis_client& client, const std::string& stream, std::size_t entries,
                   std::size_t batch, int window, const std::string& value) {
    shared_work work{entries / batch, window, false};
    for (int w = 0; w < window; ++w) {
        net::co_spawn(io, xadd_worker(&client, &work, stream, batch, &value), net::detached);
    }
    run_until_done(io, work);
}

/// Reads the group to its end, 1000 at a time, acknowledging each batch;
/// with `overlap`, each XACK goes out with the next XREADGROUP, its reply
/// checked after.
net::awaitable<void> read_all(redis_client* client, shared_work* work, std::string stream, std::string group,
                              std::size_t* read, bool overlap) {
    const xreadgroup_args args{.stream = stream, .group = group, .consumer = "c", .count = 1000};
    std::vector<std::string> ids;
    for (;;) {
        std::vector<stream_entry> entries = co_await async_xreadgroup(*client, args, net::use_awaitable);
        if (entries.empty()) {
            break;
        }
        *read += entries.size();
        ids.clear();
        for (stream_entry& e : entries) {
            ids.push_back(std::move(e.id));
        }
        if (overlap) {
            async_xack(*client, stream, group, ids, [work](boost::system::error_code ec, std::uint64_t) {
                work->failed = work->failed || ec;
            });
        } else {
            co_await async_xack(*client, stream, group, ids, net::use_awaitable);
        }
    }
    --work->workers;
}

void coropipe_read(net::io_context& io, redis_client& client, const std::string& stream, const std::string& group,
                   std::size_t entries, bool overlap) {
    shared_work work{0, 1, false};
    std::size_t read = 0;
    net::co_spawn(io, read_all(&client, &work, stream, group, &read, overlap), net::detached);
    run_until_done(io, work);
    io.poll(); // the last XACK's reply
    if (read != entries) {
        die("coropipe read " + std::to_string(read) + " entries of " + std::to_string(entries));
    }
}

// ---- bare hiredis, blocking --------------------------------------------------

struct hiredis_client {
    redisContext* c;
    mutable std::vector<const char*> argv;
    mutable std::vector<std::size_t> lengths;

    explicit hiredis_client(std::uint16_t port) : c(redisConnect("127.0.0.1", port)) {
        if (c == nullptr || c->err != 0) {
            die("hiredis cannot connect");
        }
    }
    hiredis_client(const hiredis_client&) = delete;
    hiredis_client& operator=(const hiredis_client&) = delete;
    ~hiredis_client() { redisFree(c); }

    /// Appends a command to the output buffer (what redisCommandArgv does,
    /// without waiting); the argument arrays are reused, not allocated per command.
    void append(std::span<const std::string_view> args) const {
        argv.clear();
        lengths.clear();
        for (const std::string_view a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data());
    }
    void append(std::initializer_list<std::string_view> args) const { append(std::span(args.begin(), args.size())); }

    redisReply* reply() const {
        void* r = nullptr;
        if (redisGetReply(c, &r) != REDIS_OK || r == nullptr) {
            die(std::string("hiredis: ") + c->errstr);
        }
        auto* reply = static_cast<redisReply*>(r);
        if (reply->type == REDIS_REPLY_ERROR) {
            die(std::string("hiredis: ") + reply->str);
        }
        return reply;
    }
};

void hiredis_xadd(const hiredis_client& h, const std::string& stream, std::size_t entries, std::size_t batch,
                  const std::string& value) {
    for (std::size_t b = 0; b < entries / batch; ++b) {
        for (std::size_t i = 0; i < batch; ++i) {
            h.append({"XADD", stream, "*", "line", value});
        }
        for (std::size_t i = 0; i < batch; ++i) {
            freeReplyObject(h.reply());
        }
    }
}

void hiredis_read(const hiredis_client& h, const std::string& stream, const std::string& group, std::size_t entries) {
    std::size_t read = 0;
    std::vector<std::string> ids;
    for (;;) {
        h.append({"XREADGROUP", "GROUP", group, "c", "COUNT", "1000", "STREAMS", stream, ">"});
        redisReply* r = h.reply();
        if (r->type != REDIS_REPLY_ARRAY) { // nil: nothing left
            freeReplyObject(r);
            break;
        }
        const redisReply* list = r->element[0]->element[1];
        ids.clear();
        for (std::size_t i = 0; i < list->elements; ++i) {
            ids.emplace_back(list->element[i]->element[0]->str, list->element[i]->element[0]->len);
        }
        read += ids.size();
        freeReplyObject(r);
        std::vector<std::string_view> ack = {"XACK", stream, group};
        ack.insert(ack.end(), ids.begin(), ids.end());
        h.append(ack);
        freeReplyObject(h.reply());
    }
    if (read != entries) {
        die("hiredis read " + std::to_string(read) + " entries of " + std::to_string(entries));
    }
}

void print(const std::vector<config>& configs, std::size_t entries) {
    std::string table;
    double peer_rate = 0;
    for (const config& c : configs) {
        std::vector<double> walls;
        std::vector<double> cpus;
        for (const timing& t : c.runs) {
            walls.push_back(t.wall);
            cpus.push_back(t.cpu);
        }
        const double wall = median(walls);
        const double cpu = median(cpus);
        const double rate = static_cast<double>(entries) / wall;
        if (c.table != table) {
            table = c.table;
            std::printf("\n| %-44s | %8s | %7s | %7s | %9s | %s |\n|---|---:|---:|---:|---:|---:|\n", table.c_str(),
                        "wall s", "M/s", "CPU s", "CPU ns/e", "rate vs hiredis");
        }
        if (c.peer || peer_rate == 0) {
            peer_rate = rate;
        }
        std::printf("| %-44s | %8.3f | %7.3f | %7.3f | %9.0f | %.2f× |\n", c.name.c_str(), wall, rate / 1e6, cpu,
                    cpu * 1e9 / static_cast<double>(entries), rate / peer_rate);
    }
}

} // namespace

int main(int argc, char** argv) {
    const std::size_t entries = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
    const int reps = argc > 2 ? std::stoi(argv[2]) : 5;
    const std::string value(100, 'v');

    coropipe::test::redis_server server({.appendonly = false});
    net::io_context io;
    redis_client client(io.get_executor(), redis_options{.address = server.address()});
    const hiredis_client h(server.port());
    const auto del = [&](const std::string& key) {
        h.append({"DEL", key});
        freeReplyObject(h.reply());
    };

    std::vector<config> configs;
    for (const std::size_t batch : {std::size_t{64}, std::size_t{1000}}) {
        const std::string b = std::to_string(batch);
        const std::string table = "XADD, pipelines of " + b;
        const auto clear = [&] { del("x"); };
        configs.push_back({table, "hiredis blocking", clear, [&, batch] { hiredis_xadd(h, "x", entries, batch, value); },
                           true, {}});
        configs.push_back({table, "coropipe, 1 in flight", clear,
                           [&, batch] { coropipe_xadd(io, client, "x", entries, batch, 1, value); }, false, {}});
        configs.push_back({table, "coropipe, 4 in flight", clear,
                           [&, batch] { coropipe_xadd(io, client, "x", entries, batch, 4, value); }, false, {}});
    }
    // One stream for every read run; each run reads it through a fresh group.
    hiredis_xadd(h, "r", entries, 1000, value);
    int groups = 0;
    std::string group;
    const auto fresh_group = [&] {
        group = "g" + std::to_string(++groups);
        h.append({"XGROUP", "CREATE", "r", group, "0"});
        freeReplyObject(h.reply());
    };
    const std::string read_table = "XREADGROUP COUNT 1000 + XACK";
    // (Row names are distinct, for the `only` argument.)
    configs.push_back({read_table, "hiredis blocking", fresh_group, [&] { hiredis_read(h, "r", group, entries); },
                       true, {}});
    configs.push_back({read_table, "coropipe, XACK awaited", fresh_group,
                       [&] { coropipe_read(io, client, "r", group, entries, false); }, false, {}});
    configs.push_back({read_table, "coropipe, XACK sent with the next XREADGROUP", fresh_group,
                       [&] { coropipe_read(io, client, "r", group, entries, true); }, false, {}});

    if (argc > 3) { // only the rows whose "table: name" holds this text
        std::erase_if(configs, [&](const config& c) { return (c.table + ": " + c.name).find(argv[3]) == std::string::npos; });
    }
    run_rounds(configs, reps);
    std::printf("%zu entries of one 100-byte field; median of %d rounds (each round runs every row once, in\n"
                "this order); CPU: the client's thread, ns per entry\n",
                entries, reps);
    print(configs, entries);
    client.close();
    io.run();
}
