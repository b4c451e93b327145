#pragma once
// coropiped's configuration file (TOML): [daemon] settings, [source.NAME],
// [pipeline.NAME] and [sink.NAME] tables, read and fully validated before the
// daemon acts on any of it. Every key, default and message is documented in
// docs/coropiped-config.md.
//
// The loader is in config/, a file per concern: values, positions in the
// TOML text, the schema of keys (schema.cpp: each key once), the reader that
// walks it, the checks across tables, the environment checks. No coroutine
// in there, on purpose: the fuzz target fuzz_daemon_config compiles those
// files with all of UBSan, whose function check clang 14 cannot apply to
// coroutine bodies (tests/fuzz.cmake).

#include <coropipe/error.hpp>
#include <coropipe/pipeline_text.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coropiped {

/// A network address as written in the file: `host:port`, `[v6]:port`.
/// `host` is a hostname, an IPv4 address or an IPv6 address (without the
/// brackets); resolving it is left to the daemon.
struct endpoint {
    std::string host;
    std::uint16_t port = 0;
    bool operator==(const endpoint&) const = default;
};

/// `[source.NAME]`: where lines come from.
struct source_config {
    enum class kind { tcp, udp, unix_stream, stdin_, file, redis_stream }; // "tcp" "udp" "unix" "stdin" "file" "redis-stream"
    enum class framing { newline, octet, automatic };        // "newline" "octet" "auto"
    enum class position { end, beginning };                  // "end" "beginning"

    std::string name;
    kind type = kind::tcp;
    endpoint listen;            ///< tcp, udp
    std::filesystem::path path; ///< unix: the socket; file: the file tailed
    framing frames = framing::newline;
    std::size_t max_line = 0;        ///< bytes; a longer line is truncated and counted
    std::size_t max_connections = 0; ///< tcp, unix: open connections at once
    std::size_t buffer_bytes = 0;    ///< lines read but not yet taken by the pipelines
    position start = position::end;  ///< file: where to start without a saved offset
    std::size_t receive_buffer = 0;  ///< udp: the socket's receive buffer (SO_RCVBUF), bytes
    std::chrono::milliseconds idle_timeout{0}; ///< tcp, unix: close a connection idle this long; 0: never
    // unix: the socket file's permissions and owner; empty/unset: as created
    std::optional<unsigned> socket_mode; ///< `mode = "0660"`
    std::string socket_owner;            ///< `owner = "syslog"` (a user name or number)
    std::string socket_group;            ///< `group = "adm"`
    // redis-stream: a consumer of a Redis stream's consumer group
    std::string broker_address;   ///< `address`: "host:port" or "unix:PATH"
    std::string stream;           ///< the stream's key
    std::string consumer_group;   ///< `group`: created (with the stream) if missing
    std::string consumer;         ///< this daemon's name in the group; empty: the host name
    std::size_t batch = 1000;     ///< entries per XREADGROUP (COUNT)
    std::size_t block_ms = 1000;  ///< how long one XREADGROUP waits for new entries
    std::size_t claim_idle_ms = 30'000; ///< other consumers' entries pending this long are claimed
    std::size_t max_in_flight = 20'000; ///< entries read and not yet acknowledged; reading pauses there
    // tcp: `[source.NAME.tls]`; no `cert`: plaintext
    enum class verify { automatic, required, optional, none }; // "required" "optional" "none"; automatic: required with a ca
    enum class tls_version { v1_2, v1_3 };                     // "1.2" "1.3"
    std::filesystem::path tls_cert;                 ///< the server's certificate (chain), PEM
    std::filesystem::path tls_key;                  ///< its private key, PEM
    std::filesystem::path tls_ca;                   ///< the CAs that sign client certificates: a PEM file or a hashed directory
    verify tls_verify = verify::automatic;          ///< client certificates
    std::vector<std::string> tls_permitted_peers;   ///< DNS SANs or CN of the clients let in; `*.` wildcards; empty: any verified
    tls_version tls_min_version = tls_version::v1_2;
    std::string tls_ciphers;                        ///< OpenSSL cipher list (TLS 1.2); empty: OpenSSL's default
    std::chrono::milliseconds tls_handshake_timeout{10'000};
    // redis-stream: `[source.NAME.tls]` with tls_ca, tls_cert, tls_key as a client's; TLS when any is given
    std::string tls_server_name; ///< the name the server's certificate must carry (and SNI); empty: the address's host
    /// Any TLS key given: a tcp source serves TLS (its `tls.cert`; the config
    /// refuses `tls.ca` without it), a redis-stream source connects over TLS.
    bool tls() const { return !tls_ca.empty() || !tls_cert.empty() || !tls_server_name.empty(); }
    bool operator==(const source_config&) const = default;
};

/// `[pipeline.NAME]`: lines of the `from` sources through `run` to the `to` sinks.
struct pipeline_config {
    std::string name;
    std::vector<std::string> from;            ///< source names, each once, in the file's order
    std::string run;                          ///< the pipeline text, as written
    std::vector<coropipe::stage_spec> stages; ///< `run`, parsed and checked
    std::vector<std::string> to;              ///< sink names, each once, in the file's order
    std::size_t buffer_bytes = 0;             ///< input lines queued for this pipeline
    enum class output_format { text, json };  // "text" "json"
    output_format format = output_format::text; ///< grouped aggregates: TSV lines or JSON objects
    std::chrono::milliseconds grace{2000};    ///< `every` windows: written this long after their end
    std::string metric_name;                  ///< `metric.name`: each window's groups as gauges on /metrics
    std::vector<std::string> metric_labels;   ///< `metric.labels`: a label name per `by` KEY
    bool operator==(const pipeline_config&) const = default;

};

/// `[sink.NAME]`: where a pipeline's output goes.
struct sink_config {
    enum class kind { file, stdout_, tcp, redis_stream }; // "file" "stdout" "tcp" "redis-stream"

    std::string name;
    kind type = kind::file;
    std::filesystem::path path;               ///< file: appended to, reopened on SIGHUP/SIGUSR1
    endpoint address;                         ///< tcp: the peer
    std::size_t buffer_bytes = 0;             ///< output queued (tcp: held while disconnected)
    std::chrono::milliseconds backoff_min{100}; ///< first retry (reconnect) delay after a failed write, doubled up to backoff_max
    std::chrono::milliseconds backoff_max{10'000};
    unsigned file_mode = 0640;                ///< file: permissions of a file the sink creates (`mode = "0640"`)
    std::filesystem::path spool;              ///< empty: none; else what cannot be written waits there, on disk
    std::size_t spool_max_bytes = 0;          ///< the spool's size limit
    // redis-stream: XADD to a Redis stream
    std::string broker_address;               ///< `address`: "host:port" or "unix:PATH"
    std::string stream;                       ///< the stream's key
    std::size_t batch_lines = 64;             ///< lines per entry (1: a field `line`, else `lines`)
    std::uint64_t flush_ms = 0;               ///< how long lines may wait to fill an entry; 0: none
    std::size_t maxlen = 0;                   ///< MAXLEN ~ trimming; 0: none
    // tcp, redis-stream: `[sink.NAME.tls]`; TLS when any of these is given
    std::filesystem::path tls_ca;   ///< the CAs the peer's certificate must chain to; empty: the system's
    std::filesystem::path tls_cert; ///< a client certificate, if the peer asks for one
    std::filesystem::path tls_key;  ///< its key
    std::string tls_server_name;    ///< the name the peer's certificate must carry (and SNI); empty: the address's host
    bool tls() const { return !tls_ca.empty() || !tls_cert.empty() || !tls_server_name.empty(); }
    bool operator==(const sink_config&) const = default;
};

/// A place in the configuration file: 1-based line, column in code points.
struct config_place {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    bool operator==(const config_place&) const = default;
};

/// The whole file. Sources, pipelines and sinks are sorted by name.
/// Relative paths in the file are resolved against the file's directory.
/// The initial values of the members are the defaults of the file's keys
/// (the only place they are written; docs/coropiped-config.md is checked
/// against them).
struct daemon_config {
    std::filesystem::path file; ///< as given to load_config / parse_config

    // [daemon]
    unsigned threads = 0; ///< io_context threads; 0: one per core
    std::chrono::milliseconds shutdown_timeout{10'000};
    bool metrics_enabled = false;     ///< metrics_listen given
    endpoint metrics_listen;          ///< /metrics and /health
    std::string metrics_auth;         ///< `user:SHA256HEX` of HTTP basic auth on them; empty: open
    std::filesystem::path metrics_tls_cert; ///< `[daemon.metrics_tls]`: served over HTTPS with this certificate; empty: HTTP
    std::filesystem::path metrics_tls_key;  ///< its private key
    std::filesystem::path metrics_tls_ca;   ///< the CAs of the client certificates required; empty: none asked for
    std::filesystem::path state_file; ///< file sources' offsets; empty: not saved
    std::chrono::milliseconds checkpoint_interval{1000}; ///< how often the offsets are saved while running
    std::string user;  ///< started as root: switch to this user once the sockets are bound; empty: stay
    std::string group; ///< ... and this group (default: the user's)
    // defaults for the tables below
    std::size_t max_line = 64 * 1024;
    std::size_t max_connections = 1024;
    std::size_t source_buffer = 1 << 20;
    std::size_t pipeline_buffer = 1 << 20;
    std::size_t sink_buffer = 4 << 20;
    std::size_t receive_buffer = 32 << 20; ///< default of the udp sources' receive_buffer
    std::size_t spool_max_bytes = 1ULL << 30; ///< default of the sinks' spool_max_bytes

    std::vector<source_config> sources;
    std::vector<pipeline_config> pipelines;
    std::vector<sink_config> sinks;

    /// `FILE:LINE:COL: warning: KEY: what`, one per item, for things that are
    /// allowed but probably wrong (a source or sink no pipeline uses).
    std::vector<std::string> warnings;

    /// Where each table and each key written in the file is, by dotted key:
    /// `sink.out` (its header), `sink.out.path` (its value). Keys left to
    /// their default are not in it. See diagnostic_at.
    std::map<std::string, config_place, std::less<>> places;
};

/// One problem found in a configuration file.
struct config_diagnostic {
    std::string file;
    std::uint32_t line = 0;   ///< 1-based; 0 when the file could not be read
    std::uint32_t column = 0; ///< 1-based, in code points as toml++ counts them
    std::string key;          ///< dotted: `source.app.listen`; empty for a TOML syntax error
    std::string message;

    /// `FILE:LINE:COL: KEY: message` (`FILE:LINE:COL: message` without a key).
    std::string to_string() const;
};

/// A configuration file that cannot be used. what() is every problem found,
/// one line each (`FILE:LINE:COL: KEY: what`), in file order; `errors()`
/// holds them one by one. Validation goes on after a bad value to report all
/// of them at once; a TOML syntax error stops at the first (toml++ does).
class config_error : public coropipe::error {
public:
    explicit config_error(std::vector<config_diagnostic> errors);
    const std::vector<config_diagnostic>& errors() const noexcept { return errors_; }

private:
    std::vector<config_diagnostic> errors_;
};

/// A problem with `key` (dotted: `sink.out.path`) found after loading (a
/// directory that does not exist, a port in use): placed at the key's value
/// in the file, or at its table's header when the key took its default, or
/// at `FILE` alone.
config_diagnostic diagnostic_at(const daemon_config& config, std::string key, std::string message);

/// What the file cannot say and the running system can, for `coropiped
/// --check` (load_config does not call it; it is not pure). Each problem
/// found, at its key's place, in file order; empty if none:
/// - file sinks, spools and the state file: their directory exists and is
///   writable and searchable by this process, an existing file is writable
///   (and not a directory);
/// - file sources: the directory of the followed file exists;
/// - unix sources: the socket's directory is writable, and nothing but a
///   socket is at its path;
/// - tcp and udp sources and metrics_listen: the address resolves and can be
///   bound (a socket is bound with SO_REUSEADDR and closed at once: nothing
///   stays bound): "already in use", "needs root or CAP_NET_BIND_SERVICE";
/// - `user`, `group`, and the unix sources' `owner` and `group` exist;
/// - a file written (sink, spool) that is, through symbolic links, a file a
///   source follows.
/// Checked as the user running it, now: a port the running daemon holds
/// itself is "already in use". Throws only std::bad_alloc.
std::vector<config_diagnostic> check_environment(const daemon_config& config);

/// The files a sink writes (its path, its spool) that are, through
/// symbolic links (every existing part resolved), a file a source follows:
/// the output would come back as input. Part of `check_environment`; the
/// daemon refuses such a configuration at start and at reload too.
std::vector<config_diagnostic> feedback_loops(const daemon_config& config);

/// An extra check of each pipeline whose `run` text parsed, for what the
/// parser cannot see (the daemon builds the stages: a regex RE2 refuses). A
/// `coropipe::pipeline_text_error` it throws is reported like a parse error,
/// at its place in the file; any other exception goes through unchanged.
using run_check = std::function<void(const pipeline_config&)>;

/// Reads and validates `file`. Throws `config_error` for a file that cannot be
/// read (`FILE: cannot read: REASON`) and for every problem in it; nothing else
/// but `std::bad_alloc` (and what `check` throws). Eager, pure apart from
/// reading the file and calling `check`: nothing is opened, bound or resolved.
daemon_config load_config(const std::filesystem::path& file, const run_check& check = {});

/// Validates `text` as if read from `file_name`, which names the file in
/// messages and is the base of relative paths. Throws as load_config.
daemon_config parse_config(std::string_view text, std::string file_name, const run_check& check = {});

/// Parses a size: a non-negative integer of bytes or a string, a decimal
/// integer and a unit B, KB, MB, GB (10^3...), KiB, MiB, GiB (2^10...),
/// case-insensitive, optional blanks between: "64KiB", "1 MB". Throws
/// coropipe::error saying what is wrong.
std::size_t parse_size(std::string_view text);

/// Parses a duration: a decimal integer and a unit ms, s, m or h: "250ms".
/// Throws coropipe::error saying what is wrong.
std::chrono::milliseconds parse_duration(std::string_view text);

/// Parses `host:port` or `[v6]:port`. Port 0 only if `allow_port_zero`
/// (a listening address: the kernel picks one). Throws coropipe::error.
endpoint parse_endpoint(std::string_view text, bool allow_port_zero);

} // namespace coropiped
