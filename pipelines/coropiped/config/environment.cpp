// check_environment: what the file cannot say and the running system can
// (directories that do not exist or cannot be written, ports in use, users
// that do not exist), for `coropiped --check`.

#include "config.hpp"

#include "config/text.hpp"

#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

namespace coropiped {

namespace {

using loader::key_path;
using loader::shown;

std::string reason(int err) { return std::generic_category().message(err); }

class environment_check {
public:
    explicit environment_check(const daemon_config& config) : config_(config) {}

    void report(std::string key, std::string message) {
        found_.push_back(diagnostic_at(config_, std::move(key), std::move(message)));
    }
    void add(config_diagnostic d) { found_.push_back(std::move(d)); }

    std::vector<config_diagnostic> take() {
        std::stable_sort(found_.begin(), found_.end(), [](const config_diagnostic& a, const config_diagnostic& b) {
            return std::pair(a.line, a.column) < std::pair(b.line, b.column);
        });
        return std::move(found_);
    }

    // The directory of `file` exists and this process may `need` (access(2)
    // bits) in it; false after a report.
    bool directory(const std::string& key, const std::filesystem::path& file, int need, std::string_view doing) {
        std::filesystem::path dir = file.parent_path();
        if (dir.empty()) {
            dir = ".";
        }
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0) {
            const int err = errno;
            report(key, err == ENOENT ? "directory " + shown(dir.native()) + " does not exist"
                                      : "directory " + shown(dir.native()) + ": " + reason(err));
            return false;
        }
        if (!S_ISDIR(st.st_mode)) {
            report(key, shown(dir.native()) + " is not a directory");
            return false;
        }
        if (::access(dir.c_str(), need) != 0) {
            report(key, "directory " + shown(dir.native()) + " is not " + std::string(doing) + ": " + reason(errno));
            return false;
        }
        return true;
    }

    // A file the daemon appends to or creates.
    void written_file(const std::string& key, const std::filesystem::path& file) {
        if (!directory(key, file, W_OK | X_OK, "writable")) {
            return;
        }
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) {
            return; // created when needed
        }
        if (S_ISDIR(st.st_mode)) {
            report(key, shown(file.native()) + " is a directory");
        } else if (::access(file.c_str(), W_OK) != 0) {
            report(key, shown(file.native()) + " is not writable: " + reason(errno));
        }
    }

    void followed_file(const std::string& key, const std::filesystem::path& file) {
        if (!directory(key, file, X_OK, "searchable")) {
            return;
        }
        struct stat st {};
        if (::stat(file.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) && ::access(file.c_str(), R_OK) != 0) {
            report(key, shown(file.native()) + " is not readable: " + reason(errno));
        }
    }

    void unix_socket(const std::string& key, const std::filesystem::path& socket) {
        if (!directory(key, socket, W_OK | X_OK, "writable")) {
            return;
        }
        struct stat st {};
        if (::lstat(socket.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
            report(key, shown(socket.native()) + " exists and is not a socket");
        }
    }

    // Binds a socket of `type` (SOCK_STREAM, SOCK_DGRAM) to `e` with
    // SO_REUSEADDR, as the daemon does, and closes it at once.
    void bindable(const std::string& key, const endpoint& e, int type) {
        const std::string shown_address =
            (e.host.find(':') != std::string::npos ? '[' + e.host + ']' : e.host) + ':' + std::to_string(e.port);
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = type;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        addrinfo* results = nullptr;
        const int rc = ::getaddrinfo(e.host.c_str(), std::to_string(e.port).c_str(), &hints, &results);
        if (rc != 0) {
            report(key, "cannot resolve " + shown(e.host) + ": " + ::gai_strerror(rc));
            return;
        }
        // The first address, as the daemon's resolver takes it.
        const int fd = ::socket(results->ai_family, results->ai_socktype | SOCK_CLOEXEC, results->ai_protocol);
        int err = fd < 0 ? errno : 0;
        if (fd >= 0) {
            const int on = 1;
            (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
            if (::bind(fd, results->ai_addr, results->ai_addrlen) != 0) {
                err = errno;
            }
            ::close(fd);
        }
        ::freeaddrinfo(results);
        if (err == EADDRINUSE) {
            report(key, "cannot listen on " + shown_address + ": already in use");
        } else if (err == EACCES && e.port != 0 && e.port < 1024) {
            report(key, "cannot listen on " + shown_address + ": port " + std::to_string(e.port) +
                            " needs root or CAP_NET_BIND_SERVICE");
        } else if (err != 0) {
            report(key, "cannot listen on " + shown_address + ": " + reason(err));
        }
    }

    // A user (`group` false) or group name that must exist; a number need not.
    void account(const std::string& key, const std::string& name, bool group) {
        if (name.empty() || std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return;
        }
        std::vector<char> buffer(16384);
        while (true) {
            int rc = 0;
            bool exists = false;
            if (group) {
                ::group g{};
                ::group* out = nullptr;
                rc = ::getgrnam_r(name.c_str(), &g, buffer.data(), buffer.size(), &out);
                exists = out != nullptr;
            } else {
                ::passwd p{};
                ::passwd* out = nullptr;
                rc = ::getpwnam_r(name.c_str(), &p, buffer.data(), buffer.size(), &out);
                exists = out != nullptr;
            }
            if (rc == ERANGE && buffer.size() < (1U << 24)) {
                buffer.resize(buffer.size() * 2);
                continue;
            }
            if (!exists) {
                report(key, "no " + std::string(group ? "group " : "user ") + shown(name) + " on this system" +
                                (rc != 0 && rc != ENOENT ? ": " + reason(rc) : std::string()));
            }
            return;
        }
    }

private:
    const daemon_config& config_;
    std::vector<config_diagnostic> found_;
};

// `p` with every symbolic link resolved, a dangling one at its end too (the
// file a sink will create); as far as it can be resolved.
std::filesystem::path resolved(std::filesystem::path p) {
    for (int links = 0; links < 40; ++links) { // as the kernel's ELOOP limit
        std::error_code ec;
        std::filesystem::path canonical = std::filesystem::weakly_canonical(p, ec);
        if (ec) {
            return p;
        }
        p = std::move(canonical);
        if (!std::filesystem::is_symlink(std::filesystem::symlink_status(p, ec))) {
            return p;
        }
        const std::filesystem::path target = std::filesystem::read_symlink(p, ec);
        if (ec) {
            return p;
        }
        p = target.is_absolute() ? target : p.parent_path() / target;
    }
    return p;
}

// The same file: the same inode when both exist, else the same path once
// every symbolic link is resolved.
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
    struct stat sa {};
    struct stat sb {};
    if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) {
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    }
    return resolved(a) == resolved(b);
}

/// Calls `f(key, path)` for each file a sink writes: its path, its spool.
template <class F>
void for_each_written(const daemon_config& config, F f) {
    for (const sink_config& s : config.sinks) {
        const std::string table = key_path("sink", s.name);
        if (s.type == sink_config::kind::file) {
            f(key_path(table, "path"), s.path);
        }
        if (!s.spool.empty()) {
            f(key_path(table, "spool"), s.spool);
        }
    }
}

} // namespace

std::vector<config_diagnostic> feedback_loops(const daemon_config& config) {
    environment_check check(config);
    for_each_written(config, [&](const std::string& key, const std::filesystem::path& path) {
        for (const source_config& s : config.sources) {
            if (s.type == source_config::kind::file && same_file(path, s.path)) {
                check.report(key, "is the file " + key_path(key_path("source", s.name), "path") +
                                      " follows (through a link): the output would come back as input");
            }
        }
    });
    return check.take();
}

std::vector<config_diagnostic> check_environment(const daemon_config& config) {
    environment_check check(config);
    if (!config.state_file.empty()) {
        check.written_file("daemon.state_file", config.state_file);
    }
    if (config.metrics_enabled) {
        check.bindable("daemon.metrics_listen", config.metrics_listen, SOCK_STREAM);
    }
    check.account("daemon.user", config.user, false);
    check.account("daemon.group", config.group, true);

    using source_kind = source_config::kind;
    for (const source_config& s : config.sources) {
        const std::string table = key_path("source", s.name);
        switch (s.type) {
        case source_kind::tcp:
        case source_kind::udp:
            check.bindable(key_path(table, "listen"), s.listen, s.type == source_kind::tcp ? SOCK_STREAM : SOCK_DGRAM);
            break;
        case source_kind::unix_stream:
            check.unix_socket(key_path(table, "path"), s.path);
            check.account(key_path(table, "owner"), s.socket_owner, false);
            check.account(key_path(table, "group"), s.socket_group, true);
            break;
        case source_kind::file:
            check.followed_file(key_path(table, "path"), s.path);
            break;
        case source_kind::stdin_:
        case source_kind::redis_stream: // (the server may be down now: the source waits for it)
            break;
        }
    }
    for_each_written(config, [&](const std::string& key, const std::filesystem::path& path) {
        check.written_file(key, path);
    });
    for (config_diagnostic& d : feedback_loops(config)) {
        check.add(std::move(d));
    }
    return check.take();
}

} // namespace coropiped
