// coropiped's check_environment (pipelines/coropiped/config.hpp): what
// `coropiped --check` asks the system, on real directories, real sockets
// and a port held by the test. The checks of permissions run in a child
// process switched to the user `nobody` when the test runs as root (root
// may write anywhere and bind any port).

#include "config.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using coropiped::check_environment;
using coropiped::daemon_config;
using coropiped::parse_config;

namespace {

// A scratch directory others may enter (mkdtemp makes it 0700), where
// config files are written so that relative paths land in it.
struct scratch {
    coropipe::test::temp_dir dir;
    scratch() { std::filesystem::permissions(dir.path(""), std::filesystem::perms(0755)); }
    std::string path(const std::string& name) const { return dir.path(name); }
    void mkdir(const std::string& name, unsigned mode = 0755) const {
        REQUIRE(::mkdir(path(name).c_str(), 0700) == 0);
        REQUIRE(::chmod(path(name).c_str(), mode) == 0);
    }
    std::string write(const std::string& name, const std::string& text, unsigned mode = 0644) const {
        const std::string file = dir.write(name, text);
        REQUIRE(::chmod(file.c_str(), mode) == 0);
        return file;
    }
    // `body` as a config file here (the sections of `with_stdin` around it).
    daemon_config load(const std::string& body) const { return parse_config(body, path("c.toml")); }
};

// A file around `tables`: a stdin source and a pipeline from it to `sink`
// (defined by `tables`), `tables` from line 1.
std::string to_sink(const std::string& tables, const std::string& sink = "out") {
    return tables + "[source.in]\ntype = \"stdin\"\n[pipeline.p]\nfrom = [\"in\"]\nrun = \"uniq\"\nto = [\"" + sink +
           "\"]\n";
}

std::vector<std::string> lines_of(const std::vector<coropiped::config_diagnostic>& found) {
    std::vector<std::string> out;
    for (const coropiped::config_diagnostic& d : found) {
        out.push_back(d.to_string());
    }
    return out;
}

// check_environment as an unprivileged user: directly when not root; as
// root, in a child switched to `nobody`, its messages read back through a pipe.
std::vector<std::string> check_unprivileged(const daemon_config& config) {
    if (::geteuid() != 0) {
        return lines_of(check_environment(config));
    }
    const ::passwd* nobody = ::getpwnam("nobody");
    const uid_t uid = nobody ? nobody->pw_uid : 65534;
    const gid_t gid = nobody ? nobody->pw_gid : 65534;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(fds[0]);
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
            ::_exit(3);
        }
        std::string out;
        for (const std::string& line : lines_of(check_environment(config))) {
            out += line + '\n';
        }
        const char* p = out.data();
        std::size_t left = out.size();
        while (left > 0) {
            const ssize_t n = ::write(fds[1], p, left);
            if (n <= 0) {
                ::_exit(4);
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    std::vector<std::string> out;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = text.find('\n', start);
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// A socket of `type` bound to 127.0.0.1 on a port the kernel picks, held
// until destroyed.
struct held_port {
    int fd = -1;
    std::uint16_t port = 0;
    explicit held_port(int type) {
        fd = ::socket(AF_INET, type, 0);
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        if (type == SOCK_STREAM) {
            REQUIRE(::listen(fd, 4) == 0);
        }
        socklen_t size = sizeof a;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) == 0);
        port = ntohs(a.sin_port);
    }
    held_port(const held_port&) = delete;
    held_port& operator=(const held_port&) = delete;
    ~held_port() { ::close(fd); }
};

} // namespace

TEST_CASE("a good environment gives no problem, and the checked ports stay free", "[daemon][config][environment]") {
    const scratch s;
    s.mkdir("logs");
    s.write("logs/out.log", "old\n");
    s.write("app.log", "x\n");
    std::uint16_t tcp_port = 0;
    std::uint16_t udp_port = 0;
    {
        const held_port tcp(SOCK_STREAM);
        const held_port udp(SOCK_DGRAM);
        tcp_port = tcp.port;
        udp_port = udp.port;
    }
    // A socket left by an earlier run is not in the way: the daemon replaces it.
    const int old_socket = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(old_socket >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string socket_path = s.path("old.sock");
    REQUIRE(socket_path.size() < sizeof address.sun_path);
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    REQUIRE(::bind(old_socket, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(old_socket);
    const std::string tcp_listen = "127.0.0.1:" + std::to_string(tcp_port);
    const std::string udp_listen = "127.0.0.1:" + std::to_string(udp_port);
    const daemon_config c =
        s.load("[daemon]\nstate_file = \"state\"\nmetrics_listen = \"127.0.0.1:0\"\nuser = \"nobody\"\ngroup = \"0\"\n"
               "[source.t]\ntype = \"tcp\"\nlisten = \"" +
               tcp_listen +
               "\"\n"
               "[source.u]\ntype = \"udp\"\nlisten = \"" +
               udp_listen +
               "\"\n"
               "[source.sock]\ntype = \"unix\"\npath = \"c.sock\"\nowner = \"root\"\n"
               "[source.old]\ntype = \"unix\"\npath = \"old.sock\"\n"
               "[source.f]\ntype = \"file\"\npath = \"app.log\"\n"
               "[sink.out]\ntype = \"file\"\npath = \"logs/out.log\"\nspool = \"logs/out.spool\"\n"
               "[pipeline.p]\nfrom = [\"t\", \"u\", \"sock\", \"old\", \"f\"]\nrun = \"uniq\"\nto = [\"out\"]\n");
    CHECK(lines_of(check_environment(c)).empty());
    // Nothing was kept bound: the test can take both ports again.
    for (const auto& [type, port] : {std::pair(SOCK_STREAM, tcp_port), std::pair(SOCK_DGRAM, udp_port)}) {
        const int fd = ::socket(AF_INET, type, 0);
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        CHECK(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        ::close(fd);
    }
}

TEST_CASE("a sink, spool or state file whose directory is missing is reported at its key",
          "[daemon][config][environment]") {
    const scratch s;
    s.write("plain", "");
    const daemon_config c = s.load(to_sink("[daemon]\nstate_file = \"gone/state\"\n"
                                           "[sink.out]\ntype = \"file\"\npath = \"missing/out.log\"\n"
                                           "spool = \"plain/out.spool\"\n"));
    CHECK(lines_of(check_environment(c)) ==
          std::vector<std::string>{
              s.path("c.toml") + ":2:14: daemon.state_file: directory '" + s.path("gone") + "' does not exist",
              s.path("c.toml") + ":5:8: sink.out.path: directory '" + s.path("missing") + "' does not exist",
              s.path("c.toml") + ":6:9: sink.out.spool: '" + s.path("plain") + "' is not a directory",
          });
}

TEST_CASE("a sink in a directory this user cannot write, or a file it cannot write, is reported",
          "[daemon][config][environment]") {
    const scratch s;
    s.mkdir("ro", 0555);
    s.mkdir("rw", 0777);
    s.write("rw/locked.log", "", 0444);
    s.mkdir("rw/dir.log");
    const daemon_config c = s.load(to_sink("[sink.out]\ntype = \"file\"\npath = \"ro/out.log\"\n"
                                           "[sink.b]\ntype = \"file\"\npath = \"rw/locked.log\"\n"
                                           "[sink.c]\ntype = \"tcp\"\naddress = \"h:1\"\nspool = \"rw/dir.log\"\n"));
    CHECK(check_unprivileged(c) ==
          std::vector<std::string>{
              s.path("c.toml") + ":3:8: sink.out.path: directory '" + s.path("ro") +
                  "' is not writable: Permission denied",
              s.path("c.toml") + ":6:8: sink.b.path: '" + s.path("rw/locked.log") +
                  "' is not writable: Permission denied",
              s.path("c.toml") + ":10:9: sink.c.spool: '" + s.path("rw/dir.log") + "' is a directory",
          });
}

TEST_CASE("followed files and unix sockets: their directories must exist and be usable",
          "[daemon][config][environment]") {
    const scratch s;
    s.mkdir("ro", 0555);
    s.write("secret.log", "", 0000);
    s.mkdir("rw", 0777);
    s.write("rw/not-a-socket", "");
    const daemon_config c = s.load(
        to_sink("[source.f]\ntype = \"file\"\npath = \"nowhere/app.log\"\n"
                "[source.g]\ntype = \"file\"\npath = \"secret.log\"\n"
                "[source.s]\ntype = \"unix\"\npath = \"ro/c.sock\"\n"
                "[source.t]\ntype = \"unix\"\npath = \"rw/not-a-socket\"\n"
                "[sink.out]\ntype = \"stdout\"\n[pipeline.q]\nfrom = [\"f\", \"g\", \"s\", \"t\"]\nrun = \"uniq\"\n"
                "to = [\"out\"]\n"));
    CHECK(
        check_unprivileged(c) ==
        std::vector<std::string>{
            s.path("c.toml") + ":3:8: source.f.path: directory '" + s.path("nowhere") + "' does not exist",
            s.path("c.toml") + ":6:8: source.g.path: '" + s.path("secret.log") + "' is not readable: Permission denied",
            s.path("c.toml") + ":9:8: source.s.path: directory '" + s.path("ro") +
                "' is not writable: Permission denied",
            s.path("c.toml") + ":12:8: source.t.path: '" + s.path("rw/not-a-socket") + "' exists and is not a socket",
        });
}

TEST_CASE("a listen address in use, or a port below 1024 without privileges, is reported",
          "[daemon][config][environment]") {
    const scratch s;
    const held_port tcp(SOCK_STREAM);
    const held_port udp(SOCK_DGRAM);
    const std::string tcp_address = "127.0.0.1:" + std::to_string(tcp.port);
    const std::string udp_address = "127.0.0.1:" + std::to_string(udp.port);
    const daemon_config c = s.load(to_sink("[daemon]\nmetrics_listen = \"127.0.0.1:0\"" // any free port
                                           "\n"
                                           "[source.t]\ntype = \"tcp\"\nlisten = \"" +
                                           tcp_address +
                                           "\"\n"
                                           "[source.u]\ntype = \"udp\"\nlisten = \"" +
                                           udp_address +
                                           "\"\n"
                                           "[source.low]\ntype = \"tcp\"\nlisten = \"127.0.0.1:1\"\n"
                                           "[source.far]\ntype = \"udp\"\nlisten = \"192.0.2.1:5140\"\n"
                                           "[sink.out]\ntype = \"stdout\"\n[pipeline.q]\nfrom = [\"t\", \"u\", "
                                           "\"low\", \"far\"]\nrun = \"uniq\"\nto = [\"out\"]\n"));
    const std::string file = s.path("c.toml");
    const std::string in_use_tcp =
        file + ":5:10: source.t.listen: cannot listen on " + tcp_address + ": already in use";
    const std::string in_use_udp =
        file + ":8:10: source.u.listen: cannot listen on " + udp_address + ": already in use";
    const std::string far = file + ":14:10: source.far.listen: cannot listen on 192.0.2.1:5140: Cannot assign "
                                   "requested address";
    CHECK(lines_of(check_environment(c)) == std::vector<std::string>{in_use_tcp, in_use_udp, far});
    CHECK(check_unprivileged(c) ==
          std::vector<std::string>{in_use_tcp, in_use_udp,
                                   file + ":11:10: source.low.listen: cannot listen on 127.0.0.1:1: port 1 needs root "
                                          "or CAP_NET_BIND_SERVICE",
                                   far});
}

TEST_CASE("a listen host that does not resolve is reported", "[daemon][config][environment]") {
    const scratch s;
    const daemon_config c = s.load(to_sink("[daemon]\nmetrics_listen = \"no-such-host.invalid:9180\"\n"
                                           "[sink.out]\ntype = \"stdout\"\n"));
    const std::vector<std::string> found = lines_of(check_environment(c));
    REQUIRE(found.size() == 1);
    CHECK_THAT(found[0], Catch::StartsWith(s.path("c.toml") + ":2:18: daemon.metrics_listen: cannot resolve "
                                                              "'no-such-host.invalid': "));
}

TEST_CASE("users and groups that do not exist are reported, and numbers are taken as they are",
          "[daemon][config][environment]") {
    const scratch s;
    const daemon_config c = s.load(to_sink("[daemon]\nuser = \"no-such-user-coropipe\"\ngroup = \"12345\"\n"
                                           "[source.s]\ntype = \"unix\"\npath = \"c.sock\"\nowner = \"root\"\n"
                                           "group = \"no-such-group-coropipe\"\n"
                                           "[sink.out]\ntype = \"stdout\"\n[pipeline.q]\nfrom = [\"s\"]\nrun = "
                                           "\"uniq\"\nto = [\"out\"]\n"));
    CHECK(lines_of(check_environment(c)) ==
          std::vector<std::string>{
              s.path("c.toml") + ":2:8: daemon.user: no user 'no-such-user-coropipe' on this system",
              s.path("c.toml") + ":8:9: source.s.group: no group 'no-such-group-coropipe' on this system",
          });
}

TEST_CASE("a sink that is, through a symbolic link, a file a source follows is reported",
          "[daemon][config][environment]") {
    const scratch s;
    s.mkdir("logs");
    REQUIRE(::symlink("logs/out.log", s.path("link.log").c_str()) == 0);
    // The file does not exist yet (the path is resolved), then it does (the same inode).
    for (const bool exists : {false, true}) {
        if (exists) {
            s.write("logs/out.log", "");
        }
        const daemon_config c = s.load(to_sink("[source.t]\ntype = \"file\"\npath = \"link.log\"\n"
                                               "[sink.out]\ntype = \"file\"\npath = \"logs/out.log\"\n"
                                               "[pipeline.q]\nfrom = [\"t\"]\nrun = \"uniq\"\nto = [\"out\"]\n"));
        CHECK(lines_of(check_environment(c)) ==
              std::vector<std::string>{s.path("c.toml") + ":6:8: sink.out.path: is the file source.t.path follows "
                                                          "(through a link): the output would come back as input"});
    }
}
