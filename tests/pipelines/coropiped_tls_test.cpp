// The real daemon with a TLS source on loopback: certificates are made at
// test time with the `openssl` command in a temp dir; clients are OpenSSL
// sockets in the test (with or without a certificate, from the right CA or
// another, expired, or a name not permitted), a plaintext client and one
// that never finishes its handshake. Every wait is on the daemon's output
// (its log, /metrics, the output file) with a deadline; no sleeps.
#include "child_process.hpp"
#include "running_child.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <atomic>
#include <mutex>
#include <thread>
#include <poll.h>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <cerrno>
#include <sys/time.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

using coropipe::test::run_process;
using coropipe::test::running_child;
using coropipe::test::temp_dir;

namespace {

const std::string daemon_binary = COROPIPE_BINARY_DIR "/pipelines/coropiped";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// Certificates made with `openssl` in a temp dir: a CA, a server
/// certificate for localhost, and client certificates.
struct pki : coropipe::test::test_pki {
    explicit pki(temp_dir& d) : test_pki(d.path("")) {
        make_ca("ca");
        make_ca("other-ca");
        issue("server", "ca", "localhost", 30);
        issue("app1", "ca", "app1.example.com", 30);               // let in
        issue("stranger", "other-ca", "app1.example.com", 30);     // another CA
        issue("expired", "ca", "app1.example.com", -1);            // not after yesterday
        issue("intruder", "ca", "intruder.elsewhere.net", 30);     // not in permitted_peers
    }

    /// A new server certificate and key in the same files (CN localhost-2, SAN localhost).
    void renew_server() const { issue("server", "ca", "localhost-2", 30, "DNS:localhost"); }
};

/// A config with one TLS source, one pipeline `grep keep`, one file sink, and /metrics.
std::string tls_config(const pki& p, const std::string& out, const std::string& tls_extra = "") {
    return "[daemon]\nshutdown_timeout = \"20s\"\nmetrics_listen = \"127.0.0.1:0\"\n"
           "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
           "\n[source.app.tls]\ncert = \"" + p.crt("server") + "\"\nkey = \"" + p.key("server") + "\"\nca = \"" +
           p.crt("ca") + "\"\n" + tls_extra +
           "\n[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
           "\n[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n";
}

/// The daemon, started and ready.
struct running_daemon {
    running_child child;
    explicit running_daemon(const std::string& config) : child({daemon_binary, config}) {
        child.wait_for_err("ready:");
    }
    std::uint16_t port_after(const std::string& marker) {
        const auto at = child.err.find(marker);
        REQUIRE(at != std::string::npos);
        std::uint16_t port = 0;
        std::from_chars(child.err.data() + at + marker.size(), child.err.data() + child.err.size(), port);
        return port;
    }
    std::uint16_t port() { return port_after("source app: listening on tcp 127.0.0.1:"); }
    std::uint16_t metrics_port() { return port_after("metrics on http://127.0.0.1:"); }
};

int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// Reads what the daemon sends (a TLS alert, say) until it closes the
/// connection: true then, false if it has not within 10 s.
bool closed_by_peer(int fd) {
    const timeval ten_s{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &ten_s, sizeof ten_s);
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return true;
        }
        if (n < 0 && errno == EAGAIN) {
            return false;
        }
    }
}

/// A blocking TLS client over loopback that checks the server is
/// `localhost` signed by `ca`, with the client certificate `cert` if given.
class tls_client {
public:
    tls_client(std::uint16_t port, const std::string& ca, const std::string& cert = "", const std::string& key = "")
        : ctx_(SSL_CTX_new(TLS_client_method())) {
        REQUIRE(ctx_ != nullptr);
        REQUIRE(SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr) == 1);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        if (!cert.empty()) {
            REQUIRE(SSL_CTX_use_certificate_file(ctx_, cert.c_str(), SSL_FILETYPE_PEM) == 1);
            REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) == 1);
        }
        fd_ = connect_loopback(port);
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        SSL_set1_host(ssl_, "localhost");
        SSL_set_tlsext_host_name(ssl_, "localhost");
    }
    tls_client(const tls_client&) = delete;
    tls_client& operator=(const tls_client&) = delete;
    ~tls_client() {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
        ::close(fd_);
    }

    /// The client's side of the handshake (with TLS 1.3 a server refusing
    /// the client's certificate says so only after this succeeded).
    bool handshake() { return SSL_connect(ssl_) == 1; }

    /// Sends everything; false once the server is gone.
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 14)));
            if (n <= 0) {
                ERR_clear_error();
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// close_notify, then the socket closes with the object.
    void finish() { SSL_shutdown(ssl_); }

    /// Ends the TCP stream without close_notify (as many syslog senders
    /// do); true once the daemon has closed its side too.
    bool end_without_notify() {
        ::shutdown(fd_, SHUT_WR);
        return closed_by_peer(fd_);
    }

    /// The common name of the server's certificate.
    std::string server_name() const {
        X509* cert = SSL_get1_peer_certificate(ssl_);
        REQUIRE(cert != nullptr);
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
        X509_free(cert);
        return cn;
    }

private:
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    int fd_ = -1;
};

/// The response to `GET target` from the daemon's HTTP server on `port`,
/// with `headers` (each ending in CRLF).
std::string http_get(std::uint16_t port, const std::string& target, const std::string& headers = "") {
    const int fd = connect_loopback(port);
    REQUIRE(send_all(fd, "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n"));
    std::string response;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
        response.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return response;
}

/// Waits until `done()` holds, looking again every 10 ms, for at most 20 s.
bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        struct timespec ten_ms = {0, 10'000'000};
        ::nanosleep(&ten_ms, nullptr);
    }
    return true;
}

/// `N keep` lines tagged with `who`, numbered from 1.
std::string lines(const std::string& who, int count) {
    std::string s;
    for (int i = 1; i <= count; ++i) {
        s += who + ' ' + std::to_string(i) + " keep\n";
    }
    return s;
}

/// The same lines, each framed by octet counting (RFC 5425/6587: `LEN SP MSG`).
std::string octet_counted(const std::string& newline_lines) {
    std::string out;
    std::string_view rest = newline_lines;
    while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        const std::string_view msg = rest.substr(0, nl);
        out += std::to_string(msg.size()) + ' ' + std::string(msg);
        rest.remove_prefix(nl + 1);
    }
    return out;
}

/// The value of the sample that starts with `name_and_labels` in `metrics`; 0 if none.
std::uint64_t counter(const std::string& metrics, const std::string& name_and_labels) {
    const std::size_t at = metrics.find(name_and_labels);
    std::uint64_t n = 0;
    if (at != std::string::npos) {
        const char* from = metrics.data() + at + name_and_labels.size();
        std::from_chars(from, metrics.data() + metrics.size(), n);
    }
    return n;
}

std::string refused_metric(const std::string& reason) {
    return "coropiped_tls_refused_total{kind=\"source\",name=\"app\",reason=\"" + reason + "\"} 1\n";
}

} // namespace

TEST_CASE("A TLS source with client certificates takes every line of a verified client, newline or octet counted",
          "[pipelines][coropiped][tls]") {
    temp_dir dir;
    const pki p(dir);
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write("d.toml", tls_config(p, out, "permitted_peers = [\"*.example.com\"]\n")));

    const std::string newline = lines("newline", 20'000);
    const std::string octets = lines("<13>octets", 20'000); // auto framing: octet counting is `LEN SP <PRI>`
    {
        tls_client c(d.port(), p.crt("ca"), p.crt("app1"), p.key("app1"));
        REQUIRE(c.handshake());
        CHECK(c.server_name() == "localhost");
        REQUIRE(c.send(newline));
        c.finish();
    }
    REQUIRE(eventually([&] { return read_file(out).size() == newline.size(); }));
    {
        tls_client c(d.port(), p.crt("ca"), p.crt("app1"), p.key("app1"));
        REQUIRE(c.handshake());
        REQUIRE(c.send(octet_counted(octets)));
        CHECK(c.end_without_notify()); // the lines are still taken
    }
    const bool all = eventually([&] { return read_file(out).size() == newline.size() + octets.size(); });
    INFO(d.child.err);
    INFO(read_file(out).size() << " bytes, wanted " << newline.size() + octets.size());
    REQUIRE(all);
    CHECK(read_file(out) == newline + octets);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("TLS clients without a good certificate, plaintext and stalled handshakes are refused and counted, and "
          "others are still served",
          "[pipelines][coropiped][tls]") {
    temp_dir dir;
    const pki p(dir);
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write(
        "d.toml", tls_config(p, out, "permitted_peers = [\"*.example.com\"]\nhandshake_timeout = \"300ms\"\n")));
    const std::uint16_t port = d.port();
    const std::uint16_t metrics = d.metrics_port();
    auto counted = [&](const std::string& reason) {
        INFO(d.child.err);
        CHECK(eventually([&] { return http_get(metrics, "/metrics").find(refused_metric(reason)) != std::string::npos; }));
    };
    const std::string bad = lines("bad", 100);
    // Tries to send `bad` with the certificate `name` ("": none). With TLS 1.3
    // the server refuses a client's certificate after the client's side of
    // the handshake is done, so the client may well think it is in.
    auto try_to_send = [&](const std::string& name) {
        tls_client c(port, p.crt("ca"), name.empty() ? "" : p.crt(name), name.empty() ? "" : p.key(name));
        if (c.handshake()) {
            (void)c.send(bad);
        }
    };
    {
        try_to_send("");
        counted("no_certificate");
        try_to_send("stranger");
        counted("unknown_ca");
        try_to_send("expired");
        counted("expired");
        try_to_send("intruder");
        counted("not_permitted");
        {
            const int fd = connect_loopback(port); // plaintext on the TLS port
            (void)send_all(fd, bad);
            CHECK(closed_by_peer(fd));
            ::close(fd);
        }
        counted("not_tls");
        const int stalled = connect_loopback(port); // connects and never says hello
        counted("timeout");
        CHECK(closed_by_peer(stalled));
        ::close(stalled);

        // Refused clients are logged with their address and reason (the first one; rate-limited after)...
        d.child.wait_for_err("refused (no_certificate): the client sent no certificate");
        CHECK_THAT(d.child.err, Catch::Contains("warning: source app: TLS client 127.0.0.1:"));
        // ...and the daemon still serves a good client.
        const std::string good = lines("good", 1000);
        {
            tls_client c(port, p.crt("ca"), p.crt("app1"), p.key("app1"));
            REQUIRE(c.handshake());
            REQUIRE(c.send(good));
            c.finish();
        }
        REQUIRE(eventually([&] { return read_file(out).size() >= good.size(); }));
        CHECK(read_file(out) == good); // nothing of the refused clients
    }
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("SIGHUP reloads the TLS certificate: an established connection goes on, new ones get the new "
          "certificate, a bad one is refused and the old stays",
          "[pipelines][coropiped][tls][reload]") {
    temp_dir dir;
    pki p(dir);
    const std::string out = dir.path("out.log");
    const std::string config = dir.write("d.toml", tls_config(p, out));
    running_daemon d(config);
    const std::uint16_t port = d.port();

    tls_client before(port, p.crt("ca"), p.crt("app1"), p.key("app1"));
    REQUIRE(before.handshake());
    CHECK(before.server_name() == "localhost");
    REQUIRE(before.send(lines("before", 100)));
    REQUIRE(eventually([&] { return read_file(out).size() == lines("before", 100).size(); }));

    p.renew_server();
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reloaded");
    {
        tls_client after(port, p.crt("ca"), p.crt("app1"), p.key("app1"));
        REQUIRE(after.handshake());
        CHECK(after.server_name() == "localhost-2");
        REQUIRE(after.send(lines("after", 100)));
        after.finish();
    }
    // The connection made before the reload still works.
    REQUIRE(before.send(lines("still", 100)));
    const std::size_t expected = lines("before", 100).size() + lines("after", 100).size() + lines("still", 100).size();
    REQUIRE(eventually([&] { return read_file(out).size() == expected; }));

    // A broken certificate file: the reload is refused, the running one stays.
    dir.write("server.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reload refused");
    CHECK_THAT(d.child.err, Catch::Contains("tls.cert"));
    {
        tls_client again(port, p.crt("ca"), p.crt("app1"), p.key("app1"));
        REQUIRE(again.handshake());
        CHECK(again.server_name() == "localhost-2");
    }
    before.finish();
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("/metrics and /health with metrics_auth answer 401 without the right credentials and 200 with them",
          "[pipelines][coropiped][metrics][auth]") {
    temp_dir dir;
    const std::string out = dir.path("out.log");
    // printf %s secret | sha256sum
    const std::string config =
        "[daemon]\nmetrics_listen = \"127.0.0.1:0\"\n"
        "metrics_auth = \"ops:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b\"\n"
        "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
        "\n[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
        "\n[sink.out]\ntype = \"file\"\npath = \"" + out + "\"\n";
    running_daemon d(dir.write("d.toml", config));
    const std::uint16_t port = d.metrics_port();
    for (const std::string target : {"/metrics", "/health"}) {
        INFO(target);
        const std::string open = http_get(port, target);
        CHECK_THAT(open, Catch::StartsWith("HTTP/1.1 401") && Catch::Contains("WWW-Authenticate: Basic realm="));
        CHECK_THAT(open, !Catch::Contains("coropiped_lines_in_total"));
        CHECK_THAT(http_get(port, target, "Authorization: Basic b3BzOndyb25n\r\n"), // ops:wrong
                   Catch::StartsWith("HTTP/1.1 401"));
        CHECK_THAT(http_get(port, target, "Authorization: Basic YWRtaW46c2VjcmV0\r\n"), // admin:secret
                   Catch::StartsWith("HTTP/1.1 401"));
        CHECK_THAT(http_get(port, target, "Authorization: Basic !!!\r\n"), Catch::StartsWith("HTTP/1.1 401"));
        CHECK_THAT(http_get(port, target, "Authorization: Basic b3BzOnNlY3JldA==\r\n"), // ops:secret
                   Catch::StartsWith("HTTP/1.1 200"));
    }
    CHECK_THAT(http_get(port, "/metrics", "Authorization: Basic b3BzOnNlY3JldA==\r\n"),
               Catch::Contains("coropiped_lines_in_total{kind=\"source\",name=\"app\"} 0"));
    CHECK_THAT(d.child.err, !Catch::Contains("not a loopback address"));
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("/metrics on a non-loopback address without metrics_auth is served with a warning at start",
          "[pipelines][coropiped][metrics][auth]") {
    temp_dir dir;
    const std::string config = "[daemon]\nmetrics_listen = \"0.0.0.0:0\"\n"
                               "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                               "\n[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
                               "\n[sink.out]\ntype = \"file\"\npath = \"" + dir.path("out.log") + "\"\n";
    running_daemon d(dir.write("d.toml", config));
    CHECK_THAT(d.child.err, Catch::Contains("warning: metrics_listen 0.0.0.0 is not a loopback address and "
                                            "metrics_auth is not set"));
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

TEST_CASE("rsyslog forwarding over TLS with a client certificate (omfwd, StreamDriver ossl) gets every line through",
          "[pipelines][coropiped][tls][rsyslog]") {
    temp_dir dir;
    const pki p(dir);
    const std::string out = dir.path("out.log");
    running_daemon d(dir.write("d.toml", tls_config(p, out, "permitted_peers = [\"*.example.com\"]\n")));
    std::string input;
    for (int i = 1; i <= 2000; ++i) {
        input += std::to_string(i) + " keep\n";
    }
    const std::string in = dir.write("in.log", input);
    const std::string rsyslog_config = dir.write(
        "rsyslog.conf",
        "global(workDirectory=\"" + dir.path("") + "\"\n"
        "  DefaultNetstreamDriver=\"ossl\"\n"
        "  DefaultNetstreamDriverCAFile=\"" + p.crt("ca") + "\"\n"
        "  DefaultNetstreamDriverCertFile=\"" + p.crt("app1") + "\"\n"
        "  DefaultNetstreamDriverKeyFile=\"" + p.key("app1") + "\")\n"
        "module(load=\"imfile\")\n"
        "input(type=\"imfile\" File=\"" + in + "\" Tag=\"app\" freshStartTail=\"off\")\n"
        "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + std::to_string(d.port()) + "\" protocol=\"tcp\"\n"
        "       StreamDriver=\"ossl\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\"\n"
        "       StreamDriverPermittedPeers=\"localhost\" TCP_Framing=\"octet-counted\")\n");
    running_child rsyslog({"/usr/sbin/rsyslogd", "-n", "-f", rsyslog_config, "-i", dir.path("rsyslogd.pid")});

    auto line_count = [&] { const std::string got = read_file(out); return std::count(got.begin(), got.end(), '\n'); };
    const bool all = eventually([&] { return line_count() >= 2000; });
    INFO(d.child.err);
    REQUIRE(all);
    // `<PRI>TIMESTAMP HOST app N keep`, each line once, in order.
    std::istringstream got(read_file(out));
    std::string line;
    int expected = 1;
    while (std::getline(got, line)) {
        INFO(line);
        CHECK(line.starts_with("<"));
        CHECK(line.ends_with(" app " + std::to_string(expected) + " keep"));
        ++expected;
    }
    CHECK(expected == 2001);
}

namespace {

/// A TLS server in the test, on a loopback port, whose certificate the
/// test switches (`serve_as`): it accepts connections one at a time, and
/// keeps what a client that completed its handshake sends.
class tls_server {
public:
    explicit tls_server(const pki& p) : p_(p) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~tls_server() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
        ::close(fd_);
    }

    /// From the next connection on, shows the certificate `name`.
    void serve_as(const std::string& name) {
        {
            std::lock_guard lock(mutex_);
            cert_ = name;
        }
        if (!thread_.joinable()) {
            thread_ = std::thread([this] { run(); });
        }
    }

    std::string received() {
        std::lock_guard lock(mutex_);
        return received_;
    }

    /// Closes the connection being served (without close_notify, as a
    /// server that goes away); true once it is closed (within 10 s).
    bool drop() {
        const int before = closed_.load();
        drop_ = true;
        return eventually([&] { return closed_.load() > before; });
    }

    std::uint16_t port = 0;

private:
    void run() {
        while (!stop_) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, 50) <= 0) {
                continue;
            }
            const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (conn < 0) {
                continue;
            }
            std::string name;
            {
                std::lock_guard lock(mutex_);
                name = cert_;
            }
            SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
            SSL_CTX_use_certificate_file(ctx, p_.crt(name).c_str(), SSL_FILETYPE_PEM);
            SSL_CTX_use_PrivateKey_file(ctx, p_.key(name).c_str(), SSL_FILETYPE_PEM);
            SSL* ssl = SSL_new(ctx);
            SSL_set_fd(ssl, conn);
            const timeval one_s{1, 0};
            ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &one_s, sizeof one_s);
            if (SSL_accept(ssl) == 1) {
                char buffer[16384];
                while (!stop_ && !drop_) {
                    const int n = SSL_read(ssl, buffer, sizeof buffer);
                    if (n > 0) {
                        std::lock_guard lock(mutex_);
                        received_.append(buffer, static_cast<std::size_t>(n));
                    } else if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ && errno != EAGAIN) {
                        break;
                    }
                }
            }
            ERR_clear_error();
            SSL_free(ssl);
            SSL_CTX_free(ctx);
            ::close(conn);
            drop_ = false;
            ++closed_;
        }
    }

    const pki& p_;
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<bool> drop_{false};
    std::atomic<int> closed_{0}; // connections served and closed
    std::thread thread_;
    std::mutex mutex_;
    std::string cert_;
    std::string received_;
};

/// A config with a plaintext tcp source `app` whose `keep` lines go to the
/// TLS sink `peer` at `port`, which trusts the CAs in `ca`; and /metrics.
std::string sink_config(std::uint16_t port, const std::string& ca) {
    return "[daemon]\nmetrics_listen = \"127.0.0.1:0\"\n"
           "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
           "\n[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"peer\"]\n"
           "\n[sink.peer]\ntype = \"tcp\"\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n"
           "backoff_min = \"20ms\"\nbackoff_max = \"100ms\"\n"
           "\n[sink.peer.tls]\nca = \"" + ca + "\"\nserver_name = \"localhost\"\n";
}

} // namespace

TEST_CASE("A TLS sink refuses a peer of another CA or another name, says so on /health, holds the lines, and "
          "delivers them all once the right peer is there",
          "[pipelines][coropiped][tls][sink]") {
    temp_dir dir;
    const pki p(dir);
    tls_server server(p);
    const std::string config = sink_config(server.port, p.crt("ca"));
    running_daemon d(dir.write("d.toml", config));
    const std::uint16_t metrics = d.metrics_port();

    server.serve_as("stranger"); // signed by another CA
    const std::string sent = lines("held", 5000);
    {
        const int fd = connect_loopback(d.port());
        REQUIRE(send_all(fd, sent));
        ::close(fd);
    }
    d.child.wait_for_err("sink peer: TLS to tls 127.0.0.1:" + std::to_string(server.port) +
                         " refused (unknown_ca): unknown CA: unable to get local issuer certificate");
    CHECK(eventually([&] {
        const std::string h = http_get(metrics, "/health");
        return h.starts_with("HTTP/1.1 503") && h.find("sink peer: cannot write") != std::string::npos;
    }));
    // Every retry is counted; the log says it a few times only (checked at the end).
    CHECK(eventually([&] {
        return counter(http_get(metrics, "/metrics"),
                       "coropiped_tls_refused_total{kind=\"sink\",name=\"peer\",reason=\"unknown_ca\"} ") >= 10;
    }));

    server.serve_as("intruder"); // the right CA, the wrong name
    d.child.wait_for_err("refused (hostname): hostname mismatch (expected localhost)");
    CHECK(server.received().empty());
    const std::string counted = http_get(metrics, "/metrics");
    CHECK_THAT(counted, Catch::Contains("coropiped_tls_refused_total{kind=\"sink\",name=\"peer\",reason=\"unknown_ca\"} "));
    CHECK_THAT(counted, Catch::Contains("coropiped_tls_refused_total{kind=\"sink\",name=\"peer\",reason=\"hostname\"} "));

    server.serve_as("server"); // localhost, from the CA
    CHECK(eventually([&] { return server.received().size() >= sent.size(); }));
    CHECK(server.received() == sent); // every line once, in order
    CHECK(eventually([&] { return http_get(metrics, "/health").starts_with("HTTP/1.1 200"); }));
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
    CHECK(running_child::occurrences(d.child.err, "refused (unknown_ca)") <= 2); // at once, then once per 10 s
}

TEST_CASE("A TLS source or sink whose certificate file is missing or is no certificate stops the daemon at start, "
          "naming the file",
          "[pipelines][coropiped][tls]") {
    temp_dir dir;
    const pki p(dir);
    const std::string out = dir.path("out.log");
    std::string missing = tls_config(p, out);
    missing.replace(missing.find(p.crt("server")), p.crt("server").size(), dir.path("nope.crt"));
    coropipe::test::process_result r = run_process({daemon_binary, dir.write("missing.toml", missing)});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("source app: cannot set up TLS: cannot read tls.cert " + dir.path("nope.crt") +
                                      ": No such file or directory"));

    std::string swapped = tls_config(p, out);
    swapped.replace(swapped.find(p.key("server")), p.key("server").size(), p.key("app1")); // another's key
    r = run_process({daemon_binary, dir.write("swapped.toml", swapped)});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("source app: cannot set up TLS: cannot use tls.key " + p.key("app1") +
                                      ": key values mismatch"));

    const std::string sink = "[source.in]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
                             "[pipeline.p]\nfrom = [\"in\"]\nrun = \"grep x\"\nto = [\"peer\"]\n"
                             "[sink.peer]\ntype = \"tcp\"\naddress = \"127.0.0.1:9\"\n"
                             "[sink.peer.tls]\nca = \"" + dir.path("nope-ca.crt") + "\"\n";
    r = run_process({daemon_binary, dir.write("sink.toml", sink)});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("sink peer: cannot read tls.ca " + dir.path("nope-ca.crt") +
                                      ": No such file or directory"));
}

TEST_CASE("SIGHUP reads a TLS sink's certificate files again: its next connection uses them and no line is lost, and a "
          "bad file refuses the reload and the old ones stay",
          "[pipelines][coropiped][tls][sink][reload]") {
    temp_dir dir;
    const pki p(dir);
    tls_server server(p);
    const std::string sink_ca = dir.write("sink-ca.crt", read_file(p.crt("other-ca"))); // not the server's CA yet
    const std::string config = sink_config(server.port, sink_ca);
    running_daemon d(dir.write("d.toml", config));
    server.serve_as("server");
    const int fd = connect_loopback(d.port());
    const std::string held = lines("held", 5000);
    REQUIRE(send_all(fd, held));
    d.child.wait_for_err("sink peer: TLS to tls 127.0.0.1:" + std::to_string(server.port) + " refused (unknown_ca)");

    dir.write("sink-ca.crt", read_file(p.crt("ca"))); // the right CA, in the same file
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reloaded");
    CHECK(eventually([&] { return server.received().size() >= held.size(); }));
    CHECK(server.received() == held); // every line held, once, in order

    // A file that is no certificate: refused like a bad config, the context in use stays.
    dir.write("sink-ca.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reload refused");
    CHECK_THAT(d.child.err, Catch::Contains("sink peer: cannot use tls.ca " + sink_ca));
    CHECK_THAT(http_get(d.metrics_port(), "/metrics"), Catch::Contains("coropiped_reload_failures_total 1"));
    // A new connection (the server went away) is made with the old, good context.
    REQUIRE(server.drop());
    const std::string more = lines("more", 5000);
    REQUIRE(send_all(fd, more));
    CHECK(eventually([&] { return server.received().size() >= held.size() + more.size(); }));
    CHECK(server.received() == held + more);
    ::close(fd);
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}

namespace {

/// `curl -sS ARGS... https://localhost:PORT/TARGET` (localhost resolved to
/// 127.0.0.1); its output ends with `status CODE`.
coropipe::test::process_result curl(std::uint16_t port, const std::string& target, std::vector<std::string> args) {
    const std::string where = "localhost:" + std::to_string(port);
    std::vector<std::string> argv{"/usr/bin/curl", "-sS", "--max-time", "10", "--resolve", where + ":127.0.0.1",
                                  "-w", "\nstatus %{http_code}\n"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("https://" + where + target);
    return run_process(argv);
}

std::string metrics_refused(const std::string& reason) {
    return "coropiped_tls_refused_total{kind=\"metrics\",name=\"metrics_listen\",reason=\"" + reason + "\"} 1\n";
}

} // namespace

TEST_CASE("/metrics over TLS ([daemon.metrics_tls]) serves curl with the test CA and a client certificate, refuses "
          "plaintext and clients without a certificate, and metrics_auth still applies",
          "[pipelines][coropiped][metrics][tls]") {
    temp_dir dir;
    pki p(dir);
    const std::string config =
        "[daemon]\nmetrics_listen = \"127.0.0.1:0\"\n"
        "metrics_auth = \"ops:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b\"\n" // ops:secret
        "\n[daemon.metrics_tls]\ncert = \"" + p.crt("server") + "\"\nkey = \"" + p.key("server") + "\"\nca = \"" +
        p.crt("ca") + "\"\n"
        "\n[source.app]\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
        "\n[pipeline.keep]\nfrom = [\"app\"]\nrun = \"grep keep\"\nto = [\"out\"]\n"
        "\n[sink.out]\ntype = \"file\"\npath = \"" + dir.path("out.log") + "\"\n";
    running_daemon d(dir.write("d.toml", config));
    const std::uint16_t port = d.port_after("metrics on https://127.0.0.1:");
    const std::vector<std::string> trusted{"--cacert", p.crt("ca"), "--cert", p.crt("app1"), "--key", p.key("app1")};
    auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), trusted.begin(), trusted.end());
        return more;
    };

    const int stalled = connect_loopback(port); // never says a word: let go after 10 s, counted (checked at the end)

    // Plaintext on the TLS port: no HTTP answer, the connection is closed; logged and counted.
    const std::string plain = http_get(port, "/metrics", "Authorization: Basic b3BzOnNlY3JldA==\r\n");
    CHECK_THAT(plain, !Catch::Contains("HTTP/1.1") && !Catch::Contains("coropiped_"));
    d.child.wait_for_err("metrics_listen: TLS client 127.0.0.1:");
    CHECK_THAT(d.child.err, Catch::Contains("refused (not_tls)"));

    coropipe::test::process_result r = curl(port, "/metrics", with({"-u", "ops:secret"}));
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::EndsWith("status 200\n") && Catch::Contains("coropiped_lines_in_total"));
    CHECK_THAT(r.out, Catch::Contains(metrics_refused("not_tls")));
    r = curl(port, "/health", with({"-u", "ops:secret"}));
    CHECK(r.out == "ok\n\nstatus 200\n");
    r = curl(port, "/metrics", with({}));
    CHECK_THAT(r.out, Catch::EndsWith("status 401\n") && !Catch::Contains("coropiped_lines_in_total"));
    r = curl(port, "/metrics", with({"-u", "ops:wrong"}));
    CHECK_THAT(r.out, Catch::EndsWith("status 401\n"));

    // No client certificate: the handshake is refused, and counted.
    r = curl(port, "/metrics", {"--cacert", p.crt("ca"), "-u", "ops:secret"});
    CHECK(r.status != 0);
    CHECK_THAT(r.out, !Catch::Contains("coropiped_"));
    CHECK(eventually([&] {
        return curl(port, "/metrics", with({"-u", "ops:secret"})).out.find(metrics_refused("no_certificate")) !=
               std::string::npos;
    }));

    // SIGHUP reads the certificate again; a bad one refuses the reload, the old stays.
    p.renew_server();
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reloaded");
    r = curl(port, "/health", with({"-u", "ops:secret", "-v"}));
    CHECK_THAT(r.err, Catch::Contains("CN=localhost-2"));
    CHECK(r.out == "ok\n\nstatus 200\n");
    dir.write("server.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    d.child.signal(SIGHUP);
    d.child.wait_for_err("reload refused");
    CHECK_THAT(d.child.err, Catch::Contains("metrics_listen: cannot set up TLS: cannot use metrics_tls.cert"));
    r = curl(port, "/health", with({"-u", "ops:secret", "-v"}));
    CHECK_THAT(r.err, Catch::Contains("CN=localhost-2"));
    CHECK(r.out == "ok\n\nstatus 200\n");

    CHECK(closed_by_peer(stalled));
    ::close(stalled);
    std::string last;
    CHECK(eventually([&] {
        last = curl(port, "/metrics", with({"-u", "ops:secret"})).out;
        return last.find(metrics_refused("timeout")) != std::string::npos;
    }));
    INFO(last);
    CHECK_THAT(last, Catch::Contains(metrics_refused("timeout")));
    d.child.signal(SIGTERM);
    CHECK(d.child.wait_exit() == 0);
}
