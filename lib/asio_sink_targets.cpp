// The sink targets of coropipe/asio/queued_sink.hpp: a file, a descriptor,
// a TCP peer.
#include <coropipe/asio/queued_sink.hpp>

#include <coropipe/asio/connected_target.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coropipe::asio {

namespace {

/// Runs `handler(ec, n)` on `ex` (the sink's), never inside the caller.
void complete(const net::any_io_executor& ex, sink_target::write_handler handler, boost::system::error_code ec,
              std::size_t n) {
    net::post(ex, [h = std::move(handler), ec, n]() mutable { std::move(h)(ec, n); });
}

boost::system::error_code errno_code(int err) {
    return {err, boost::system::system_category()};
}

/// write(2) until done or an error: how much was written, and the error.
std::size_t write_fd(int fd, std::string_view bytes, boost::system::error_code& ec) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            ec = errno_code(n < 0 ? errno : EIO);
            break;
        }
    }
    return done;
}

class file_target final : public sink_target {
public:
    file_target(net::any_io_executor executor, std::filesystem::path path, unsigned mode)
        : executor_(std::move(executor)), path_(std::move(path)), mode_(mode) {
        fd_ = open();
        if (fd_ < 0) {
            throw std::system_error(errno, std::system_category(), "cannot open '" + path_.string() + "'");
        }
        end_torn_line();
    }
    ~file_target() override {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    std::string describe() const override { return "file " + path_.string(); }

    void async_write_some(std::string_view bytes, write_handler handler) override {
        boost::system::error_code ec;
        if (reopen_ || fd_ < 0) {
            const int fd = open();
            if (fd >= 0) {
                if (fd_ >= 0) {
                    ::close(fd_);
                }
                fd_ = fd;
                reopen_ = false;
            } else if (fd_ < 0) {
                complete(executor_, std::move(handler), errno_code(errno), 0);
                return;
            } // else: the old file stays while the path cannot be opened
        }
        const std::size_t n = write_fd(fd_, bytes, ec);
        complete(executor_, std::move(handler), ec, n);
    }

    void reopen() override { reopen_ = true; }

    bool discard_partial(std::size_t bytes) noexcept override {
        struct stat st {};
        if (fd_ < 0 || ::fstat(fd_, &st) != 0 || static_cast<std::size_t>(st.st_size) < bytes) {
            return false;
        }
        return ::ftruncate(fd_, st.st_size - static_cast<off_t>(bytes)) == 0;
    }

private:
    // A file that ends inside a line (a writer killed mid-write, e.g. this
    // daemon by kill -9) is first ended with a newline, so that the lines
    // appended now (the torn one among them, delivered again) stay whole.
    void end_torn_line() {
        struct stat st {};
        if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
            return;
        }
        const int reader = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (reader < 0) {
            return; // write-only to us: appended as it is
        }
        char last = '\n';
        const ssize_t got = ::pread(reader, &last, 1, st.st_size - 1);
        ::close(reader);
        if (got == 1 && last != '\n') {
            boost::system::error_code ec;
            if (write_fd(fd_, "\n", ec) != 1) {
                throw std::system_error(ec.value(), std::system_category(),
                                        "cannot end the partial last line of '" + path_.string() + "'");
            }
        }
    }

    int open() const {
        int fd = -1;
        do {
            fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode_);
        } while (fd < 0 && errno == EINTR);
        return fd;
    }

    net::any_io_executor executor_;
    std::filesystem::path path_;
    unsigned mode_;
    int fd_ = -1;
    bool reopen_ = false;
};

class descriptor_target final : public sink_target {
public:
    descriptor_target(net::any_io_executor executor, int fd, std::string name)
        : executor_(std::move(executor)), fd_(fd), name_(std::move(name)) {}
    std::string describe() const override { return name_; }
    void async_write_some(std::string_view bytes, write_handler handler) override {
        boost::system::error_code ec;
        const std::size_t n = write_fd(fd_, bytes, ec);
        complete(executor_, std::move(handler), ec, n);
    }

private:
    net::any_io_executor executor_;
    int fd_;
    std::string name_;
};

class tcp_target final : public connected_target {
public:
    tcp_target(const net::any_io_executor& executor, std::string host, std::string port)
        : connected_target(executor), socket_(executor), host_(std::move(host)), port_(std::move(port)) {}

    std::string describe() const override {
        return "tcp " + (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + port_;
    }

private:
    net::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(std::string_view bytes) override {
        if (connected_ && peer_closed(socket_.native_handle())) {
            // Found before writing into a connection the peer has closed,
            // where the bytes would be lost.
            disconnect();
        }
        if (!connected_) {
            socket_ = net::ip::tcp::socket(executor());
            const boost::system::error_code cec = co_await connect(socket_, host_, port_);
            if (cec) {
                co_return std::tuple{cec, std::size_t{0}};
            }
            connected_ = true;
        }
        auto [ec, n] = co_await net::async_write(socket_, net::buffer(bytes.data(), bytes.size()),
                                                 net::as_tuple(net::use_awaitable));
        if (ec) {
            disconnect();
            co_return std::tuple{ec, std::size_t{0}}; // sent again whole on the next connection
        }
        co_return std::tuple{ec, n};
    }

    void disconnect() {
        connected_ = false;
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

    net::ip::tcp::socket socket_;
    std::string host_;
    std::string port_;
    bool connected_ = false;
};

} // namespace

void connected_target::async_write_some(std::string_view bytes, write_handler handler) {
    net::co_spawn(executor_, write(bytes),
                  [h = std::move(handler)](std::exception_ptr e,
                                           std::tuple<boost::system::error_code, std::size_t> r) mutable {
                      auto [ec, n] = r;
                      if (e) {
                          ec = net::error::fault; // (the coroutine does not throw but bad_alloc)
                          n = 0;
                      }
                      std::move(h)(ec, n);
                  });
}

net::awaitable<boost::system::error_code> connected_target::connect(net::ip::tcp::socket& socket, std::string host,
                                                                     std::string port) {
    net::ip::tcp::resolver resolver(executor_);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, net::as_tuple(net::use_awaitable));
    if (rec) {
        co_return rec;
    }
    auto [cec, ignored] = co_await net::async_connect(socket, endpoints, net::as_tuple(net::use_awaitable));
    (void)ignored;
    co_return cec;
}

bool connected_target::peer_closed(int fd) noexcept {
    char byte = 0;
    const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

std::unique_ptr<sink_target> make_file_target(const net::any_io_executor& executor, std::filesystem::path path,
                                              unsigned mode) {
    return std::make_unique<file_target>(executor, std::move(path), mode);
}

std::unique_ptr<sink_target> make_descriptor_target(const net::any_io_executor& executor, int fd, std::string name) {
    return std::make_unique<descriptor_target>(executor, fd, std::move(name));
}

std::unique_ptr<sink_target> make_tcp_target(const net::any_io_executor& executor, std::string host,
                                             std::string port) {
    return std::make_unique<tcp_target>(executor, std::move(host), std::move(port));
}

} // namespace coropipe::asio
