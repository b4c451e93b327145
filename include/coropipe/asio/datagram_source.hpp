#pragma once

#include <coropipe/asio/counters.hpp>
#include <coropipe/asio/run.hpp>
#include <coropipe/detail/line_splitter.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/system_error.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include <sys/socket.h>

namespace coropipe::asio {

namespace detail {

/// Datagrams received at once by a `datagram_source` (recvmmsg), each into
/// a slot as large as a datagram can be.
inline constexpr std::size_t datagram_batch = 16;
inline constexpr std::size_t datagram_slot = 65536;

/// The thread's buffer for a batch of datagrams, allocated on its first
/// receive (1 MiB), as `read_scratch` is.
inline std::span<char> datagram_scratch() {
    thread_local std::unique_ptr<char[]> buffer;
    if (buffer == nullptr) {
        buffer = std::make_unique_for_overwrite<char[]>(datagram_batch * datagram_slot);
    }
    return {buffer.get(), datagram_batch * datagram_slot};
}

} // namespace detail

/// A source of datagrams: a UDP socket (syslog over UDP) or a unix datagram
/// socket. Each datagram is one line, or several separated by '\n'; one
/// that does not end in '\n' gets one, so a line never spans datagrams.
/// Empty datagrams are skipped.
///
/// - Like `stream_source`, it waits for readability and then receives into
///   a scratch buffer of the thread (1 MiB): no buffer is held while idle.
///   Up to 16 datagrams are received at once (recvmmsg) and handed on as
///   one chunk. A datagram longer than 65,535 bytes (possible only on unix
///   sockets) is cut there by the kernel.
/// - **Kernel drops**: datagrams the kernel dropped because the socket's
///   receive buffer was full (SO_RXQ_OVFL, asked for at construction) are
///   added to `drops->dropped` if a `counters` is given. The kernel tells
///   the count with the next datagram received.
/// - Datagrams have no end: the run ends by cancellation, by `stop()`, or
///   when its stages finish. Receive errors throw `system_error`. While the
///   pipeline is busy the kernel queues datagrams and, when its queue is
///   full, drops them (that is UDP).
/// - References `socket`, which must outlive the pipeline.
template <class Socket>
class datagram_source {
public:
    explicit datagram_source(Socket& socket, counters* drops = nullptr) : socket_(&socket), drops_(drops) {
        socket_->non_blocking(true);
        if (drops_ != nullptr) {
            const int one = 1;
            ::setsockopt(socket_->native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
        }
    }

    net::awaitable<std::string_view> read_chunk() { return detail::read_chunk_of(this); }

    /// Ends the input once the datagrams already queued in the socket are
    /// read (nothing received is lost). Call it on the run's executor.
    void stop() {
        stopped_ = true;
        boost::system::error_code ignored;
        socket_->cancel(ignored);
    }

    /// The callback level (`waiting_source`): the next datagram if one is
    /// queued, and a wait for readability.
    std::optional<std::string_view> try_read_chunk() {
        const std::span<char> scratch = detail::datagram_scratch();
        constexpr std::size_t n = detail::datagram_batch;
        constexpr std::size_t control_size = CMSG_SPACE(sizeof(std::uint32_t));
        mmsghdr messages[n];
        iovec slots[n];
        alignas(cmsghdr) char control[n][control_size];
        std::memset(messages, 0, sizeof messages);
        for (std::size_t i = 0; i < n; ++i) {
            // One byte of each slot kept free for the '\n' a datagram may lack.
            slots[i] = {scratch.data() + i * detail::datagram_slot, detail::datagram_slot - 1};
            messages[i].msg_hdr.msg_iov = &slots[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            if (drops_ != nullptr) {
                messages[i].msg_hdr.msg_control = control[i];
                messages[i].msg_hdr.msg_controllen = control_size;
            }
        }
        int got = -1;
        do {
            got = ::recvmmsg(socket_->native_handle(), messages, static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
        } while (got < 0 && errno == EINTR);
        if (got < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                throw boost::system::system_error(boost::system::error_code(errno, boost::system::system_category()),
                                                  "coropipe: receive");
            }
            // What was queued is read: the end if stopped, else wait.
            return stopped_ ? std::optional<std::string_view>(std::string_view{}) : std::nullopt;
        }
        // The datagrams one after the other, each ending in '\n' (slots are
        // apart: moving each down to the end of the one before is safe).
        std::size_t size = 0;
        for (int i = 0; i < got; ++i) {
            const std::size_t length = messages[i].msg_len;
            if (length != 0) {
                char* const from = scratch.data() + static_cast<std::size_t>(i) * detail::datagram_slot;
                std::memmove(scratch.data() + size, from, length);
                size += length;
                if (scratch[size - 1] != '\n') {
                    scratch[size++] = '\n';
                }
            }
            if (drops_ != nullptr) {
                note_drops(messages[i].msg_hdr);
            }
        }
        if (size == 0) {
            return try_read_chunk(); // only empty datagrams: skipped
        }
        return std::string_view(scratch.data(), size);
    }
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return net::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler) {
                // A wait that stop() cancelled is not an error: read the rest.
                auto after_stop = [this](boost::system::error_code ec) {
                    return stopped_ ? boost::system::error_code{} : ec;
                };
                socket_->async_wait(Socket::wait_read,
                                    detail::adapted_handler<decltype(handler), decltype(after_stop)>{
                                        std::move(handler), after_stop});
            },
            token);
    }

private:
    /// The kernel's count of datagrams dropped so far (SO_RXQ_OVFL), if the
    /// message carries it: what is new goes to the counters.
    void note_drops(msghdr& m) noexcept {
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                std::uint32_t total = 0;
                std::memcpy(&total, CMSG_DATA(c), sizeof total);
                const std::uint32_t fresh = total - kernel_drops_; // (the kernel's count wraps at 2^32)
                kernel_drops_ = total;
                drops_->dropped.fetch_add(fresh, std::memory_order_relaxed);
            }
        }
    }

    Socket* socket_;
    counters* drops_ = nullptr;
    std::uint32_t kernel_drops_ = 0;
    bool stopped_ = false;
};

} // namespace coropipe::asio
