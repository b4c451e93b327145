// TLS on tcp sources: contexts, peer checks, refusals (tls.hpp).
#include "tls.hpp"

#include "log.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cctype>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <unistd.h>

namespace coropiped {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's reason for the last error of the thread, emptied.
std::string openssl_reason(const boost::system::error_code& ec) {
    std::string why = ec.message();
    while (const unsigned long e = ERR_get_error()) {
        if (const char* r = ERR_reason_error_string(e)) {
            why = r;
        }
    }
    return why;
}

void refuse_setting(const std::string& what, const boost::system::error_code& ec) {
    throw std::runtime_error(what + ": " + openssl_reason(ec));
}

} // namespace

void check_readable(const std::filesystem::path& file, const std::string& key) {
    if (!file.empty() && ::access(file.c_str(), R_OK) != 0) {
        throw std::runtime_error("cannot read " + key + " " + file.string() + ": " + std::strerror(errno));
    }
}

std::shared_ptr<ssl::context> make_server_context(const server_tls_files& c) {
    const std::string& k = c.keys;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    const int min = c.min_version == source_config::tls_version::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx->native_handle(), min);
    check_readable(c.cert, k + "cert");
    check_readable(c.key, k + "key");
    check_readable(c.ca, k + "ca");
    boost::system::error_code ec;
    ERR_clear_error();
    if (ctx->use_certificate_chain_file(c.cert.string(), ec); ec) {
        refuse_setting("cannot use " + k + "cert " + c.cert.string(), ec);
    }
    if (ctx->use_private_key_file(c.key.string(), ssl::context::pem, ec); ec) {
        refuse_setting("cannot use " + k + "key " + c.key.string(), ec);
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        refuse_setting(k + "key " + c.key.string() + " is not the key of " + k + "cert " + c.cert.string(), {});
    }
    if (!c.ca.empty()) {
        std::error_code fs_ec;
        if (std::filesystem::is_directory(c.ca, fs_ec)) {
            if (ctx->add_verify_path(c.ca.string(), ec); ec) {
                refuse_setting("cannot use " + k + "ca " + c.ca.string(), ec);
            }
        } else {
            if (ctx->load_verify_file(c.ca.string(), ec); ec) {
                refuse_setting("cannot use " + k + "ca " + c.ca.string(), ec);
            }
            // The CAs named to the client, so that it can choose its certificate.
            if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(c.ca.c_str())) {
                SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
            }
        }
    }
    source_config::verify mode = c.verify;
    if (mode == source_config::verify::automatic) {
        mode = c.ca.empty() ? source_config::verify::none : source_config::verify::required;
    }
    if (mode != source_config::verify::none && c.ca.empty()) {
        throw std::runtime_error(k + "verify_client = \"" +
                                 std::string(mode == source_config::verify::required ? "required" : "optional") +
                                 "\" needs " + k + "ca: the CAs that sign the clients' certificates");
    }
    ctx->set_verify_mode(mode == source_config::verify::required ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                         : mode == source_config::verify::optional ? ssl::verify_peer
                                                                    : ssl::verify_none);
    if (!c.ciphers.empty() && SSL_CTX_set_cipher_list(ctx->native_handle(), c.ciphers.c_str()) != 1) {
        refuse_setting(k + "ciphers \"" + c.ciphers + "\" names no cipher OpenSSL knows", {});
    }
    // Resumed sessions would skip the client certificate's check.
    SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx->native_handle(), 0);
    return ctx;
}

std::shared_ptr<ssl::context> make_server_context(const source_config& c) {
    return make_server_context(server_tls_files{.cert = c.tls_cert,
                                                .key = c.tls_key,
                                                .ca = c.tls_ca,
                                                .verify = c.tls_verify,
                                                .min_version = c.tls_min_version,
                                                .ciphers = c.tls_ciphers,
                                                .keys = "tls."});
}

std::shared_ptr<ssl::context> make_metrics_context(const daemon_config& c) {
    try {
        return make_server_context(server_tls_files{.cert = c.metrics_tls_cert,
                                                    .key = c.metrics_tls_key,
                                                    .ca = c.metrics_tls_ca,
                                                    .verify = source_config::verify::automatic,
                                                    .min_version = source_config::tls_version::v1_2,
                                                    .ciphers = {},
                                                    .keys = "metrics_tls."});
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string("metrics_listen: cannot set up TLS: ") + e.what());
    }
}

bool peer_name_matches(std::string_view pattern, std::string_view name) {
    auto equal = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                   return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
               });
    };
    if (pattern.starts_with("*.")) {
        const std::size_t dot = name.find('.');
        return dot != std::string_view::npos && dot > 0 && equal(pattern.substr(1), name.substr(dot));
    }
    return equal(pattern, name);
}

bool permitted_peer(const X509* cert, const std::vector<std::string>& permitted, std::string& names) {
    std::vector<std::string> found;
    if (auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
            const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
            if (n->type == GEN_DNS) {
                const ASN1_STRING* s = n->d.dNSName;
                found.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   static_cast<std::size_t>(ASN1_STRING_length(s)));
            }
        }
        GENERAL_NAMES_free(sans);
    }
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
        found.emplace_back(cn);
    }
    names.clear();
    for (const std::string& n : found) {
        names += (names.empty() ? "" : ", ") + n;
    }
    if (permitted.empty()) {
        return true;
    }
    return std::any_of(found.begin(), found.end(), [&](const std::string& n) {
        return std::any_of(permitted.begin(), permitted.end(),
                           [&](const std::string& p) { return peer_name_matches(p, n); });
    });
}

tls_failure classify_handshake_failure(const boost::system::error_code& ec, long verify_result) {
    switch (verify_result) {
    case X509_V_OK:
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return {"expired", X509_verify_cert_error_string(verify_result)};
    case X509_V_ERR_HOSTNAME_MISMATCH: // a sink's peer
        return {"hostname", X509_verify_cert_error_string(verify_result)};
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return {"unknown_ca", std::string("unknown CA: ") + X509_verify_cert_error_string(verify_result)};
    default:
        return {"bad_certificate", X509_verify_cert_error_string(verify_result)};
    }
    std::string why = ec.message();
    int reason = 0;
    if (ec.category() == net::error::get_ssl_category()) {
        reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
        if (const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) {
            why = r;
        }
    }
    if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
        return {"no_certificate", "the client sent no certificate"};
    }
    if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_HTTP_REQUEST || reason == SSL_R_HTTPS_PROXY_REQUEST ||
        reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
        return {"not_tls", "not a TLS client hello (plaintext on the TLS port?): " + why};
    }
    return {"handshake", why};
}

namespace {

std::mutex refusals_mutex;
// (kind, name, reason) -> count
std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t>& refusals() {
    static std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> counts;
    return counts;
}

} // namespace

void count_tls_refusal(const std::string& kind, const std::string& name, const std::string& reason) {
    std::lock_guard lock(refusals_mutex);
    ++refusals()[{kind, name, reason}];
}

std::string tls_metrics_text() {
    std::string out = "# HELP coropiped_tls_refused_total TLS handshakes refused: clients of a source or of the "
                      "metrics listener, peers of a sink; by reason (expired, unknown_ca, hostname, no_certificate, "
                      "not_permitted, not_tls, timeout, bad_certificate, handshake).\n"
                      "# TYPE coropiped_tls_refused_total counter\n";
    std::lock_guard lock(refusals_mutex);
    for (const auto& [key, n] : refusals()) {
        const auto& [kind, name, reason] = key;
        out += "coropiped_tls_refused_total{kind=\"" + kind + "\",name=\"" + name + "\",reason=\"" + reason +
               "\"} " + std::to_string(n) + "\n";
    }
    return out;
}

std::shared_ptr<const tls_settings> make_tls_settings(const source_config& c) {
    if (c.tls_cert.empty()) {
        return nullptr;
    }
    auto s = std::make_shared<tls_settings>();
    s->context = make_server_context(c);
    s->permitted_peers = c.tls_permitted_peers;
    s->handshake_timeout = c.tls_handshake_timeout;
    return s;
}

namespace {

void refuse(const tls_settings& settings, const std::string& source, const std::string& peer,
            const tls_failure& why) {
    count_tls_refusal("source", source, why.reason);
    settings.refusals_logged(log_to_stderr, log_level::warning,
                             "source " + source + ": TLS client " + peer + " refused (" + why.reason + "): " +
                                 why.detail);
}

} // namespace

void accept_tls(std::shared_ptr<coropipe::asio::connection<net::ip::tcp>> conn,
                std::shared_ptr<const tls_settings> settings, std::string source,
                std::function<void(std::shared_ptr<tls_connection>)> serve, std::function<void()> refused) {
    boost::system::error_code ignored;
    const net::ip::tcp::endpoint remote = conn->socket.remote_endpoint(ignored);
    std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());
    auto t = std::make_shared<tls_connection>(std::move(conn), *settings->context);
    auto timer = std::make_shared<net::steady_timer>(t->conn->socket.get_executor());
    auto timed_out = std::make_shared<bool>(false);
    timer->expires_after(settings->handshake_timeout);
    timer->async_wait([weak = std::weak_ptr<tls_connection>(t), timed_out](boost::system::error_code ec) {
        if (auto live = weak.lock(); live && !ec) {
            *timed_out = true;
            boost::system::error_code ignored_too;
            live->conn->socket.close(ignored_too); // ends the pending handshake
        }
    });
    tls_connection& raw = *t;
    raw.stream.async_handshake(
        ssl::stream_base::server,
        [t = std::move(t), timer, timed_out, settings = std::move(settings), source = std::move(source),
         peer = std::move(peer), serve = std::move(serve),
         refused = std::move(refused)](boost::system::error_code ec) mutable {
            timer->cancel();
            if (*timed_out) {
                refuse(*settings, source, peer,
                       {"timeout", "no TLS handshake within " + std::to_string(settings->handshake_timeout.count()) +
                                       " ms"});
                refused();
                return;
            }
            if (ec) {
                refuse(*settings, source, peer,
                       classify_handshake_failure(ec, SSL_get_verify_result(t->stream.native_handle())));
                refused();
                return;
            }
            if (!settings->permitted_peers.empty()) {
                X509* cert = SSL_get1_peer_certificate(t->stream.native_handle());
                std::string names;
                const bool ok = cert != nullptr && permitted_peer(cert, settings->permitted_peers, names);
                X509_free(cert);
                if (!ok) {
                    refuse(*settings, source, peer,
                           {"not_permitted", cert == nullptr ? std::string("no certificate to match permitted_peers")
                                                             : "certificate of " + names + " not in permitted_peers"});
                    boost::system::error_code ignored_too;
                    t->conn->socket.close(ignored_too);
                    refused();
                    return;
                }
            }
            serve(std::move(t));
        });
}

std::optional<std::string_view> tls_source::try_read_chunk() {
    tls_connection& t = *t_;
    if (t.have > 0) {
        const std::size_t n = std::exchange(t.have, 0);
        t.conn->touch();
        return std::string_view(t.buffer.data(), n);
    }
    if (t.error) {
        throw boost::system::system_error(std::exchange(t.error, {}), "coropiped: TLS read");
    }
    if (t.ended) {
        return std::string_view{};
    }
    return std::nullopt;
}

} // namespace coropiped
