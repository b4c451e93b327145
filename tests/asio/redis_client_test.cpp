// coropipe/asio/redis_client.hpp against a real redis-server started by the
// test (tests/support/redis_server.hpp): commands, pipelining, binary and
// large values, AUTH, SELECT, unix sockets, reconnection, timeouts,
// cancellation, errors.
#include <coropipe/asio/redis_client.hpp>
#include <coropipe/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <catch2/catch.hpp>

#include "io_wait.hpp"
#include "redis_server.hpp"
#include "test_pki.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

namespace net = boost::asio;
using namespace coropipe::asio;
using coropipe::test::redis_server;
using coropipe::test::run_until;
using coropipe::test::wait_for;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

redis_options options_for(const std::string& address) {
    redis_options o;
    o.address = address;
    o.reconnect_min = 20ms;
    o.reconnect_max = 200ms;
    return o;
}

/// One command, waited for; its reply (the test fails on an error code).
redis_reply command(net::io_context& io, redis_client& client, std::initializer_list<std::string_view> args) {
    auto [ec, reply] = wait_for(io, client.async_command(args, net::deferred));
    INFO(ec.message() << ": " << reply.str);
    REQUIRE(!ec);
    return reply;
}

std::string every_byte() {
    std::string s;
    for (int i = 0; i < 256; ++i) {
        s.push_back(static_cast<char>(i));
    }
    return s + std::string("\0\r\n\0", 4);
}

} // namespace

TEST_CASE("a redis_client runs commands and returns their replies", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.address()));

    CHECK(command(io, client, {"SET", "k", "v"}).type == redis_reply::kind::status);
    const redis_reply got = command(io, client, {"GET", "k"});
    CHECK(got.type == redis_reply::kind::string);
    CHECK(got.str == "v");
    CHECK(command(io, client, {"GET", "missing"}).is_nil());
    CHECK(command(io, client, {"INCRBY", "n", "41"}).integer == 41);
    command(io, client, {"RPUSH", "list", "a", "b", "c"});
    const redis_reply list = command(io, client, {"LRANGE", "list", "0", "-1"});
    REQUIRE(list.type == redis_reply::kind::array);
    REQUIRE(list.elements.size() == 3);
    CHECK(list.elements[2].str == "c");

    const redis_status status = client.status();
    CHECK(status.state == redis_state::connected);
    CHECK(status.connections == 1);
    CHECK(status.last_error.empty());
}

TEST_CASE("a pipelined request gets one reply per command, in order", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.address()));

    redis_request request;
    for (int i = 0; i < 1000; ++i) {
        request.push({"INCR", "counter"});
    }
    request.push({"GET", "counter"});
    CHECK(request.size() == 1001);
    auto [ec, replies] = wait_for(io, client.async_execute(std::move(request), net::deferred));
    REQUIRE(!ec);
    REQUIRE(replies.size() == 1001);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(replies[static_cast<std::size_t>(i)].integer == i + 1);
    }
    CHECK(replies[1000].str == "1000");

    SECTION("many requests started at once complete in order, each with its own replies") {
        std::vector<long long> seen;
        for (int i = 0; i < 200; ++i) {
            redis_request r;
            r.push({"INCR", "other"});
            r.push({"INCR", "other"});
            client.async_execute(std::move(r), [&seen](error_code e, std::vector<redis_reply> rs) {
                REQUIRE(!e);
                REQUIRE(rs.size() == 2);
                seen.push_back(rs[0].integer);
                seen.push_back(rs[1].integer);
            });
        }
        run_until(io, [&] { return seen.size() == 400; }, "400 replies");
        for (std::size_t i = 0; i < seen.size(); ++i) {
            REQUIRE(seen[i] == static_cast<long long>(i + 1));
        }
    }
    SECTION("an empty request completes with no replies") {
        auto [e, none] = wait_for(io, client.async_execute(redis_request(), net::deferred));
        CHECK(!e);
        CHECK(none.empty());
    }
}

TEST_CASE("keys and values with NUL bytes pass both ways unchanged", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.address()));

    const std::string key = std::string("k\0ey", 4);
    const std::string value = every_byte();
    command(io, client, {"SET", key, value});
    CHECK(command(io, client, {"STRLEN", key}).integer == static_cast<long long>(value.size()));
    CHECK(command(io, client, {"GET", key}).str == value);
    CHECK(command(io, client, {"EXISTS", "k"}).integer == 0); // the key was not cut at its NUL
    CHECK(command(io, client, {"SET", "empty", ""}).str == "OK");
    CHECK(command(io, client, {"GET", "empty"}).str.empty());
}

TEST_CASE("a 100 MB value is written and read back whole", "[asio][redis_client]") {
    redis_server server({.appendonly = false});
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.address()));

    std::string big(100u << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4093) {
        big[i] = static_cast<char>(i % 251); // NULs too
    }
    {
        redis_request set;
        set.push({"SET", "big", big});
        auto [ec, replies] = wait_for(io, client.async_execute(std::move(set), net::deferred), 120s);
        INFO(ec.message() << ": " << client.status().last_error);
        REQUIRE(!ec);
        CHECK(replies.at(0).str == "OK");
    }
    auto [ec, reply] = wait_for(io, client.async_command({"GET", "big"}, net::deferred), 120s);
    INFO(ec.message() << ": " << client.status().last_error);
    REQUIRE(!ec);
    CHECK(reply.str.size() == big.size());
    CHECK(reply.str == big);
}

TEST_CASE("a reply larger than max_reply_bytes fails its request and the client reconnects", "[asio][redis_client]") {
    redis_server server({.appendonly = false});
    net::io_context io;
    redis_options o = options_for(server.address());
    o.max_reply_bytes = 1 << 20;
    redis_client client(io.get_executor(), o);

    command(io, client, {"SET", "two_mb", std::string(2u << 20, 'y')});
    auto [ec, reply] = wait_for(io, client.async_command({"GET", "two_mb"}, net::deferred));
    CHECK(ec == redis_errc::reply_too_large);
    CHECK(client.status().last_error.find("max_reply_bytes") != std::string::npos);
    CHECK(command(io, client, {"PING"}).str == "PONG");
    CHECK(client.status().connections == 2);
}

TEST_CASE("AUTH with the right password connects, and a wrong one fails requests with the server's reason",
          "[asio][redis_client]") {
    redis_server server({.requirepass = "s3cret"});
    net::io_context io;

    // user, password; what the server says when it refuses ("" when it accepts)
    const auto [user, password, refusal] = GENERATE(table<std::string, std::string, std::string>({
        {"", "s3cret", ""},
        {"default", "s3cret", ""},        // an ACL user
        {"", "wrong", "AUTH: WRONGPASS"}, //
        {"", "", "PING: NOAUTH"},         // no password where one is required
    }));
    redis_options o = options_for(server.address());
    o.user = user;
    o.password = password;
    redis_client client(io.get_executor(), o);
    auto [ec, reply] = wait_for(io, client.async_command({"PING"}, net::deferred));
    const redis_status s = client.status();
    if (refusal.empty()) {
        CHECK(!ec);
        CHECK(reply.str == "PONG");
        CHECK(s.state == redis_state::connected);
    } else {
        CHECK(ec == redis_errc::auth_failed);
        CHECK(s.state == redis_state::down); // and it keeps trying
        CHECK(s.connections == 0);
        CHECK(s.last_error.find(refusal) != std::string::npos);
    }
}

TEST_CASE("SELECT picks the configured database", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_options o = options_for(server.address());
    o.database = 3;
    redis_client in_3(io.get_executor(), o);
    redis_client in_0(io.get_executor(), options_for(server.address()));

    command(io, in_3, {"SET", "where", "three"});
    CHECK(command(io, in_0, {"GET", "where"}).is_nil());
    CHECK(command(io, in_3, {"GET", "where"}).str == "three");

    SECTION("a database the server does not have fails with its reason") {
        o.database = 1000;
        redis_client bad(io.get_executor(), o);
        auto [ec, reply] = wait_for(io, bad.async_command({"PING"}, net::deferred));
        CHECK(ec == redis_errc::server_error);
        CHECK(bad.status().last_error.find("SELECT: ERR DB index is out of range") != std::string::npos);
    }
}

TEST_CASE("a redis_client connects over a unix socket", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.unix_address()));
    command(io, client, {"SET", "via", "unix"});
    CHECK(command(io, client, {"GET", "via"}).str == "unix");
}

namespace {

/// A directory of the test's, removed at the end, with its certificates: a
/// CA, a server certificate for localhost (DNS) and 127.0.0.1 (IP), a client
/// certificate, and another CA with a server certificate of its own.
struct tls_files {
    std::filesystem::path dir;
    coropipe::test::test_pki pki;
    tls_files() : dir(make_dir()), pki(dir) {
        pki.make_ca("ca");
        pki.make_ca("other-ca");
        pki.issue("server", "ca", "localhost", 30, "DNS:localhost,IP:127.0.0.1");
        pki.issue("client", "ca", "app1.example.com", 30);
    }
    tls_files(const tls_files&) = delete;
    ~tls_files() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    static std::filesystem::path make_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "coropipe-pki-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        return pattern;
    }
    /// A client context trusting `ca`, with the client certificate when `with_cert`.
    std::shared_ptr<net::ssl::context> client_context(const std::string& ca, bool with_cert = false) const {
        auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
        ctx->load_verify_file(pki.crt(ca));
        if (with_cert) {
            ctx->use_certificate_chain_file(pki.crt("client"));
            ctx->use_private_key_file(pki.key("client"), net::ssl::context::pem);
        }
        return ctx;
    }
};

} // namespace

TEST_CASE("a redis_client speaks TLS to a server whose certificate it trusts, with a client certificate when asked",
          "[asio][redis_client][tls]") {
    const tls_files files;
    const std::string auth_clients = GENERATE("no", "yes");
    redis_server server({.requirepass = "s3cret",
                         .tls_cert = files.pki.crt("server"),
                         .tls_key = files.pki.key("server"),
                         .tls_ca = files.pki.crt("ca"),
                         .tls_auth_clients = auth_clients});
    net::io_context io;
    redis_options o = options_for(server.tls_address());
    o.password = "s3cret";
    o.tls = files.client_context("ca", auth_clients == "yes");
    const std::string name = GENERATE(as<std::string>{}, "", "localhost"); // the IP of the address, or a DNS name
    o.tls_server_name = name;
    redis_client client(io.get_executor(), o);
    command(io, client, {"SET", "over", every_byte()});
    CHECK(command(io, client, {"GET", "over"}).str == every_byte());
    const std::string big(3 << 20, 'x'); // many TLS records each way
    command(io, client, {"SET", "big", big});
    CHECK(command(io, client, {"GET", "big"}).str == big);
    CHECK(client.status().state == redis_state::connected);

    // A dropped connection is made again, with a new handshake.
    command(io, client, {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"}); // closed after its reply
    run_until(io, [&] { return client.status().connections == 2; }, "the client to connect again");
    CHECK(command(io, client, {"GET", "over"}).str == every_byte());
}

TEST_CASE("a redis_client refuses a TLS server it cannot trust, says why, and keeps retrying",
          "[asio][redis_client][tls]") {
    const tls_files files;
    redis_server server({.tls_cert = files.pki.crt("server"), .tls_key = files.pki.key("server")});
    net::io_context io;

    // the client's CA, the name it expects, the reason it gives
    const auto [ca, name, reason] = GENERATE(table<std::string, std::string, std::string>({
        {"other-ca", "", "unable to get local issuer certificate"}, // signed by a CA it does not know
        {"ca", "redis.example.com", "hostname mismatch"},           // the right CA, another name
        {"ca", "127.0.0.2", "IP address mismatch"},                 // the right CA, another address
    }));
    redis_options o = options_for(server.tls_address());
    o.tls = files.client_context(ca);
    o.tls_server_name = name;
    redis_client client(io.get_executor(), o);
    auto [ec, reply] = wait_for(io, client.async_command({"PING"}, net::deferred));
    CHECK(ec); // refused: the request waiting fails at once
    const redis_status s = client.status();
    CHECK(s.state == redis_state::down);
    CHECK(s.connections == 0);
    INFO(s.last_error);
    CHECK(s.last_error.find("TLS handshake with " + server.tls_address()) != std::string::npos);
    CHECK(s.last_error.find(reason) != std::string::npos);
    run_until(io, [&] { return client.status().failed_attempts >= 2; }, "a second attempt");

    // Plaintext to the TLS port, and TLS to the plaintext port, fail too
    // (the first is not a refusal: its requests wait out queue_timeout).
    redis_options plain = options_for(server.tls_address());
    plain.queue_timeout = 300ms;
    redis_client plaintext(io.get_executor(), plain);
    auto [plain_ec, plain_reply] = wait_for(io, plaintext.async_command({"PING"}, net::deferred));
    CHECK(plain_ec);
    CHECK(plaintext.status().connections == 0);
    // The plaintext server waits for the end of a command line that never
    // comes: the attempt times out.
    redis_options tls_to_plain = options_for(server.address());
    tls_to_plain.tls = files.client_context("ca");
    tls_to_plain.connect_timeout = 200ms;
    tls_to_plain.queue_timeout = 600ms;
    redis_client mismatched(io.get_executor(), tls_to_plain);
    auto [mismatch_ec, mismatch_reply] = wait_for(io, mismatched.async_command({"PING"}, net::deferred));
    CHECK(mismatch_ec == redis_errc::timed_out);
    CHECK(mismatched.status().connections == 0);
    CHECK(mismatched.status().last_error.find("no answer within 200 ms") != std::string::npos);
}

TEST_CASE("a server stopped mid-use: the client backs off, reconnects when it is back, and nothing written is lost",
          "[asio][redis_client]") {
    redis_server server; // appendonly, appendfsync always
    net::io_context io;
    std::vector<redis_status> seen;
    redis_options o = options_for(server.address());
    o.on_state = [&seen](const redis_status& s) { seen.push_back(s); };
    redis_client client(io.get_executor(), o);

    for (int i = 0; i < 100; ++i) {
        command(io, client, {"RPUSH", "kept", std::to_string(i)});
    }
    REQUIRE(client.status().state == redis_state::connected);
    const int signal = GENERATE(SIGTERM, SIGKILL);
    server.stop(signal);
    run_until(io, [&] { return client.status().state != redis_state::connected; }, "the client to see the drop");

    // A request started now waits (it is not lost) while the client retries.
    bool done = false;
    error_code late_ec;
    redis_reply late;
    client.async_command({"RPUSH", "kept", "100"}, [&](error_code e, redis_reply r) {
        done = true;
        late_ec = e;
        late = std::move(r);
    });
    run_until(io, [&] { return client.status().failed_attempts >= 3; }, "three failed attempts");
    const redis_status down = client.status();
    CHECK(down.state == redis_state::down);
    CHECK(down.last_error.find("Connection refused") != std::string::npos);
    CHECK(down.retry_in == 80ms); // 20, 40, 80: doubling
    CHECK_FALSE(done);

    server.start();
    run_until(io, [&] { return done; }, "the queued request after the restart");
    CHECK(!late_ec);
    CHECK(late.integer == 101);
    const redis_status up = client.status();
    CHECK(up.state == redis_state::connected);
    CHECK(up.connections == 2);
    CHECK(up.failed_attempts == 0);
    const redis_reply all = command(io, client, {"LRANGE", "kept", "0", "-1"});
    REQUIRE(all.elements.size() == 101);
    CHECK(all.elements[100].str == "100");

    // The changes as they came (it starts `connecting`): connected, then
    // lost and retried at once, down, ..., connected again.
    REQUIRE(seen.size() >= 4);
    CHECK(seen[0].state == redis_state::connected);
    CHECK(seen[1].state == redis_state::connecting);
    CHECK_FALSE(seen[1].last_error.empty());
    CHECK(seen[2].state == redis_state::down);
    CHECK(seen[2].retry_in == 20ms);
    CHECK(seen.back().state == redis_state::connected);
}

TEST_CASE("a request written when the connection drops fails with connection_lost", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.address()));
    command(io, client, {"PING"});

    // BLPOP holds the request on the server until it is killed; a request
    // started while connected is written at once.
    redis_request blocking;
    blocking.push({"BLPOP", "nothing", "0"});
    blocking.allow_block(redis_request::forever);
    bool done = false;
    error_code ec;
    client.async_execute(std::move(blocking), [&](error_code e, std::vector<redis_reply>) {
        done = true;
        ec = e;
    });
    server.stop(SIGKILL);
    run_until(io, [&] { return done; }, "the BLPOP to fail");
    CHECK(ec == redis_errc::connection_lost);
}

TEST_CASE("an error reply surfaces as its error code with the server's text", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.address()));
    command(io, client, {"SET", "text", "abc"});

    auto [ec, reply] = wait_for(io, client.async_command({"LPUSH", "text", "x"}, net::deferred));
    CHECK(ec == redis_errc::wrong_type);
    CHECK(reply.is_error());
    CHECK(reply.str.starts_with("WRONGTYPE"));

    auto [ec2, reply2] = wait_for(io, client.async_command({"NOSUCHCOMMAND"}, net::deferred));
    CHECK(ec2 == redis_errc::server_error);
    CHECK(reply2.str.find("unknown command") != std::string::npos);

    // In a pipeline an error reply is a reply like the others.
    redis_request request;
    request.push({"INCR", "n"});
    request.push({"LPUSH", "text", "x"});
    request.push({"INCR", "n"});
    auto [ec3, replies] = wait_for(io, client.async_execute(std::move(request), net::deferred));
    CHECK(!ec3);
    REQUIRE(replies.size() == 3);
    CHECK(replies[0].integer == 1);
    CHECK(replies[1].error() == redis_errc::wrong_type);
    CHECK(replies[2].integer == 2);
}

TEST_CASE("timeouts: a server that does not answer resets the connection, queued requests expire",
          "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_options o = options_for(server.address());
    o.response_timeout = 300ms;
    o.connect_timeout = 300ms;
    redis_client client(io.get_executor(), o);
    command(io, client, {"PING"});

    SECTION("no reply within the response timeout") {
        server.signal(SIGSTOP); // alive, but answers nothing
        auto [ec, reply] = wait_for(io, client.async_command({"PING"}, net::deferred));
        CHECK(ec == redis_errc::timed_out);
        CHECK(client.status().last_error.find("no reply") != std::string::npos);
        // The server still hangs: attempts time out in the handshake.
        run_until(io, [&] { return client.status().failed_attempts >= 1; }, "a failed attempt");
        CHECK(client.status().last_error.find("no answer within 300 ms") != std::string::npos);
        server.signal(SIGCONT);
    }
    SECTION("blocking commands get their BLOCK time on top") {
        redis_request blocking;
        blocking.push({"BLPOP", "nothing", "1"}); // 1 s > the 300 ms response timeout
        blocking.allow_block(1000ms);
        auto [ec, replies] = wait_for(io, client.async_execute(std::move(blocking), net::deferred));
        CHECK(!ec);
        CHECK(replies.at(0).is_nil());
        CHECK(client.status().connections == 1);
    }
    SECTION("a queue timeout bounds the wait for a connection") {
        o.queue_timeout = 200ms;
        redis_client patient(io.get_executor(), o);
        command(io, patient, {"PING"});
        server.stop(SIGKILL);
        auto [ec, reply] = wait_for(io, patient.async_command({"PING"}, net::deferred));
        CHECK((ec == redis_errc::timed_out || ec == redis_errc::connection_lost));
        auto [ec2, reply2] = wait_for(io, patient.async_command({"PING"}, net::deferred));
        CHECK(ec2 == redis_errc::timed_out);
    }
}

TEST_CASE("cancelling a request completes it at once and keeps later replies in step", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    redis_client client(io.get_executor(), options_for(server.address()));
    command(io, client, {"PING"});

    SECTION("a written request: its reply is dropped when it comes") {
        net::cancellation_signal signal;
        bool done = false;
        error_code ec;
        redis_request blocking;
        blocking.push({"BLPOP", "queue", "0"});
        blocking.allow_block(redis_request::forever);
        client.async_execute(std::move(blocking),
                             net::bind_cancellation_slot(signal.slot(), [&](error_code e, std::vector<redis_reply>) {
                                 done = true;
                                 ec = e;
                             }));
        bool next_done = false;
        redis_reply next;
        client.async_command({"ECHO", "after"}, [&](error_code, redis_reply r) {
            next_done = true;
            next = std::move(r);
        });
        signal.emit(net::cancellation_type::terminal);
        run_until(io, [&] { return done; }, "the cancelled request");
        CHECK(ec == net::error::operation_aborted);
        CHECK_FALSE(next_done);

        redis_client other(io.get_executor(), options_for(server.address()));
        command(io, other, {"RPUSH", "queue", "popped by the cancelled BLPOP"});
        run_until(io, [&] { return next_done; }, "the request after it");
        CHECK(next.str == "after");
        CHECK(command(io, other, {"LLEN", "queue"}).integer == 0); // the BLPOP did run
    }
    SECTION("a request not written yet is removed, even by total cancellation") {
        server.stop(SIGKILL);
        run_until(io, [&] { return client.status().state == redis_state::down; }, "the client to be down");
        net::cancellation_signal signal;
        bool done = false;
        error_code ec;
        client.async_command({"PING"}, net::bind_cancellation_slot(signal.slot(), [&](error_code e, redis_reply) {
                                 done = true;
                                 ec = e;
                             }));
        signal.emit(net::cancellation_type::total);
        run_until(io, [&] { return done; }, "the cancelled request");
        CHECK(ec == net::error::operation_aborted);
    }
}

TEST_CASE("close() and destruction complete every pending request with operation_aborted", "[asio][redis_client]") {
    redis_server server;
    net::io_context io;
    std::vector<error_code> results;
    {
        redis_client client(io.get_executor(), options_for(server.address()));
        command(io, client, {"PING"});
        redis_request blocking;
        blocking.push({"BLPOP", "nothing", "0"});
        blocking.allow_block(redis_request::forever);
        client.async_execute(std::move(blocking),
                             [&](error_code e, std::vector<redis_reply>) { results.push_back(e); });
        client.async_command({"PING"}, [&](error_code e, redis_reply) { results.push_back(e); });
        SECTION("close") {
            client.close();
            CHECK(client.status().state == redis_state::closed);
            client.async_command({"PING"}, [&](error_code e, redis_reply) { results.push_back(e); });
        }
        SECTION("destruction") {}
    }
    run_until(io, [&] { return results.size() >= 2; }, "the pending requests to complete");
    io.restart();
    io.poll();
    for (const error_code& e : results) {
        CHECK(e == net::error::operation_aborted);
    }
    io.run(); // nothing of the client is left waiting
}

TEST_CASE("a bad address or option is a clear error at construction", "[asio][redis_client]") {
    net::io_context io;
    const auto make = [&](std::string address) {
        redis_options o;
        o.address = std::move(address);
        redis_client client(io.get_executor(), o);
    };
    CHECK_THROWS_WITH(make("localhost:http"), Catch::Contains("the port must be a number from 1 to 65535"));
    CHECK_THROWS_WITH(make("localhost:0"), Catch::Contains("the port must be a number"));
    CHECK_THROWS_WITH(make("::1:6379"), Catch::Contains("an IPv6 address goes in brackets"));
    CHECK_THROWS_WITH(make("unix:"), Catch::Contains("no socket path"));
    CHECK_THROWS_WITH(make(":6379"), Catch::Contains("no host"));
    CHECK_THROWS_WITH(make("unix:/" + std::string(200, 'x')), Catch::Contains("longer than"));
    CHECK_NOTHROW(make("[::1]:6379"));
    CHECK_NOTHROW(make("localhost"));

    redis_options o;
    o.user = "someone";
    CHECK_THROWS_AS(redis_client(io.get_executor(), o), coropipe::error);
}

TEST_CASE("a redis_client on a strand of a thread pool serves the requests started on that strand", "[asio][redis_client]") {
    redis_server server;
    net::thread_pool pool(2);
    auto strand = net::make_strand(pool.get_executor());
    redis_client client(strand, options_for(server.address()));
    std::promise<long long> total;
    // 4 × 100 INCRs started from the strand, then a GET once all are in.
    struct counter {
        redis_client* client;
        std::promise<long long>* total;
        int done = 0;
        bool failed = false;
    } state{&client, &total};
    for (int c = 0; c < 4; ++c) {
        net::post(strand, [&state] {
            for (int i = 0; i < 100; ++i) {
                state.client->async_command({"INCR", "shared"}, [&state](error_code e, redis_reply) {
                    state.failed = state.failed || e; // (Catch2 assertions are for the main thread)
                    if (++state.done == 400) {
                        state.client->async_command({"GET", "shared"}, [&state](error_code, redis_reply r) {
                            state.total->set_value(state.failed ? -1 : std::stoll(r.str));
                            state.client->close();
                        });
                    }
                });
            }
        });
    }
    std::future<long long> result = total.get_future();
    REQUIRE(result.wait_for(20s) == std::future_status::ready);
    CHECK(result.get() == 400);
    pool.join();
}
