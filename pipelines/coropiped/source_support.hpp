#pragma once
// What the kinds of source share (sources.cpp: udp, stdin, followed files;
// listening_sources.cpp: tcp and unix listeners). Private to the daemon.

#include "sources.hpp"

#include <coropipe/asio/run.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace coropiped {

/// The run options of a source's runs: framing, lossy (udp), hold_partial
/// (files), its counters, and errors of one pipeline logged, not fatal.
coropipe::asio::run_options options_for(const source_config& c, coropipe::asio::counters* metrics);

/// A run has ended: an error is told (but the end that stop() caused).
void report_end(const std::string& source, std::exception_ptr e, coropipe::asio::counters* metrics);

/// The error of a source that cannot be opened, naming it: `source NAME:
/// cannot WHAT: WHY`.
[[noreturn]] void cannot(const source_config& c, const std::string& what, const std::string& why);

/// `host:port`, an IPv6 address in brackets.
std::string endpoint_text(const boost::asio::ip::address& a, unsigned short port);

/// A source object shared between the run (which reads it) and the
/// running_source (which stops it).
template <class S>
struct shared_source {
    std::shared_ptr<S> s;
    boost::asio::awaitable<std::string_view> read_chunk() { return coropipe::asio::read_chunk_of(this); }
    std::optional<std::string_view> try_read_chunk() { return s->try_read_chunk(); }
    template <class Token>
    auto async_wait_chunk(Token&& token) {
        return s->async_wait_chunk(std::forward<Token>(token));
    }
};

template <class Endpoint>
Endpoint resolve(boost::asio::io_context& io, const endpoint& at) {
    typename Endpoint::protocol_type::resolver resolver(io);
    return resolver.resolve(at.host, std::to_string(at.port), Endpoint::protocol_type::resolver::passive)
        .begin()
        ->endpoint();
}

std::unique_ptr<running_source> open_tcp(const source_config& c, source_env env);
std::unique_ptr<running_source> open_unix(const source_config& c, source_env env);

} // namespace coropiped
