#pragma once
// A real redis-server for one test (or benchmark): started on a free loopback
// port and a unix socket, in a temp dir of its own, killed and removed at the
// end. It can be stopped and started again on the same port and data (for
// reconnection tests).
//
// Readiness is an event, not a guess: the server runs `--supervised systemd`
// and tells a datagram socket of ours "READY=1" when it accepts connections;
// we poll(2) that socket and a pidfd of the child (so that a server that dies
// at start fails at once, with its log), bounded by a timeout, then PING it.
// No Catch2 here (the benchmarks use it too): failures throw
// std::runtime_error with the server's log.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace coropipe::test {

struct redis_server_options {
    bool appendonly = true;            ///< --appendonly
    std::string appendfsync = "always"; ///< --appendfsync (always, everysec, no)
    std::string save{};                ///< --save: RDB snapshots ("": none)
    std::string requirepass{};         ///< --requirepass when not empty
    std::vector<std::string> extra{};  ///< more arguments, as "--name", "value", ...
    /// TLS on a second loopback port (`tls_address()`) when `tls_cert` is set.
    std::string tls_cert{};
    std::string tls_key{};
    std::string tls_ca{};                 ///< the CA of client certificates
    std::string tls_auth_clients = "no"; ///< --tls-auth-clients: yes, no, optional
    std::chrono::milliseconds ready_timeout{10000};
};

class redis_server {
public:
    explicit redis_server(redis_server_options options = {}) : options_(std::move(options)) {
        std::string pattern = (std::filesystem::temp_directory_path() / "coropipe-redis-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::system_category(), "mkdtemp");
        }
        dir_ = pattern;
        // A port another process takes between our probe and the server's
        // bind makes it exit at once: then try another.
        for (int attempt = 0;; ++attempt) {
            port_ = free_port();
            tls_port_ = options_.tls_cert.empty() ? 0 : free_port();
            try {
                start();
                return;
            } catch (const std::runtime_error&) {
                if (attempt == 4 || log().find("Address already in use") == std::string::npos) {
                    remove_dir();
                    throw;
                }
            }
        }
    }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;
    ~redis_server() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            reap();
        }
        remove_dir();
    }

    std::uint16_t port() const { return port_; }
    /// "127.0.0.1:PORT"
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    /// "127.0.0.1:TLS_PORT" (with `tls_cert`)
    std::string tls_address() const { return "127.0.0.1:" + std::to_string(tls_port_); }
    /// "unix:DIR/redis.sock"
    std::string unix_address() const { return "unix:" + socket_path(); }
    std::string socket_path() const { return (dir_ / "redis.sock").string(); }
    const std::filesystem::path& dir() const { return dir_; }
    bool running() const { return pid_ > 0; }

    /// Starts the server (again: same port, dir and data) and waits until it
    /// is ready; throws with its log if it is not within `ready_timeout`.
    void start() {
        if (pid_ > 0) {
            throw std::logic_error("redis_server::start: already running");
        }
        const std::filesystem::path notify_path = dir_ / "notify.sock";
        const int notify = bind_notify_socket(notify_path.string());
        spawn(notify_path.string());
        wait_ready(notify);
        ::close(notify);
    }

    /// Stops the server with `sig` (SIGTERM: a clean shutdown; SIGKILL: a
    /// crash) and waits for it to exit.
    void stop(int sig = SIGTERM) {
        if (pid_ <= 0) {
            return;
        }
        ::kill(pid_, sig);
        reap();
    }

    /// Sends `sig` and returns (SIGSTOP: the server hangs, answering
    /// nothing; SIGCONT: it goes on).
    void signal(int sig) const {
        if (pid_ > 0) {
            ::kill(pid_, sig);
        }
    }

    /// The server's log so far.
    std::string log() const {
        std::ifstream in(dir_ / "redis.log", std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }

private:
    static std::uint16_t free_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            const int e = errno;
            if (fd >= 0) {
                ::close(fd);
            }
            throw std::system_error(e, std::system_category(), "finding a free port");
        }
        ::close(fd);
        return ntohs(a.sin_port);
    }

    static int bind_notify_socket(const std::string& path) {
        ::unlink(path.c_str());
        const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        if (fd < 0 || path.size() >= sizeof a.sun_path) {
            throw std::runtime_error("redis_server: cannot make the notify socket " + path);
        }
        path.copy(a.sun_path, path.size());
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            const int e = errno;
            ::close(fd);
            throw std::system_error(e, std::system_category(), "binding " + path);
        }
        return fd;
    }

    void spawn(const std::string& notify_path) {
        std::vector<std::string> args = {"redis-server",
                                         "--port", std::to_string(port_),
                                         "--bind", "127.0.0.1",
                                         "--unixsocket", socket_path(),
                                         "--unixsocketperm", "700",
                                         "--dir", dir_.string(),
                                         "--logfile", (dir_ / "redis.log").string(),
                                         "--daemonize", "no",
                                         "--supervised", "systemd",
                                         "--save", options_.save,
                                         "--appendonly", options_.appendonly ? "yes" : "no",
                                         "--appendfsync", options_.appendfsync};
        if (!options_.requirepass.empty()) {
            args.insert(args.end(), {"--requirepass", options_.requirepass});
        }
        if (!options_.tls_cert.empty()) {
            args.insert(args.end(), {"--tls-port", std::to_string(tls_port_), "--tls-cert-file", options_.tls_cert,
                                     "--tls-key-file", options_.tls_key, "--tls-auth-clients",
                                     options_.tls_auth_clients});
            if (!options_.tls_ca.empty()) {
                args.insert(args.end(), {"--tls-ca-cert-file", options_.tls_ca});
            }
        }
        args.insert(args.end(), options_.extra.begin(), options_.extra.end());
        std::vector<char*> argv;
        for (std::string& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        std::vector<std::string> env_strings = {"NOTIFY_SOCKET=" + notify_path};
        for (char** e = environ; *e != nullptr; ++e) {
            if (!std::string_view(*e).starts_with("NOTIFY_SOCKET=")) {
                env_strings.emplace_back(*e);
            }
        }
        std::vector<char*> env;
        for (std::string& e : env_strings) {
            env.push_back(e.data());
        }
        env.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "redis.stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        const int spawned = ::posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), env.data());
        posix_spawn_file_actions_destroy(&actions);
        if (spawned != 0) {
            pid_ = -1;
            throw std::system_error(spawned, std::system_category(), "starting redis-server");
        }
    }

    void wait_ready(int notify) {
        // Without pidfd_open (Linux < 5.3, valgrind), the child's exit is
        // checked between polls of at most 100 ms instead.
        const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
        const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
        bool ready = false;
        std::string failure;
        while (!ready && failure.empty()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                failure = "not ready within " + std::to_string(options_.ready_timeout.count()) + " ms";
                break;
            }
            pollfd fds[2] = {{notify, POLLIN, 0}, {pidfd, POLLIN, 0}};
            const int wait_ms = pidfd >= 0 ? static_cast<int>(left.count()) : std::min(100, static_cast<int>(left.count()));
            if (::poll(fds, pidfd >= 0 ? 2 : 1, wait_ms) < 0 && errno != EINTR) {
                failure = "poll failed";
            }
            if (pidfd < 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                failure = "redis-server exited at start";
                break;
            }
            if (fds[0].revents & POLLIN) {
                char message[512];
                const ssize_t n = ::recv(notify, message, sizeof message, 0);
                if (n > 0 && std::string_view(message, static_cast<std::size_t>(n)).find("READY=1") !=
                                 std::string_view::npos) {
                    ready = true;
                }
            }
            if (!ready && (fds[1].revents & POLLIN)) {
                failure = "redis-server exited at start";
            }
        }
        if (pidfd >= 0) {
            ::close(pidfd);
        }
        if (ready && !answers_ping()) {
            failure = "ready, but it does not answer PING on port " + std::to_string(port_);
        }
        if (!failure.empty()) {
            stop(SIGKILL);
            std::ifstream err(dir_ / "redis.stderr");
            throw std::runtime_error("redis_server: " + failure + "\n--- redis.log:\n" + log() + "--- stderr:\n" +
                                     std::string(std::istreambuf_iterator<char>(err), {}));
        }
    }

    /// One PING over a blocking loopback connection: "+PONG", or an error
    /// such as NOAUTH, is an answer.
    bool answers_ping() const {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port_);
        timeval timeout{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        bool answered = false;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::write(fd, "PING\r\n", 6) == 6) {
            char reply[64];
            const ssize_t n = ::read(fd, reply, sizeof reply);
            answered = n > 0 && (reply[0] == '+' || reply[0] == '-');
        }
        ::close(fd);
        return answered;
    }

    void reap() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }

    void remove_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    redis_server_options options_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    pid_t pid_ = -1;
};

} // namespace coropipe::test
