#include <coropipe/asio/redis_client.hpp>
#include <coropipe/error.hpp>

#include "redis_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <exception>

namespace coropipe::asio {

namespace detail {

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

/// How long to wait after `failures` failed attempts in a row.
std::chrono::milliseconds backoff(const redis_options& options, std::uint64_t failures) {
    std::chrono::milliseconds wait = options.reconnect_min;
    for (std::uint64_t i = 1; i < failures && wait < options.reconnect_max; ++i) {
        wait *= 2;
    }
    return std::min(wait, options.reconnect_max);
}

std::string ms_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

std::tuple<std::vector<redis_reply>> all_replies(error_code&, std::vector<redis_reply>&& replies) {
    return {std::move(replies)};
}

std::tuple<redis_reply> first_reply(error_code& ec, std::vector<redis_reply>&& replies) {
    if (replies.empty()) {
        ec = redis_errc::unexpected_reply;
        return {};
    }
    ec = replies.front().error();
    return {std::move(replies.front())};
}

} // namespace

// ---- a request in the queue ------------------------------------------------

struct redis_connection::pending {
    std::uint64_t id = 0;
    std::vector<redis_wire_chunk> chunks; // until written
    std::size_t expected = 0;             // replies
    std::size_t received = 0;
    std::vector<redis_reply> replies;
    std::unique_ptr<redis_completion> completion; // null once cancelled: its replies are dropped
    net::cancellation_slot slot;
    std::chrono::milliseconds block{0};
    clock::time_point queue_deadline = clock::time_point::max();
    clock::time_point reply_deadline = clock::time_point::max();
};

/// Installed in a request's cancellation slot.
struct redis_connection::cancel_request {
    cancel_request(std::weak_ptr<redis_connection> c, std::uint64_t i) : connection(std::move(c)), id(i) {}

    std::weak_ptr<redis_connection> connection;
    std::uint64_t id;

    void operator()(net::cancellation_type type) const {
        // Copies first: cancelling clears the slot, which destroys this object.
        const std::shared_ptr<redis_connection> c = connection.lock();
        const std::uint64_t which = id;
        if (c) {
            c->cancel(which, type);
        }
    }
};

// ---- the connection --------------------------------------------------------

redis_connection::redis_connection(const net::any_io_executor& executor, redis_options options)
    : executor_(executor),
      options_(std::move(options)),
      address_(redis_address::parse(options_.address)),
      socket_(executor),
      resolver_(executor),
      connect_timer_(executor),
      backoff_timer_(executor),
      watchdog_(executor),
      reader_(options_.max_reply_bytes),
      read_buffer_(64 * 1024) {
    if (options_.password.empty() && !options_.user.empty()) {
        coropipe::detail::throw_error("coropipe: Redis user '" + options_.user + "' given without a password");
    }
    if (options_.database < 0) {
        coropipe::detail::throw_error("coropipe: Redis database " + std::to_string(options_.database) +
                                      " (must be 0 or more)");
    }
    if (options_.reconnect_min.count() <= 0 || options_.reconnect_max < options_.reconnect_min) {
        coropipe::detail::throw_error("coropipe: Redis reconnect_min must be positive and at most reconnect_max");
    }
    if (options_.connect_timeout.count() <= 0) {
        coropipe::detail::throw_error("coropipe: Redis connect_timeout must be positive");
    }
}

redis_connection::~redis_connection() = default;

void redis_connection::start() {
    net::co_spawn(executor_, run(shared_from_this()), [](std::exception_ptr e) {
        if (e) {
            std::rethrow_exception(e); // a bug: out of io_context::run, loudly
        }
    });
}

template <class Change>
void redis_connection::update_status(Change change) {
    redis_status copy;
    {
        const std::lock_guard lock(status_mutex_);
        copy = status_;
        change(status_);
        if (status_ == copy) {
            return; // nothing to tell
        }
        copy = status_;
    }
    if (options_.on_state) {
        options_.on_state(copy);
    }
}

redis_status redis_connection::status() const {
    const std::lock_guard lock(status_mutex_);
    return status_;
}

net::awaitable<void> redis_connection::run(std::shared_ptr<redis_connection> self) {
    (void)self; // keeps the connection alive while it runs
    std::uint64_t failures = 0;
    while (!closed_) {
        update_status([](redis_status& s) { s.state = redis_state::connecting; });
        attempt_result result = co_await attempt();
        if (closed_) {
            break;
        }
        if (!result.ec) {
            failures = 0;
            connected_ = true;
            last_read_ = clock::now();
            update_status([](redis_status& s) {
                s.state = redis_state::connected;
                ++s.connections;
                s.failed_attempts = 0;
                s.retry_in = {};
            });
            start_write();
            arm_watchdog();
            const error_code ec = co_await read_loop();
            connected_ = false;
            if (closed_) {
                break;
            }
            error_code reason = drop_reason_;
            std::string text = drop_text_;
            if (!reason) {
                reason = redis_errc::connection_lost;
                text = ec == net::error::eof ? "the server closed the connection" : "read: " + ec.message();
            }
            error_code ignored;
            socket_.close(ignored);
            tls_.reset();
            reader_.reset();
            fail(written_, reason);
            update_status([&](redis_status& s) {
                s.state = redis_state::connecting;
                s.last_error = text;
            });
            continue; // a dropped connection is retried at once
        }
        error_code ignored;
        socket_.close(ignored);
        tls_.reset();
        reader_.reset();
        ++failures;
        if (result.refused) {
            fail(queued_, result.ec); // retrying as configured will not help them
        }
        const std::chrono::milliseconds wait = backoff(options_, failures);
        update_status([&](redis_status& s) {
            s.state = redis_state::down;
            s.last_error = result.text;
            s.failed_attempts = failures;
            s.retry_in = wait;
        });
        backoff_timer_.expires_after(wait);
        co_await backoff_timer_.async_wait(use_tuple);
    }
}

net::awaitable<redis_connection::attempt_result> redis_connection::attempt() {
    const std::uint64_t generation = ++generation_;
    drop_reason_ = {};
    drop_text_.clear();
    attempting_ = true;
    attempt_timed_out_ = false;
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
        if (!ec && generation == self->generation_ && self->attempting_) {
            self->attempt_timed_out_ = true;
            self->resolver_.cancel();
            error_code ignored;
            self->socket_.close(ignored);
        }
    });
    attempt_result result = co_await connect_socket();
    if (!result.ec && options_.tls) {
        result = co_await tls_handshake();
    }
    if (!result.ec) {
        result = co_await handshake();
    }
    attempting_ = false;
    connect_timer_.cancel();
    if (result.ec && attempt_timed_out_) {
        result = {redis_errc::timed_out,
                  "connect " + options_.address + ": no answer within " + ms_text(options_.connect_timeout)};
    }
    co_return result;
}

net::awaitable<redis_connection::attempt_result> redis_connection::connect_socket() {
    using generic_endpoint = net::generic::stream_protocol::endpoint;
    const std::string what = "connect " + options_.address + ": ";
    if (address_.unix_socket) {
        const auto [ec] = co_await socket_.async_connect(
            generic_endpoint(net::local::stream_protocol::endpoint(address_.path)), use_tuple);
        co_return attempt_result{ec, ec ? what + ec.message() : std::string()};
    }
    const auto [resolve_ec, endpoints] = co_await resolver_.async_resolve(address_.host, address_.port, use_tuple);
    if (resolve_ec) {
        co_return attempt_result{resolve_ec, what + resolve_ec.message()};
    }
    error_code ec = net::error::host_not_found;
    for (const auto& entry : endpoints) {
        error_code ignored;
        socket_.close(ignored);
        std::tie(ec) = co_await socket_.async_connect(generic_endpoint(entry.endpoint()), use_tuple);
        if (!ec || closed_ || attempt_timed_out_) {
            break;
        }
    }
    if (ec) {
        co_return attempt_result{ec, what + ec.message()};
    }
    error_code ignored;
    socket_.set_option(net::ip::tcp::no_delay(true), ignored);
    socket_.set_option(net::socket_base::keep_alive(true), ignored);
    co_return attempt_result{};
}

net::awaitable<redis_connection::attempt_result> redis_connection::tls_handshake() {
    const std::string what = "TLS handshake with " + options_.address + ": ";
    if (address_.unix_socket) {
        co_return attempt_result{redis_errc::protocol_error, what + "TLS is for TCP addresses, not unix sockets", true};
    }
    tls_context_ = options_.tls_current ? options_.tls_current() : nullptr;
    if (!tls_context_) {
        tls_context_ = options_.tls;
    }
    tls_ = std::make_shared<tls_stream>(socket_, *tls_context_);
    const std::string& name = options_.tls_server_name.empty() ? address_.host : options_.tls_server_name;
    // OpenSSL's own name check (not a verify callback): its failure says
    // "hostname mismatch" rather than "unspecified".
    error_code address_ec;
    net::ip::make_address(name, address_ec);
    SSL* ssl = tls_->native_handle();
    if (address_ec) { // a name, not an address: SNI too
        SSL_set_tlsext_host_name(ssl, name.c_str());
        SSL_set1_host(ssl, name.c_str());
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    }
    tls_->set_verify_mode(net::ssl::verify_peer);
    const auto [ec] = co_await tls_->async_handshake(net::ssl::stream_base::client, use_tuple);
    if (!ec) {
        co_return attempt_result{};
    }
    std::string why = ec.message();
    if (const long verify = SSL_get_verify_result(tls_->native_handle()); verify != X509_V_OK) {
        why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    }
    // A certificate the client does not trust is a matter of configuration:
    // waiting requests fail at once, as for a wrong password.
    const bool refused = ec.category() == net::error::get_ssl_category();
    co_return attempt_result{ec, what + why, refused};
}

net::awaitable<redis_connection::attempt_result> redis_connection::handshake() {
    redis_request hello;
    std::vector<std::string> names;
    if (!options_.password.empty()) {
        if (options_.user.empty()) {
            hello.push({"AUTH", options_.password});
        } else {
            hello.push({"AUTH", options_.user, options_.password});
        }
        names.emplace_back("AUTH");
    }
    if (options_.database != 0) {
        hello.push({"SELECT", std::to_string(options_.database)});
        names.emplace_back("SELECT");
    }
    hello.push({"PING"}); // proves the server serves commands (not LOADING)
    names.emplace_back("PING");

    std::vector<net::const_buffer> buffers;
    for (const redis_wire_chunk& chunk : hello.chunks_) {
        buffers.push_back(net::buffer(chunk.bytes().data(), chunk.bytes().size()));
    }
    const auto [write_ec, written] = tls_ ? co_await net::async_write(*tls_, buffers, use_tuple)
                                          : co_await net::async_write(socket_, buffers, use_tuple);
    (void)written;
    if (write_ec) {
        co_return attempt_result{write_ec, "handshake with " + options_.address + ": " + write_ec.message()};
    }
    std::vector<redis_reply> replies;
    while (replies.size() < names.size()) {
        const auto [ec, n] = co_await read_some();
        if (ec) {
            const std::string why = ec == net::error::eof ? "the server closed the connection" : ec.message();
            co_return attempt_result{ec, "handshake with " + options_.address + ": " + why};
        }
        if (const error_code parse_ec = reader_.feed({read_buffer_.data(), n}, replies)) {
            co_return attempt_result{parse_ec, "handshake with " + options_.address + ": " + reader_.error_text()};
        }
    }
    if (replies.size() > names.size()) {
        co_return attempt_result{redis_errc::protocol_error,
                                 "handshake with " + options_.address + ": more replies than commands"};
    }
    for (std::size_t i = 0; i < replies.size(); ++i) {
        if (const error_code ec = replies[i].error()) {
            // LOADING passes with time; anything else needs a change of
            // configuration on one side or the other.
            co_return attempt_result{ec, names[i] + ": " + replies[i].str, ec != redis_errc::loading};
        }
    }
    co_return attempt_result{};
}

net::awaitable<std::tuple<error_code, std::size_t>> redis_connection::read_some() {
    if (tls_) {
        co_return co_await tls_->async_read_some(net::buffer(read_buffer_), use_tuple);
    }
    co_return co_await socket_.async_read_some(net::buffer(read_buffer_), use_tuple);
}

net::awaitable<error_code> redis_connection::read_loop() {
    for (;;) {
        const auto [ec, n] = co_await read_some();
        if (ec) {
            co_return ec;
        }
        last_read_ = clock::now();
        const error_code parse_ec = reader_.feed({read_buffer_.data(), n}, replies_);
        for (redis_reply& reply : replies_) {
            on_reply(std::move(reply));
        }
        replies_.clear();
        if (parse_ec) {
            drop(parse_ec, "read from " + options_.address + ": " + reader_.error_text());
        }
        if (drop_reason_ || closed_) {
            co_return drop_reason_;
        }
    }
}

// ---- requests --------------------------------------------------------------

void redis_connection::submit(redis_request request, std::unique_ptr<redis_completion> completion) {
    if (closed_) {
        completion->complete(executor_, net::error::operation_aborted, {});
        return;
    }
    if (request.empty()) {
        completion->complete(executor_, {}, {});
        return;
    }
    auto p = std::make_unique<pending>();
    p->id = next_id_++;
    p->chunks = std::move(request.chunks_);
    p->expected = request.size();
    p->replies.reserve(p->expected);
    p->block = request.block_time();
    if (options_.queue_timeout.count() > 0) {
        p->queue_deadline = clock::now() + options_.queue_timeout;
    }
    p->slot = completion->slot();
    p->completion = std::move(completion);
    if (p->slot.is_connected()) {
        p->slot.emplace<cancel_request>(weak_from_this(), p->id);
    }
    queued_.push_back(std::move(p));
    start_write();
    if (!queued_.empty()) {
        arm_watchdog(); // its queue deadline
    }
}

void redis_connection::start_write() {
    if (writing_ || !connected_ || queued_.empty()) {
        return;
    }
    writing_ = true;
    writing_count_ = 0;
    // Everything queued goes out in one write. Replies are due from when it
    // has gone (on_written).
    while (!queued_.empty()) {
        std::unique_ptr<pending> p = std::move(queued_.front());
        queued_.pop_front();
        for (redis_wire_chunk& chunk : p->chunks) {
            writing_chunks_.push_back(std::move(chunk));
        }
        p->chunks.clear();
        written_.push_back(std::move(p));
        ++writing_count_;
    }
    writing_buffers_.clear();
    for (const redis_wire_chunk& chunk : writing_chunks_) {
        const std::string_view bytes = chunk.bytes();
        writing_buffers_.push_back(net::buffer(bytes.data(), bytes.size()));
    }
    auto done = [self = shared_from_this(), tls = tls_, generation = generation_](error_code ec, std::size_t) {
        self->on_written(ec, generation); // `tls` kept the stream alive until here
    };
    if (tls_) {
        net::async_write(*tls_, writing_buffers_, std::move(done));
    } else {
        net::async_write(socket_, writing_buffers_, std::move(done));
    }
}

void redis_connection::on_written(error_code ec, std::uint64_t generation) {
    writing_ = false;
    writing_chunks_.clear();
    if (generation == generation_ && connected_) {
        if (ec) {
            drop(redis_errc::connection_lost, "write to " + options_.address + ": " + ec.message());
        } else {
            set_reply_deadlines();
        }
    }
    start_write();
}

void redis_connection::set_reply_deadlines() {
    // The requests of the write just done are the last ones in flight (those
    // whose replies came already have left the front).
    const std::size_t n = std::min(writing_count_, written_.size());
    const std::size_t first = written_.size() - n;
    const clock::time_point now = clock::now();
    clock::time_point latest = first == 0 ? clock::time_point::min() : written_[first - 1]->reply_deadline;
    for (std::size_t i = first; i < written_.size(); ++i) {
        pending& p = *written_[i];
        clock::time_point deadline = clock::time_point::max();
        if (options_.response_timeout.count() > 0 && p.block != redis_request::forever) {
            deadline = now + options_.response_timeout + p.block;
        }
        // Replies come in order: none can be due before the one ahead of it.
        latest = std::max(latest, deadline);
        p.reply_deadline = latest;
    }
    arm_watchdog();
}

void redis_connection::on_reply(redis_reply&& reply) {
    if (written_.empty()) {
        drop(redis_errc::protocol_error, "read from " + options_.address + ": a reply with no request");
        return;
    }
    pending& p = *written_.front();
    if (p.completion) {
        p.replies.push_back(std::move(reply));
    }
    if (++p.received == p.expected) {
        const std::unique_ptr<pending> done = std::move(written_.front());
        written_.pop_front();
        finish(*done, {});
    }
}

void redis_connection::drop(error_code reason, std::string text) {
    if (!drop_reason_) {
        drop_reason_ = reason;
        drop_text_ = std::move(text);
    }
    error_code ignored;
    socket_.close(ignored); // the read loop ends with operation_aborted
}

void redis_connection::finish(pending& p, error_code ec) {
    if (!p.completion) {
        return; // cancelled: completed already
    }
    if (p.slot.is_connected()) {
        p.slot.clear();
    }
    const std::unique_ptr<redis_completion> completion = std::move(p.completion);
    completion->complete(executor_, ec, std::move(p.replies));
}

void redis_connection::fail(pending_queue& queue, error_code ec) {
    pending_queue failed;
    failed.swap(queue);
    for (const std::unique_ptr<pending>& p : failed) {
        finish(*p, ec);
    }
}

void redis_connection::cancel(std::uint64_t id, net::cancellation_type type) {
    const auto by_id = [](const std::unique_ptr<pending>& p, std::uint64_t key) { return p->id < key; };
    // Not written: nothing happened yet, so any kind of cancellation removes it.
    auto q = std::lower_bound(queued_.begin(), queued_.end(), id, by_id);
    if (q != queued_.end() && (*q)->id == id) {
        const std::unique_ptr<pending> p = std::move(*q);
        queued_.erase(q);
        finish(*p, net::error::operation_aborted);
        return;
    }
    // Written: the server runs it anyway, so only terminal and partial
    // cancellation apply; its replies will be read and dropped.
    if ((type & (net::cancellation_type::terminal | net::cancellation_type::partial)) == net::cancellation_type::none) {
        return;
    }
    auto w = std::lower_bound(written_.begin(), written_.end(), id, by_id);
    if (w != written_.end() && (*w)->id == id) {
        finish(**w, net::error::operation_aborted);
        (*w)->replies.clear();
    }
}

void redis_connection::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    connected_ = false;
    resolver_.cancel();
    connect_timer_.cancel();
    backoff_timer_.cancel();
    watchdog_.cancel();
    error_code ignored;
    socket_.close(ignored);
    fail(queued_, net::error::operation_aborted);
    fail(written_, net::error::operation_aborted);
    update_status([](redis_status& s) {
        s.state = redis_state::closed;
        s.retry_in = {};
    });
}

// ---- deadlines -------------------------------------------------------------

void redis_connection::arm_watchdog() {
    if (closed_) {
        return;
    }
    clock::time_point next = clock::time_point::max();
    if (!queued_.empty()) {
        next = queued_.front()->queue_deadline; // all have the same timeout: the first is due first
    }
    next = std::min(next, reply_due());
    if (next == clock::time_point::max() || (watchdog_armed_ && watchdog_at_ <= next)) {
        return;
    }
    watchdog_armed_ = true;
    watchdog_at_ = next;
    const std::uint64_t sequence = ++watchdog_sequence_;
    watchdog_.expires_at(next);
    watchdog_.async_wait([self = shared_from_this(), sequence](error_code ec) {
        if (!ec) {
            self->on_watchdog(sequence);
        }
    });
}

void redis_connection::on_watchdog(std::uint64_t sequence) {
    if (sequence != watchdog_sequence_ || closed_) {
        return;
    }
    watchdog_armed_ = false;
    const clock::time_point now = clock::now();
    while (!queued_.empty() && queued_.front()->queue_deadline <= now) {
        const std::unique_ptr<pending> p = std::move(queued_.front());
        queued_.pop_front();
        finish(*p, redis_errc::timed_out);
    }
    if (reply_due() <= now) {
        drop(redis_errc::timed_out,
             "no reply from " + options_.address + " within " + ms_text(options_.response_timeout));
    }
    arm_watchdog();
}

clock::time_point redis_connection::reply_due() const {
    if (!connected_ || written_.empty() || written_.front()->reply_deadline == clock::time_point::max()) {
        return clock::time_point::max();
    }
    return std::max(written_.front()->reply_deadline, last_read_ + options_.response_timeout);
}

// ---- the initiations -------------------------------------------------------

void initiate_redis_execute::operator()(redis_replies_handler handler, redis_request request) const {
    connection->submit(std::move(request),
                       make_redis_completion(std::move(handler), &all_replies, connection->executor()));
}

void initiate_redis_command::operator()(redis_reply_handler handler, redis_request request) const {
    connection->submit(std::move(request),
                       make_redis_completion(std::move(handler), &first_reply, connection->executor()));
}

} // namespace detail

// ---- redis_client ----------------------------------------------------------

std::string_view to_string(redis_state state) noexcept {
    switch (state) {
    case redis_state::connecting: return "connecting";
    case redis_state::connected: return "connected";
    case redis_state::down: return "down";
    case redis_state::closed: return "closed";
    }
    return "unknown";
}

redis_client::redis_client(const executor_type& executor, redis_options options)
    : impl_(std::make_shared<detail::redis_connection>(executor, std::move(options))) {
    impl_->start();
}

redis_client& redis_client::operator=(redis_client&& other) noexcept {
    if (this != &other) {
        if (impl_) {
            impl_->close();
        }
        impl_ = std::move(other.impl_);
    }
    return *this;
}

redis_client::~redis_client() {
    if (impl_) {
        impl_->close();
    }
}

redis_client::executor_type redis_client::get_executor() const noexcept { return impl_->executor(); }

void redis_client::close() { impl_->close(); }

redis_status redis_client::status() const { return impl_->status(); }

} // namespace coropipe::asio
