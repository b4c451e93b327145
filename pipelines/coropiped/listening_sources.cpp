// tcp and unix stream sources: a listener, and a run per connection.
#include "source_support.hpp"

#include "log.hpp"
#include "sinks.hpp" // address_text
#include "tls.hpp"

#include <coropipe/asio/listener.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/strand.hpp>

#include <cerrno>
#include <cstring>
#include <type_traits>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coropiped {

namespace net = boost::asio;
using namespace coropipe::asio;
using tcp = net::ip::tcp;
using unix_stream = net::local::stream_protocol;

namespace {


template <class Protocol>
class listening_source final : public running_source {
public:
    listening_source(const source_config& c, source_env env, typename Protocol::acceptor acceptor)
        : name_(c.name), env_(std::move(env)), options_(options_for(c, env_.metrics)), tls_(tls_for(c)) {
        listener_options lo;
        lo.name = c.name;
        lo.max_connections = c.max_connections;
        lo.idle_timeout = c.idle_timeout;
        lo.metrics = env_.metrics;
        lo.log = log_to_stderr;
        listener_ = std::make_shared<listener<Protocol>>(
            env_.io->get_executor(), std::move(acceptor), std::move(lo),
            [this](std::shared_ptr<connection<Protocol>> conn, std::function<void()> done) {
                serve(std::move(conn), std::move(done));
            });
    }
    ~listening_source() override = default;

    void start() override {
        env_.runs->started(); // the listener itself, until stopped
        listener_->start();
    }

    void stop() override {
        listener_->stop([runs = env_.runs] { runs->finished(); });
    }

    bool update(const source_config& next) override {
        listener_->update(next.max_connections, next.idle_timeout);
        std::shared_ptr<const tls_settings> tls;
        try {
            tls = tls_for(next); // certificates read again: established connections keep theirs
        } catch (const std::exception& e) {
            log(log_level::error, "source " + name_ + ": TLS settings not reloaded, the old ones stay: " + e.what());
            std::lock_guard lock(mutex_);
            tls = tls_;
        }
        std::lock_guard lock(mutex_);
        options_ = options_for(next, env_.metrics);
        tls_ = std::move(tls);
        return true;
    }

    std::string trouble() const override {
        return listener_->degraded() ? "source " + name_ + ": cannot accept connections (out of descriptors?)"
                                     : std::string();
    }

private:
    // On the listener's strand; the run goes on the connection's strand.
    void serve(std::shared_ptr<connection<Protocol>> conn, std::function<void()> done) {
        run_options o;
        std::shared_ptr<const tls_settings> tls;
        {
            std::lock_guard lock(mutex_);
            o = options_;
            tls = tls_;
        }
        env_.runs->started();
        auto executor = conn->socket.get_executor();
        auto ended = [name = name_, metrics = env_.metrics, runs = env_.runs, done](std::exception_ptr e, run_stats) {
            report_end(name, e, metrics);
            log(log_level::info, "source " + name + ": connection closed");
            done();
            runs->finished();
        };
        if constexpr (std::is_same_v<Protocol, tcp>) {
            if (tls) {
                accept_tls(
                    std::move(conn), std::move(tls), name_,
                    [executor, table = env_.table, o = std::move(o), ended](std::shared_ptr<tls_connection> t) mutable {
                        async_run(executor, tls_source(std::move(t)), std::shared_ptr<const route_table>(table),
                                  std::move(o), std::move(ended));
                    },
                    [runs = env_.runs, done] {
                        done();
                        runs->finished();
                    });
                return;
            }
        }
        async_run(executor, connection_source<Protocol>(std::move(conn)), std::shared_ptr<const route_table>(env_.table),
                  std::move(o), std::move(ended));
    }

    static std::shared_ptr<const tls_settings> tls_for(const source_config& c) {
        if constexpr (std::is_same_v<Protocol, tcp>) {
            return make_tls_settings(c);
        }
        return nullptr;
    }

    std::string name_;
    source_env env_;
    std::mutex mutex_;
    run_options options_; // for new connections
    std::shared_ptr<const tls_settings> tls_; // tcp with tls.cert; for new connections
    std::shared_ptr<listener<Protocol>> listener_;
};

} // namespace

std::unique_ptr<running_source> open_tcp(const source_config& c, source_env env) {
    tcp::acceptor acceptor(*env.io);
    try {
        const tcp::endpoint at = resolve<tcp::endpoint>(*env.io, c.listen);
        acceptor.open(at.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen(net::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
        cannot(c, "listen on tcp " + address_text(c.listen), e.code().message());
    }
    const tcp::endpoint local = acceptor.local_endpoint();
    log(log_level::info, "source " + c.name + ": listening on tcp " + endpoint_text(local.address(), local.port()));
    try {
        return std::make_unique<listening_source<tcp>>(c, std::move(env), std::move(acceptor));
    } catch (const std::runtime_error& e) {
        cannot(c, "set up TLS", e.what());
    }
}

/// `owner`/`group` of a unix socket: a name or a number.
template <class Lookup>
long id_of(const std::string& name, Lookup lookup) {
    if (name.empty()) {
        return -1;
    }
    if (name.find_first_not_of("0123456789") == std::string::npos) {
        return std::stol(name);
    }
    return lookup(name);
}

std::unique_ptr<running_source> open_unix(const source_config& c, source_env env) {
    unix_stream::acceptor acceptor(*env.io);
    const std::string path = c.path.string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
        cannot(c, "listen on unix " + path, "something that is not a socket is there (not removed)");
    }
    try {
        ::unlink(path.c_str()); // a stale socket file from an earlier run
        acceptor.open(unix_stream());
        acceptor.bind(unix_stream::endpoint(path));
        acceptor.listen(net::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
        cannot(c, "listen on unix " + path, e.code().message());
    }
    // As rsyslog's /dev/log, anyone may log by default; `mode` restricts it.
    const unsigned mode = c.socket_mode.value_or(0666);
    if (::chmod(path.c_str(), mode) != 0) {
        cannot(c, "set the mode of " + path, std::strerror(errno));
    }
    const long uid = id_of(c.socket_owner, [](const std::string& n) -> long {
        const passwd* p = ::getpwnam(n.c_str());
        return p != nullptr ? static_cast<long>(p->pw_uid) : -2;
    });
    const long gid = id_of(c.socket_group, [](const std::string& n) -> long {
        const group* g = ::getgrnam(n.c_str());
        return g != nullptr ? static_cast<long>(g->gr_gid) : -2;
    });
    if (uid == -2 || gid == -2) {
        cannot(c, "set the owner of " + path, "no such " + std::string(uid == -2 ? "user '" + c.socket_owner + "'"
                                                                                  : "group '" + c.socket_group + "'"));
    }
    if ((uid >= 0 || gid >= 0) &&
        ::chown(path.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) {
        cannot(c, "set the owner of " + path, std::strerror(errno));
    }
    log(log_level::info, "source " + c.name + ": listening on unix " + path);
    return std::make_unique<listening_source<unix_stream>>(c, std::move(env), std::move(acceptor));
}

} // namespace coropiped
