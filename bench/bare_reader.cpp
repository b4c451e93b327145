// The floor of bench/daemon_vs_rsyslog.sh: the least any daemon must do to
// receive the corpus over loopback TCP. It accepts connections on
// 127.0.0.1 (a free port, printed on stderr as "listening on PORT"), reads
// them with epoll into one 256 KiB buffer and discards the bytes. Once it
// has read TOTAL_BYTES it sets the size of OUT to OUT_BYTES, which is the
// signal bench/tcp_sender.py waits for from a daemon's output file: the
// floor is timed exactly as the daemons are. It runs until SIGTERM.
//
// usage: bench_bare_reader TOTAL_BYTES OUT OUT_BYTES

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "bench_bare_reader: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: bench_bare_reader TOTAL_BYTES OUT OUT_BYTES\n");
        return 2;
    }
    std::signal(SIGTERM, [](int) { std::_Exit(0); }); // the script stops it so; not a failure
    const unsigned long long total = std::strtoull(argv[1], nullptr, 10);
    const char* out = argv[2];
    const long long out_bytes = std::strtoll(argv[3], nullptr, 10);

    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        die("socket");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(listener, 128) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        die("bind");
    }
    std::fprintf(stderr, "listening on %d\n", ntohs(address.sin_port));

    const int poller = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listener;
    if (poller < 0 || ::epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event) != 0) {
        die("epoll");
    }
    std::vector<char> buffer(256 * 1024);
    unsigned long long received = 0;
    bool signalled = false;
    epoll_event ready[64];
    for (;;) {
        const int n = ::epoll_wait(poller, ready, 64, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            const int fd = ready[i].data.fd;
            if (fd == listener) {
                for (int c; (c = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
                    epoll_event e{};
                    e.events = EPOLLIN;
                    e.data.fd = c;
                    ::epoll_ctl(poller, EPOLL_CTL_ADD, c, &e);
                }
                continue;
            }
            for (;;) {
                const ssize_t got = ::read(fd, buffer.data(), buffer.size());
                if (got > 0) {
                    received += static_cast<unsigned long long>(got);
                    continue;
                }
                if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    ::close(fd); // also leaves the epoll set
                }
                break;
            }
        }
        if (!signalled && received >= total) {
            const int f = ::open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (f < 0 || ::ftruncate(f, out_bytes) != 0) {
                die(out);
            }
            ::close(f);
            signalled = true;
        }
    }
}
