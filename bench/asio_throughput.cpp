// Loopback TCP → grep → file on one io_context, against the same bytes read
// from a file by the synchronous library (the ceiling), as a plain program.
//
// - ceiling: `lines(corpus) | grep("ERROR") | print(fd)`, the corpus in the
//   page cache (the synchronous library, the `coropipe 'grep ERROR'` path).
// - TCP, 1 sender: a sender thread writes the whole corpus, held in memory,
//   into one loopback TCP connection; on the main thread one io_context
//   runs `stream_source(socket) → grep("ERROR") → file_sink`.
// - TCP, 100 senders: the corpus cut into 100 slices at line boundaries,
//   written concurrently into 100 connections by the sender thread (one
//   io_context, async writes); 100 pipelines on the main thread's io_context,
//   all appending to one output file.
// - the TCP floor: the same senders, the same bytes, read and discarded on
//   the main thread (async reads as large as a stream_source's): what
//   loopback TCP itself costs on this machine, the best any pipeline could
//   do.
//
// The senders write each connection's bytes with as few send() calls as
// the socket buffer allows (`async_write` would cut them into 64 KiB
// writes, which made the sender, not the pipeline, the slower side).
//
// `reps` rounds, each running every configuration once (so that a change
// in the machine's load falls on all alike); each row is the median wall
// time of its runs, with the main (pipeline) thread's CPU time. Every run's output is checked
// against the ceiling's: byte for byte for one sender, as the same sorted
// lines for 100 (batches from different connections interleave).
//
// Run: bench_asio_throughput CORPUS OUTDIR [reps [cli_seconds]]
// (bench/asio_run.sh makes the corpus with coropipe-genlog, times the `coropipe`
// CLI on it and passes its median as cli_seconds for a second ratio).
#include <coropipe/asio/file_sink.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/asio/stream_source.hpp>
#include <coropipe/coropipe.hpp>
#include <coropipe/text_pipeline.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "bench_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using clock_type = std::chrono::steady_clock;

using coropipe::bench::thread_cpu_seconds;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

int open_output(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0) {
        std::perror(path.c_str());
        std::exit(2);
    }
    return fd;
}

std::vector<std::string_view> sorted_lines(const std::string& text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        out.emplace_back(text.data() + start, end - start);
        start = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// `parts` slices of `text`, each ending at a '\n'.
std::vector<std::string_view> slices(const std::string& text, std::size_t parts) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 1; i <= parts; ++i) {
        std::size_t end = text.size() * i / parts;
        if (i < parts) {
            end = text.find('\n', std::max(end, start));
            end = end == std::string::npos ? text.size() : end + 1;
        } else {
            end = text.size();
        }
        out.emplace_back(text.data() + start, end - start);
        start = end;
    }
    return out;
}

struct timing {
    double wall = 0;
    double cpu = 0; ///< the pipelines' (main) thread
};

timing run_sync(const std::string& corpus_path, const std::string& out_path) {
    const int out = open_output(out_path);
    const double cpu0 = thread_cpu_seconds();
    const auto start = clock_type::now();
    coropipe::lines(corpus_path) | coropipe::grep("ERROR") | coropipe::print(out);
    timing t{std::chrono::duration<double>(clock_type::now() - start).count(), thread_cpu_seconds() - cpu0};
    ::close(out);
    return t;
}

/// Writes `data` into `socket`, each send() as large as the socket buffer
/// takes, then shuts down the sending side. `socket` outlives the writes.
void send_all(tcp::socket& socket, std::string_view data) {
    socket.async_write_some(net::buffer(data.data(), data.size()),
                            [&socket, data](boost::system::error_code ec, std::size_t n) {
                                if (!ec && n < data.size()) {
                                    send_all(socket, data.substr(n));
                                    return;
                                }
                                socket.shutdown(tcp::socket::shutdown_send, ec);
                            });
}

/// Reads `socket` to its end into `buffer`, discarding the bytes, adding
/// their number to `*bytes`.
void discard_all(tcp::socket& socket, std::vector<char>& buffer, std::uint64_t* bytes) {
    socket.async_read_some(net::buffer(buffer), [&socket, &buffer, bytes](boost::system::error_code ec, std::size_t n) {
        *bytes += n;
        if (!ec) {
            discard_all(socket, buffer, bytes);
        }
    });
}

enum class reader : unsigned char {
    planned, ///< the pipeline text "grep ERROR", planned (its whole-buffer search)
    stage,   ///< the stage `grep("ERROR")`, run line by line
    floor,   ///< no pipeline: the bytes read and discarded
};

timing run_tcp(const std::string& corpus, std::size_t senders, const std::string& out_path, reader how,
               bool* failed) {
    const coropipe::text_pipeline grep_error("grep ERROR");
    const int out = open_output(out_path);
    net::io_context server_io(1);
    net::io_context client_io(1);
    tcp::acceptor acceptor(server_io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    std::vector<tcp::socket> clients;
    std::vector<tcp::socket> servers;
    clients.reserve(senders);
    servers.reserve(senders);
    for (std::size_t i = 0; i < senders; ++i) {
        clients.emplace_back(client_io).connect(acceptor.local_endpoint());
        servers.push_back(acceptor.accept());
    }
    const std::vector<std::string_view> parts = slices(corpus, senders);

    std::size_t ok = 0;
    std::uint64_t bytes_in = 0;
    auto done = [&](std::exception_ptr e, coropipe::asio::run_stats stats) {
        ok += e == nullptr;
        bytes_in += stats.bytes_in;
    };
    std::vector<char> discarded(coropipe::detail::read_scratch().size()); // what a stream_source reads at most
    for (std::size_t i = 0; i < senders; ++i) {
        if (how == reader::floor) {
            ok += 1;
            discard_all(servers[i], discarded, &bytes_in);
        } else if (how == reader::planned) {
            coropipe::asio::async_run(server_io.get_executor(), coropipe::asio::stream_source(servers[i]), grep_error,
                                      coropipe::asio::file_sink(out), coropipe::asio::run_options{}, done);
        } else {
            coropipe::asio::async_run(server_io.get_executor(), coropipe::asio::stream_source(servers[i]),
                                      coropipe::grep("ERROR"), coropipe::asio::file_sink(out), done);
        }
    }
    const double cpu0 = thread_cpu_seconds();
    const auto start = clock_type::now();
    std::thread sender([&] {
        for (std::size_t i = 0; i < senders; ++i) {
            send_all(clients[i], parts[i]);
        }
        client_io.run();
    });
    server_io.run();
    timing t{std::chrono::duration<double>(clock_type::now() - start).count(), thread_cpu_seconds() - cpu0};
    sender.join();
    ::close(out);
    if (ok != senders || bytes_in != corpus.size()) {
        std::fprintf(stderr, "tcp x%zu: %zu of %zu runs ok, %llu of %zu bytes\n", senders, ok, senders,
                     static_cast<unsigned long long>(bytes_in), corpus.size());
        *failed = true;
    }
    return t;
}

timing median_of(std::vector<timing> runs) {
    std::sort(runs.begin(), runs.end(), [](const timing& a, const timing& b) { return a.wall < b.wall; });
    return runs[runs.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s CORPUS OUTDIR [reps [cli_seconds]]\n", argv[0]);
        return 2;
    }
    const std::string corpus_path = argv[1];
    const std::string dir = argv[2];
    const int reps = argc > 3 ? std::atoi(argv[3]) : 3;
    const double cli_seconds = argc > 4 ? std::atof(argv[4]) : 0.0;

    const std::string corpus = read_file(corpus_path);
    const auto line_count = static_cast<double>(std::count(corpus.begin(), corpus.end(), '\n'));
    const double mb = static_cast<double>(corpus.size()) / 1e6;
    bool failed = false;

    // Each round runs every configuration once, so that a change in the
    // machine's load falls on all of them alike; each row is the median of
    // its `reps` runs.
    std::vector<timing> sync_runs;
    std::vector<timing> runs[6]; // tcp1, tcp100, stage1, stage100, floor1, floor100
    std::string expected;
    std::vector<std::string_view> expected_sorted;
    for (int round = 0; round < reps; ++round) {
        sync_runs.push_back(run_sync(corpus_path, dir + "/sync.out"));
        if (round == 0) {
            expected = read_file(dir + "/sync.out");
            expected_sorted = sorted_lines(expected);
        }
        const reader hows[] = {reader::planned, reader::stage, reader::floor};
        for (int k = 0; k < 3; ++k) {
            runs[2 * k].push_back(run_tcp(corpus, 1, dir + "/tcp1.out", hows[k], &failed));
            if (hows[k] != reader::floor && read_file(dir + "/tcp1.out") != expected) {
                std::fprintf(stderr, "tcp x1: output differs from the synchronous run\n");
                failed = true;
            }
            runs[2 * k + 1].push_back(run_tcp(corpus, 100, dir + "/tcp100.out", hows[k], &failed));
            if (hows[k] != reader::floor && sorted_lines(read_file(dir + "/tcp100.out")) != expected_sorted) {
                std::fprintf(stderr, "tcp x100: output lines differ from the synchronous run\n");
                failed = true;
            }
        }
    }
    const timing sync = median_of(sync_runs);
    const timing tcp1 = median_of(runs[0]);
    const timing tcp100 = median_of(runs[1]);
    const timing tcp1_stage = median_of(runs[2]);
    const timing tcp100_stage = median_of(runs[3]);
    const timing floor1 = median_of(runs[4]);
    const timing floor100 = median_of(runs[5]);

    std::printf("corpus: %.0f lines, %.1f MB; output %zu lines; median of %d runs; outputs checked: %s\n\n",
                line_count, mb, expected_sorted.size(), reps, failed ? "FAILED" : "identical");
    std::printf("| configuration | wall s | M lines/s | MB/s | pipeline thread CPU s | vs sync library | vs TCP floor "
                "| vs CLI |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    const auto print_row = [&](const char* name, timing t, const timing* floor) {
        char cli[32] = "";
        if (cli_seconds > 0) {
            std::snprintf(cli, sizeof cli, "%.2f×", cli_seconds / t.wall);
        }
        char vs_floor[32] = "";
        if (floor != nullptr) {
            std::snprintf(vs_floor, sizeof vs_floor, "%.2f×", floor->wall / t.wall);
        }
        std::printf("| %s | %.3f | %.2f | %.0f | %.3f | %.2f× | %s | %s |\n", name, t.wall,
                    line_count / t.wall / 1e6, mb / t.wall, t.cpu, sync.wall / t.wall, vs_floor, cli);
    };
    if (cli_seconds > 0) {
        std::printf("| `coropipe 'grep ERROR' corpus > file` (the CLI) | %.3f | %.2f | %.0f | | %.2f× | | 1 |\n",
                    cli_seconds, line_count / cli_seconds / 1e6, mb / cli_seconds, sync.wall / cli_seconds);
    }
    print_row("`lines(corpus) \\| grep(\"ERROR\") \\| print(fd)` (sync library, ceiling)", sync, nullptr);
    print_row("loopback TCP, 1 sender → read and discarded (TCP floor)", floor1, nullptr);
    print_row("loopback TCP, 100 senders → read and discarded (TCP floor)", floor100, nullptr);
    print_row("loopback TCP, 1 sender → `text_pipeline(\"grep ERROR\")` → file", tcp1, &floor1);
    print_row("loopback TCP, 100 senders → 100 × `text_pipeline(\"grep ERROR\")` → 1 file", tcp100, &floor100);
    print_row("loopback TCP, 1 sender → stage `grep(\"ERROR\")` (line by line) → file", tcp1_stage, &floor1);
    print_row("loopback TCP, 100 senders → 100 × stage `grep(\"ERROR\")` → 1 file", tcp100_stage, &floor100);
    return failed ? 1 : 0;
}
