#include "sources.hpp"

#include "source_support.hpp"

#include "broker.hpp"
#include "log.hpp"
#include "sinks.hpp" // address_text

#include <coropipe/asio/datagram_source.hpp>
#include <coropipe/asio/descriptor.hpp>
#include <coropipe/asio/file_source.hpp>
#include <coropipe/asio/listener.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/strand.hpp>

#include <mutex>
#include <stdexcept>

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coropiped {

namespace net = boost::asio;
using namespace coropipe::asio;
using coropipe::follow_event;
using coropipe::follow_options;
using coropipe::follow_start;
using tcp = net::ip::tcp;
using udp = net::ip::udp;
using unix_stream = net::local::stream_protocol;

run_options options_for(const source_config& c, counters* metrics) {
    run_options o;
    o.max_line = c.max_line;
    using sk = source_config::kind;
    const bool stream = c.type == sk::tcp || c.type == sk::unix_stream || c.type == sk::stdin_;
    o.framing = !stream || c.frames == source_config::framing::newline ? framing::newline
                : c.frames == source_config::framing::octet          ? framing::octet_counting
                                                                      : framing::automatic;
    o.lossy = c.type == sk::udp;
    o.hold_partial = c.type == sk::file;
    o.source = metrics;
    o.on_route_error = [](const std::string& route, std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            log(log_level::error, "pipeline " + route + ": " + x.what() + "; it stops for this input");
        }
    };
    return o;
}

/// A run has ended: an error is told (but the end that stop() caused).
void report_end(const std::string& source, std::exception_ptr e, counters* metrics) {
    if (!e) {
        return;
    }
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
        if (x.code() == net::error::operation_aborted) {
            return;
        }
        log(log_level::warning, "source " + source + ": " + x.what());
    } catch (const std::exception& x) {
        log(log_level::warning, "source " + source + ": " + x.what());
    }
    metrics->errors.fetch_add(1, std::memory_order_relaxed);
}

std::string endpoint_text(const net::ip::address& a, unsigned short port) {
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port);
}

[[noreturn]] void cannot(const source_config& c, const std::string& what, const std::string& why) {
    throw std::runtime_error("source " + c.name + ": cannot " + what + ": " + why);
}

namespace {

// ---- udp, stdin, a followed file: one run -----------------------------------------

/// Where a followed file's whole lines handed on end, shared by its run
/// (which writes it) and the daemon's checkpoints (which read it).
struct file_progress {
    mutable std::mutex mutex;
    std::optional<coropipe::file_position> accepted;
};

/// A followed file as its run reads it. When the run asks for the next
/// chunk, the output of the one before has been accepted by the sinks
/// (async_run writes a chunk's output before it reads again): the end of
/// that chunk's last whole line is then published as `accepted`. (A stage
/// that holds lines back, `uniq` or `sort`, is not seen: its lines count
/// as accepted once read.)
struct checkpointed_file {
    std::shared_ptr<followed_file> s;
    std::shared_ptr<file_progress> progress;
    std::optional<coropipe::file_position> pending; // where the last chunk's whole lines end

    std::optional<std::string_view> try_read_chunk() {
        if (pending) {
            std::lock_guard lock(progress->mutex);
            progress->accepted = std::exchange(pending, std::nullopt);
        }
        std::optional<std::string_view> chunk = s->try_read_chunk();
        if (chunk && !chunk->empty()) {
            if (const std::size_t nl = chunk->rfind('\n'); nl != std::string_view::npos) {
                coropipe::file_position at = s->follower().position(); // the end of the chunk
                at.offset -= static_cast<std::int64_t>(chunk->size() - nl - 1);
                pending = at;
            }
        }
        return chunk;
    }
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return s->async_wait_chunk(std::forward<Token>(token));
    }    // After async_wait_chunk: read_chunk_of needs its deduced return type.
    net::awaitable<std::string_view> read_chunk() { return coropipe::asio::read_chunk_of(this); }
};

template <class S, class Reader = shared_source<S>>
class single_run_source final : public running_source {
public:
    using stopper = std::function<void(S&)>;

    single_run_source(const source_config& c, source_env env, std::shared_ptr<S> s, stopper stop,
                      std::function<void(std::exception_ptr, run_stats)> on_end = {},
                      std::shared_ptr<file_progress> progress = {})
        : config_(c), env_(std::move(env)), s_(std::move(s)), stop_(std::move(stop)), on_end_(std::move(on_end)),
          progress_(std::move(progress)), strand_(net::make_strand(*env_.io)) {}

    std::optional<coropipe::file_position> accepted() const override {
        if (!progress_) {
            return std::nullopt;
        }
        std::lock_guard lock(progress_->mutex);
        return progress_->accepted;
    }

    void start() override {
        env_.runs->started();
        Reader reader{};
        reader.s = s_;
        if constexpr (requires { reader.progress; }) {
            reader.progress = progress_;
        }
        async_run(strand_, std::move(reader), std::shared_ptr<const route_table>(env_.table),
                  options_for(config_, env_.metrics),
                  [name = config_.name, metrics = env_.metrics, runs = env_.runs, on_end = on_end_](
                      std::exception_ptr e, run_stats stats) {
                      report_end(name, e, metrics);
                      if (on_end) {
                          on_end(e, stats);
                      }
                      runs->finished();
                  });
    }

    void stop() override {
        net::post(strand_, [s = s_, stop = stop_] { stop(*s); });
    }

    bool update(const source_config& next) override {
        // A changed max_line or receive_buffer needs a new run: not in place.
        return next == config_;
    }

private:
    source_config config_;
    source_env env_;
    std::shared_ptr<S> s_;
    stopper stop_;
    std::function<void(std::exception_ptr, run_stats)> on_end_;
    std::shared_ptr<file_progress> progress_;
    net::strand<net::io_context::executor_type> strand_;
};

std::unique_ptr<running_source> open_udp(const source_config& c, source_env env) {
    auto socket = std::make_shared<udp::socket>(*env.io);
    try {
        const udp::endpoint at = resolve<udp::endpoint>(*env.io, c.listen);
        socket->open(at.protocol());
        socket->set_option(udp::socket::reuse_address(true));
        if (c.receive_buffer != 0) {
            // SO_RCVBUFFORCE (root) goes past net.core.rmem_max; else what the kernel allows.
            const int size = static_cast<int>(std::min<std::size_t>(c.receive_buffer, 1U << 30));
            if (::setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
                boost::system::error_code ignored;
                socket->set_option(net::socket_base::receive_buffer_size(size), ignored);
            }
        }
        socket->bind(at);
    } catch (const boost::system::system_error& e) {
        cannot(c, "listen on udp " + address_text(c.listen), e.code().message());
    }
    net::socket_base::receive_buffer_size got;
    socket->get_option(got);
    const udp::endpoint local = socket->local_endpoint();
    log(log_level::info, "source " + c.name + ": listening on udp " + endpoint_text(local.address(), local.port()) +
                             " (receive buffer " + std::to_string(got.value() / 2) + " bytes)");
    auto source = std::make_shared<datagram_source<udp::socket>>(*socket, env.metrics); // kernel drops counted
    // The socket lives as long as the source's shared state.
    std::shared_ptr<datagram_source<udp::socket>> held(source.get(), [source, socket](auto*) {});
    return std::make_unique<single_run_source<datagram_source<udp::socket>>>(
        c, std::move(env), std::move(held), [](datagram_source<udp::socket>& s) { s.stop(); });
}

std::unique_ptr<running_source> open_stdin(const source_config& c, source_env env) {
    auto source = std::make_shared<descriptor_source>(env.io->get_executor(), 0);
    return std::make_unique<single_run_source<descriptor_source>>(c, std::move(env), std::move(source),
                                                                  [](descriptor_source& s) { s.close(); });
}

std::unique_ptr<running_source> open_file(const source_config& c, source_env env) {
    follow_options f;
    f.start = c.start == source_config::position::end ? follow_start::end : follow_start::beginning;
    f.on_event = [name = c.name](follow_event event, const std::filesystem::path& path) {
        log(log_level::info, "source " + name + ": " + path.string() + ": " + describe(event));
    };
    if (env.positions != nullptr) {
        f.resume = env.positions->get(c.name);
    }
    std::shared_ptr<followed_file> file;
    try {
        file = std::make_shared<followed_file>(env.io->get_executor(), c.path, std::move(f));
    } catch (const std::system_error& e) {
        cannot(c, "follow " + c.path.string(), e.code().message());
    }
    log(log_level::info, "source " + c.name + ": following " + c.path.string());
    auto on_end = [name = c.name, positions = env.positions, file](std::exception_ptr e, run_stats stats) {
        // After a failed run the saved offset stays where it was: lines may
        // come again, none is lost.
        if (positions != nullptr && !e) {
            coropipe::file_position at = file->follower().position();
            at.offset -= static_cast<std::int64_t>(stats.held_bytes); // a last partial line is read again
            positions->set(name, at);
        }
    };
    return std::make_unique<single_run_source<followed_file, checkpointed_file>>(
        c, std::move(env), std::move(file), [](followed_file& s) { s.stop(); }, on_end,
        std::make_shared<file_progress>());
}

} // namespace

bool same_place(const source_config& current, const source_config& next) {
    return current.type == next.type && current.listen == next.listen && current.path == next.path &&
           current.broker_address == next.broker_address && current.stream == next.stream &&
           current.consumer_group == next.consumer_group && current.consumer == next.consumer;
}

std::unique_ptr<running_source> open_source(const source_config& c, source_env env) {
    switch (c.type) {
    case source_config::kind::tcp:
        return open_tcp(c, std::move(env));
    case source_config::kind::unix_stream:
        return open_unix(c, std::move(env));
    case source_config::kind::udp:
        return open_udp(c, std::move(env));
    case source_config::kind::stdin_:
        return open_stdin(c, std::move(env));
    case source_config::kind::redis_stream:
        return open_redis_stream(c, std::move(env));
    case source_config::kind::file:
        break;
    }
    return open_file(c, std::move(env));
}

} // namespace coropiped
