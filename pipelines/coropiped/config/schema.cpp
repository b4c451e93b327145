#include "config/schema.hpp"

#include "config/fields.hpp"
#include "config/key_checks.hpp"

#include <algorithm>
#include <optional>
#include <type_traits>

namespace coropiped::loader {

namespace {

using namespace std::chrono_literals;
using source_kind = source_config::kind;
using sink_kind = sink_config::kind;
using namespace fields;

constexpr std::uint64_t max_threads = 1024;
constexpr std::uint64_t max_connections = 1'000'000;
constexpr auto max_timeout = 24h;
// SO_RCVBUF is an int, which the kernel doubles.
constexpr std::uint64_t max_receive_buffer = 1ULL << 30;

constexpr choice source_types[] = {{"tcp", static_cast<int>(source_kind::tcp)},
                                   {"udp", static_cast<int>(source_kind::udp)},
                                   {"unix", static_cast<int>(source_kind::unix_stream)},
                                   {"stdin", static_cast<int>(source_kind::stdin_)},
                                   {"file", static_cast<int>(source_kind::file)},
                                   {"redis-stream", static_cast<int>(source_kind::redis_stream)}};
constexpr choice framings[] = {{"newline", static_cast<int>(source_config::framing::newline)},
                               {"octet", static_cast<int>(source_config::framing::octet)},
                               {"auto", static_cast<int>(source_config::framing::automatic)}};
constexpr choice starts[] = {{"end", static_cast<int>(source_config::position::end)},
                             {"beginning", static_cast<int>(source_config::position::beginning)}};
constexpr choice verify_modes[] = {{"required", static_cast<int>(source_config::verify::required)},
                                   {"optional", static_cast<int>(source_config::verify::optional)},
                                   {"none", static_cast<int>(source_config::verify::none)}};
constexpr choice tls_versions[] = {{"1.2", static_cast<int>(source_config::tls_version::v1_2)},
                                   {"1.3", static_cast<int>(source_config::tls_version::v1_3)}};
constexpr choice output_formats[] = {{"text", static_cast<int>(pipeline_config::output_format::text)},
                                     {"json", static_cast<int>(pipeline_config::output_format::json)}};
constexpr choice sink_types[] = {{"file", static_cast<int>(sink_kind::file)},
                                 {"stdout", static_cast<int>(sink_kind::stdout_)},
                                 {"tcp", static_cast<int>(sink_kind::tcp)},
                                 {"redis-stream", static_cast<int>(sink_kind::redis_stream)}};

constexpr table_spec table_specs[] = {
    {table_kind::daemon, "daemon", "", {}},
    {table_kind::source, "source", " (type = \"tcp\", ...)", source_types},
    {table_kind::pipeline, "pipeline", " (from = [...], run = \"...\", to = [...])", {}},
    {table_kind::sink, "sink", " (type = \"file\", ...)", sink_types},
};

// ---- the keys --------------------------------------------------------------
// Each key once per table and type of source or sink; a key whose default,
// hint or checks differ by type (a source's `path`) has one entry per type.

constexpr std::string_view framing_doc =
    "how a stream is cut into messages: at newlines, by RFC 6587 octet counting (`LEN SP MSG`), or detected per "
    "connection from its first byte";

constexpr key daemon_keys[] = {
    {.name = "threads",
     .value = integer(0, max_threads),
     .target = member<&daemon_config::threads>,
     .doc = "threads running the io_context; 0: one per core"},
    {.name = "shutdown_timeout",
     .value = duration(0ms, max_timeout),
     .target = member<&daemon_config::shutdown_timeout>,
     .doc = "on SIGTERM/SIGINT, how long the daemon may take to drain its buffers to the sinks before it exits "
            "anyway"},
    {.name = "metrics_listen",
     .value = address(true),
     .target = member<&daemon_config::metrics_listen>,
     .after = claim_metrics_listen,
     .doc = "where `/metrics` (Prometheus text) and `/health` are served",
     .none = "no HTTP endpoint"},
    {.name = "metrics_auth",
     .value = of_kind(value_kind::string),
     .target = member<&daemon_config::metrics_auth>,
     .only_with = "metrics_listen",
     .after = check_metrics_auth,
     .doc = "`\"USER:SHA256\"`: `/metrics` and `/health` ask for HTTP basic auth, this user with a password whose "
            "SHA-256 is the 64 hex digits given (`printf %s 'PASSWORD' \\| sha256sum`); others get 401",
     .none = "open to whoever reaches `metrics_listen` (a warning at start when that is not a loopback address)"},
    // [daemon.metrics_tls]: /metrics and /health over HTTPS
    {.name = "metrics_tls.cert",
     .value = of_kind(value_kind::path),
     .target = member<&daemon_config::metrics_tls_cert>,
     .only_with = "metrics_tls.key",
     .after = check_metrics_tls,
     .doc = "`[daemon.metrics_tls]`: `/metrics` and `/health` are served over HTTPS (only) with this certificate "
            "(PEM, the chain after it)",
     .none = "plain HTTP"},
    {.name = "metrics_tls.key",
     .value = of_kind(value_kind::path),
     .target = member<&daemon_config::metrics_tls_key>,
     .only_with = "metrics_tls.cert",
     .doc = "the private key of `metrics_tls.cert` (PEM, unencrypted)"},
    {.name = "metrics_tls.ca",
     .value = of_kind(value_kind::path),
     .target = member<&daemon_config::metrics_tls_ca>,
     .only_with = "metrics_tls.cert",
     .doc = "clients must show a certificate signed by these CAs (a PEM file or a directory hashed by `openssl "
            "rehash`), or the handshake is refused",
     .none = "no client certificate is asked for"},
    {.name = "state_file",
     .value = of_kind(value_kind::path),
     .target = member<&daemon_config::state_file>,
     .after = claim_written_file,
     .doc = "where `file` sources save their read offsets, so that a restart goes on where it stopped",
     .none = "offsets are not saved"},
    {.name = "checkpoint_interval",
     .value = duration(10ms, max_timeout),
     .target = member<&daemon_config::checkpoint_interval>,
     .doc = "how often the offsets are saved to `state_file` while the daemon runs: after a crash or `kill -9`, "
            "the lines read since the last checkpoint (about two intervals) are read again, none is lost"},
    {.name = "user",
     .value = of_kind(value_kind::account),
     .target = member<&daemon_config::user>,
     .doc = "a daemon started as root switches to this user (a name or a number) once its sockets are bound",
     .none = "stays as started"},
    {.name = "group",
     .value = of_kind(value_kind::account),
     .target = member<&daemon_config::group>,
     .doc = "...and to this group",
     .none = "the user's group"},
    {.name = "max_line",
     .value = size(1),
     .target = member<&daemon_config::max_line>,
     .doc = "default `max_line` of the sources"},
    {.name = "max_connections",
     .value = integer(1, max_connections),
     .target = member<&daemon_config::max_connections>,
     .doc = "default `max_connections` of the `tcp` and `unix` sources"},
    {.name = "source_buffer",
     .value = size(1),
     .target = member<&daemon_config::source_buffer>,
     .doc = "default `buffer_bytes` of the sources"},
    {.name = "pipeline_buffer",
     .value = size(1),
     .target = member<&daemon_config::pipeline_buffer>,
     .doc = "default `buffer_bytes` of the pipelines"},
    {.name = "sink_buffer",
     .value = size(1),
     .target = member<&daemon_config::sink_buffer>,
     .doc = "default `buffer_bytes` of the sinks"},
    {.name = "receive_buffer",
     .value = size(1, max_receive_buffer),
     .target = member<&daemon_config::receive_buffer>,
     .doc = "default `receive_buffer` of the `udp` sources"},
    {.name = "spool_max_bytes",
     .value = size(1),
     .target = member<&daemon_config::spool_max_bytes>,
     .doc = "default `spool_max_bytes` of the sinks"},
};

constexpr type_mask tcp = of(source_kind::tcp), udp = of(source_kind::udp), unix_stream = of(source_kind::unix_stream),
                    stdin_ = of(source_kind::stdin_), file = of(source_kind::file),
                    redis = of(source_kind::redis_stream);

constexpr key source_keys[] = {
    {.table = table_kind::source,
     .name = "type",
     .value = one_of(source_types),
     .target = member<&source_config::type>,
     .required = true,
     .after = claim_standard_input,
     .doc = "where the lines come from: a TCP or UDP listener (syslog), a unix stream socket, standard input, or a "
            "followed file"},
    {.table = table_kind::source,
     .name = "listen",
     .types = tcp | udp,
     .value = address(true),
     .target = member<&source_config::listen>,
     .required = true,
     .hint = "the address to listen on, e.g. listen = \"127.0.0.1:5140\"",
     .after = claim_listen,
     .doc = "where to listen: syslog over TCP (RFC 6587) or UDP (one message per datagram)"},
    {.table = table_kind::source,
     .name = "path",
     .types = unix_stream,
     .value = of_kind(value_kind::path),
     .target = member<&source_config::path>,
     .required = true,
     .hint = "the socket to listen on, e.g. path = \"/run/coropiped.sock\"",
     .after = claim_unix_socket,
     .doc = "the stream socket to create",
     .note = "at most 107 bytes (after a relative path is joined to the config file's directory)"},
    {.table = table_kind::source,
     .name = "path",
     .types = file,
     .value = of_kind(value_kind::path),
     .target = member<&source_config::path>,
     .required = true,
     .hint = "the file to follow, e.g. path = \"/var/log/app.log\"",
     .after = claim_followed_file,
     .doc = "the file to follow, as `tail -F` (across rotation and truncation)"},
    {.table = table_kind::source,
     .name = "framing",
     .types = tcp | unix_stream,
     .value = one_of(framings),
     .target = member<&source_config::frames>,
     .literal = "auto",
     .doc = framing_doc},
    {.table = table_kind::source,
     .name = "framing",
     .types = stdin_,
     .value = one_of(framings),
     .target = member<&source_config::frames>,
     .doc = framing_doc},
    {.table = table_kind::source,
     .name = "max_line",
     .value = size(1),
     .target = member<&source_config::max_line>,
     .from = "max_line",
     .doc = "the longest line kept whole; a longer one is truncated to this many bytes and counted"},
    {.table = table_kind::source,
     .name = "max_connections",
     .types = tcp | unix_stream,
     .value = integer(1, max_connections),
     .target = member<&source_config::max_connections>,
     .from = "max_connections",
     .doc = "connections open at once; more are refused and counted"},
    {.table = table_kind::source,
     .name = "idle_timeout",
     .types = tcp | unix_stream,
     .value = duration(0ms, max_timeout),
     .target = member<&source_config::idle_timeout>,
     .doc = "a connection that sends nothing for this long is closed; `\"0s\"`: never"},
    {.table = table_kind::source,
     .name = "buffer_bytes",
     .value = size(1),
     .target = member<&source_config::buffer_bytes>,
     .from = "source_buffer",
     .doc = "bytes read but not yet taken by the pipelines. *Checked, not yet used*: a source's lines go through its "
            "pipelines as soon as they are read (one 64 KiB chunk at a time), so what a source holds is one chunk "
            "and one partial line; backpressure comes from the sink buffers"},
    {.table = table_kind::source,
     .name = "receive_buffer",
     .types = udp,
     .value = size(1, max_receive_buffer),
     .target = member<&source_config::receive_buffer>,
     .from = "receive_buffer",
     .doc = "the socket's receive buffer (SO_RCVBUF): what the kernel holds for a burst while the daemon is busy. "
            "Without CAP_NET_ADMIN, Linux caps it at `net.core.rmem_max`"},
    {.table = table_kind::source,
     .name = "start",
     .types = file,
     .value = one_of(starts),
     .target = member<&source_config::start>,
     .doc = "where to start reading a file that has no saved offset: its end, as `tail -F`, or its beginning"},
    {.table = table_kind::source,
     .name = "mode",
     .types = unix_stream,
     .value = of_kind(value_kind::mode),
     .target = member<&source_config::socket_mode>,
     .doc = "the socket file's permissions: `\"0660\"` lets a group of clients connect",
     .none = "the daemon makes it `0666`: anyone may log, as to rsyslog's `/dev/log`"},
    {.table = table_kind::source,
     .name = "owner",
     .types = unix_stream,
     .value = of_kind(value_kind::account),
     .target = member<&source_config::socket_owner>,
     .doc = "the socket file's owner, a user name or number",
     .none = "the daemon's user"},
    {.table = table_kind::source,
     .name = "group",
     .types = unix_stream,
     .value = of_kind(value_kind::account),
     .target = member<&source_config::socket_group>,
     .doc = "the socket file's group, a group name or number",
     .none = "the daemon's group"},
    {.table = table_kind::source,
     .name = "address",
     .types = redis,
     .value = of_kind(value_kind::string),
     .target = member<&source_config::broker_address>,
     .required = true,
     .hint = "the Redis server, e.g. address = \"127.0.0.1:6379\" or address = \"unix:/run/redis/redis.sock\"",
     .doc = "the Redis server: `host:port` or `unix:PATH`"},
    {.table = table_kind::source,
     .name = "stream",
     .types = redis,
     .value = of_kind(value_kind::string),
     .target = member<&source_config::stream>,
     .required = true,
     .hint = "the stream's key, e.g. stream = \"logs\"",
     .doc = "the stream read (its entries' field `line` holds one line, `lines` several, newline-separated)"},
    {.table = table_kind::source,
     .name = "group",
     .types = redis,
     .value = of_kind(value_kind::string),
     .target = member<&source_config::consumer_group>,
     .required = true,
     .hint = "the consumer group, e.g. group = \"coropiped\"",
     .doc = "the consumer group the daemons share (created with the stream if missing, from the stream's start)"},
    {.table = table_kind::source,
     .name = "consumer",
     .types = redis,
     .value = of_kind(value_kind::string),
     .target = member<&source_config::consumer>,
     .doc = "this daemon's name in the group; keep it stable: a restart first reads again its own pending entries",
     .none = "the host name"},
    {.table = table_kind::source,
     .name = "batch",
     .types = redis,
     .value = integer(1, 1'000'000),
     .target = member<&source_config::batch>,
     .doc = "entries asked for by one XREADGROUP (COUNT)"},
    {.table = table_kind::source,
     .name = "block_ms",
     .types = redis,
     .value = integer(1, 600'000),
     .target = member<&source_config::block_ms>,
     .doc = "milliseconds one XREADGROUP waits for new entries when there are none"},
    {.table = table_kind::source,
     .name = "claim_idle_ms",
     .types = redis,
     .value = integer(1, 86'400'000),
     .target = member<&source_config::claim_idle_ms>,
     .doc = "entries pending this many milliseconds in the group (a consumer that died) are claimed with "
            "XAUTOCLAIM and delivered again"},
    {.table = table_kind::source,
     .name = "max_in_flight",
     .types = redis,
     .value = integer(1, 100'000'000),
     .target = member<&source_config::max_in_flight>,
     .doc = "entries read and not yet acknowledged (waiting for the sinks to write their lines); reading pauses "
            "there"},
    // [source.NAME.tls]: TLS (RFC 5425) on a tcp source
    {.table = table_kind::source,
     .name = "tls.cert",
     .types = tcp | redis,
     .value = of_kind(value_kind::path),
     .target = member<&source_config::tls_cert>,
     .only_with = "tls.key",
     .doc = "`[source.NAME.tls]`: tcp: the server's certificate (PEM, the chain after it); with it the source "
            "speaks TLS only (syslog over TLS, RFC 5425); reloaded on SIGHUP. redis-stream: a client certificate "
            "for a server that asks for one (`tls-auth-clients`)",
     .none = "tcp: plaintext"},
    {.table = table_kind::source,
     .name = "tls.key",
     .types = tcp | redis,
     .value = of_kind(value_kind::path),
     .target = member<&source_config::tls_key>,
     .only_with = "tls.cert",
     .doc = "the private key of `tls.cert` (PEM, unencrypted)"},
    {.table = table_kind::source,
     .name = "tls.ca",
     .types = tcp | redis,
     .value = of_kind(value_kind::path),
     .target = member<&source_config::tls_ca>,
     .after = check_source_tls_ca,
     .doc = "tcp (with `tls.cert`): the CA certificates that sign the clients' certificates. redis-stream: the CAs "
            "the server's certificate must chain to; any `tls.` key makes the connection TLS (Redis's "
            "`tls-port`). A PEM file, or a directory hashed by `openssl rehash`",
     .none = "tcp: no client certificate is asked for; redis-stream: the system's CAs"},
    {.table = table_kind::source,
     .name = "tls.server_name",
     .types = redis,
     .value = of_kind(value_kind::string),
     .target = member<&source_config::tls_server_name>,
     .doc = "the name (DNS SAN or CN; an IP address: IP SAN) the Redis server's certificate must carry, also sent "
            "as SNI",
     .none = "the host of `address`"},
    {.table = table_kind::source,
     .name = "tls.verify_client",
     .types = tcp,
     .value = one_of(verify_modes),
     .target = member<&source_config::tls_verify>,
     .only_with = "tls.cert",
     .doc = "`required`: a client without a certificate signed by `tls.ca` is refused; `optional`: a client may "
            "send none, but one it sends must verify; `none`: none is asked for",
     .none = "`\"required\"` with `tls.ca`, else `\"none\"`"},
    {.table = table_kind::source,
     .name = "tls.permitted_peers",
     .types = tcp,
     .value = strings(),
     .target = member<&source_config::tls_permitted_peers>,
     .only_with = "tls.ca",
     .doc = "the clients let in, by their certificate's DNS subject alternative names, then its common name; "
            "`*.example.com` matches one label (as rsyslog's `PermittedPeer`); others are refused after the "
            "handshake",
     .none = "any client whose certificate verifies"},
    {.table = table_kind::source,
     .name = "tls.min_version",
     .types = tcp,
     .value = one_of(tls_versions),
     .target = member<&source_config::tls_min_version>,
     .only_with = "tls.cert",
     .doc = "the oldest TLS version accepted"},
    {.table = table_kind::source,
     .name = "tls.ciphers",
     .types = tcp,
     .value = of_kind(value_kind::string),
     .target = member<&source_config::tls_ciphers>,
     .only_with = "tls.cert",
     .doc = "the TLS 1.2 cipher list, in OpenSSL's syntax (`openssl ciphers`); TLS 1.3 suites are OpenSSL's",
     .none = "OpenSSL's default"},
    {.table = table_kind::source,
     .name = "tls.handshake_timeout",
     .types = tcp,
     .value = duration(1ms, max_timeout),
     .target = member<&source_config::tls_handshake_timeout>,
     .only_with = "tls.cert",
     .doc = "a client that has not finished its TLS handshake this long after connecting is refused (and counted)"},
};

constexpr key pipeline_keys[] = {
    {.table = table_kind::pipeline,
     .name = "from",
     .value = names(table_kind::source),
     .target = member<&pipeline_config::from>,
     .required = true,
     .hint = "the sources to read, e.g. from = [\"app\"]",
     .doc = "the lines of these sources, interleaved as they arrive"},
    {.table = table_kind::pipeline,
     .name = "run",
     .value = of_kind(value_kind::string),
     .target = member<&pipeline_config::run>,
     .required = true,
     .hint = "the pipeline text, e.g. run = \"grep ERROR\"",
     .after = check_run,
     .doc = "the stages each line goes through: `\"grep ERROR \\| prefix 2026-\"`",
     .note = "a [pipeline text](pipeline_text.md)"},
    {.table = table_kind::pipeline,
     .name = "to",
     .value = names(table_kind::sink),
     .target = member<&pipeline_config::to>,
     .required = true,
     .hint = "the sinks to write, e.g. to = [\"errors\"]",
     .doc = "every output line goes to each of these sinks"},
    {.table = table_kind::pipeline,
     .name = "buffer_bytes",
     .value = size(1),
     .target = member<&pipeline_config::buffer_bytes>,
     .from = "pipeline_buffer",
     .doc = "input lines queued for this pipeline. *Checked, not yet used*: pipelines run inline in each "
            "connection, without a queue of their own",
     .note = "at least the `max_line` of each source in `from`"},
    {.table = table_kind::pipeline,
     .name = "format",
     .value = one_of(output_formats),
     .target = member<&pipeline_config::format>,
     .doc = "how a grouped aggregate (`count by $2`, `p99 ms`, `distinct ip`) writes each group: `\"text\"`, "
            "`KEY1<TAB>...<TAB>VALUE`; `\"json\"`, one JSON object per group (`coropipe --json`). Other stages' "
            "lines are as they are"},
    {.table = table_kind::pipeline,
     .name = "grace",
     .value = duration(0ms, max_timeout),
     .target = member<&pipeline_config::grace>,
     .doc = "an aggregate with `every DURATION` writes a window once a line of a later window arrives, or once the "
            "clock has passed the window's end plus this grace (checked every second while the source is idle), "
            "or when the source's stream ends; 2 s lets the lines a sender or relay delivers a moment late count in "
            "their window"},
    {.table = table_kind::pipeline,
     .name = "metric.labels",
     .value = strings(),
     .target = member<&pipeline_config::metric_labels>,
     .only_with = "metric.name",
     .doc = "the label names of the gauge's series, one per `by` KEY in order: `[\"host\"]` for `by @host`",
     .none = "no labels: the aggregate has no `by`"},
    {.table = table_kind::pipeline,
     .name = "metric.name",
     .value = of_kind(value_kind::string),
     .target = member<&pipeline_config::metric_name>,
     .after = check_metric_name,
     .doc = "`[pipeline.NAME.metric]`: `run` ends in an aggregate with `every` (`count by @host every 1m`); each "
            "window's groups are also served on /metrics as gauges of this name, one series per group, the last "
            "window's value (`metrics_listen`)",
     .none = "not on /metrics"},
};

constexpr type_mask to_file = of(sink_kind::file), to_stdout = of(sink_kind::stdout_), to_tcp = of(sink_kind::tcp),
                    to_redis = of(sink_kind::redis_stream);

constexpr key sink_keys[] = {
    {.table = table_kind::sink,
     .name = "type",
     .value = one_of(sink_types),
     .target = member<&sink_config::type>,
     .required = true,
     .doc = "where the output goes: a file appended to, standard output, or a TCP peer"},
    {.table = table_kind::sink,
     .name = "path",
     .types = to_file,
     .value = of_kind(value_kind::path),
     .target = member<&sink_config::path>,
     .required = true,
     .hint = "the file to append to, e.g. path = \"/var/log/coropipe/errors.log\"",
     .after = claim_written_file,
     .doc = "the file appended to; reopened by name on SIGHUP or SIGUSR1 (after logrotate)"},
    {.table = table_kind::sink,
     .name = "address",
     .types = to_tcp,
     .value = address(false),
     .target = member<&sink_config::address>,
     .required = true,
     .hint = "the peer to forward to, e.g. address = \"logs.example.com:5140\"",
     .doc = "the peer lines are forwarded to"},
    {.table = table_kind::sink,
     .name = "address",
     .types = to_redis,
     .value = of_kind(value_kind::string),
     .target = member<&sink_config::broker_address>,
     .required = true,
     .hint = "the Redis server, e.g. address = \"127.0.0.1:6379\" or address = \"unix:/run/redis/redis.sock\"",
     .doc = "the Redis server: `host:port` or `unix:PATH`"},
    {.table = table_kind::sink,
     .name = "stream",
     .types = to_redis,
     .value = of_kind(value_kind::string),
     .target = member<&sink_config::stream>,
     .required = true,
     .hint = "the stream's key, e.g. stream = \"logs\"",
     .doc = "the stream the lines are added to (XADD, pipelined)"},
    {.table = table_kind::sink,
     .name = "batch_lines",
     .types = to_redis,
     .value = integer(1, 1'000'000),
     .target = member<&sink_config::batch_lines>,
     .doc = "lines per stream entry: 1 writes each line as a field `line`, more write up to that many as a field "
            "`lines`, newline-separated"},
    {.table = table_kind::sink,
     .name = "flush_ms",
     .types = to_redis,
     .value = integer(0, 3'600'000),
     .target = member<&sink_config::flush_ms>,
     .doc = "milliseconds lines may wait to make a full entry of `batch_lines` before they are written (fewer, "
            "fuller entries when lines come slowly; their sources' acknowledgements wait as long); 0: written as "
            "soon as the previous XADDs are confirmed. At shutdown nothing waits"},
    {.table = table_kind::sink,
     .name = "maxlen",
     .types = to_redis,
     .value = integer(0, std::numeric_limits<std::uint64_t>::max()),
     .target = member<&sink_config::maxlen>,
     .doc = "trim the stream to about this many entries (XADD MAXLEN ~). **It drops the oldest entries whether "
            "consumers have read them or not**: unread lines are lost; 0: no trimming"},
    {.table = table_kind::sink,
     .name = "mode",
     .types = to_file,
     .value = of_kind(value_kind::mode),
     .target = member<&sink_config::file_mode>,
     .doc = "the permissions of the file when the sink creates it"},
    {.table = table_kind::sink,
     .name = "buffer_bytes",
     .value = size(1),
     .target = member<&sink_config::buffer_bytes>,
     .from = "sink_buffer",
     .doc = "output queued in memory for the sink: what waits while it cannot write"},
    {.table = table_kind::sink,
     .name = "backoff_min",
     .value = duration(1ms, max_timeout),
     .target = member<&sink_config::backoff_min>,
     .doc = "after a failed write (tcp: a lost connection), the first delay before trying again, doubled after "
            "each failure..."},
    {.table = table_kind::sink,
     .name = "backoff_max",
     .value = duration(1ms, max_timeout),
     .target = member<&sink_config::backoff_max>,
     .doc = "...up to this"},
    {.table = table_kind::sink,
     .name = "spool",
     .types = to_file | to_tcp | to_redis,
     .value = of_kind(value_kind::path),
     .target = member<&sink_config::spool>,
     .after = claim_written_file,
     .doc = "an append-only file where what does not fit in `buffer_bytes` or cannot be written waits, on disk; "
            "replayed in order when the sink recovers or the daemon restarts",
     .none = "memory only"},
    {.table = table_kind::sink,
     .name = "spool_max_bytes",
     .types = to_file | to_tcp | to_redis,
     .value = size(1),
     .target = member<&sink_config::spool_max_bytes>,
     .from = "spool_max_bytes",
     .only_with = "spool",
     .doc = "the spool's size limit"},
    // [sink.NAME.tls]: TLS to the peer of a tcp sink, or to Redis
    {.table = table_kind::sink,
     .name = "tls.ca",
     .types = to_tcp | to_redis,
     .value = of_kind(value_kind::path),
     .target = member<&sink_config::tls_ca>,
     .doc = "`[sink.NAME.tls]`: the sink speaks TLS (to Redis: its `tls-port`) when any `tls.` key is given; the "
            "peer's certificate must chain to these CAs (a PEM file or a hashed directory) and carry `tls.server_name`, or the sink does "
            "not write (lines are held, `/health` says why)",
     .none = "the system's CAs"},
    {.table = table_kind::sink,
     .name = "tls.cert",
     .types = to_tcp | to_redis,
     .value = of_kind(value_kind::path),
     .target = member<&sink_config::tls_cert>,
     .only_with = "tls.key",
     .doc = "a client certificate (PEM) for a peer that asks for one",
     .none = "none"},
    {.table = table_kind::sink,
     .name = "tls.key",
     .types = to_tcp | to_redis,
     .value = of_kind(value_kind::path),
     .target = member<&sink_config::tls_key>,
     .only_with = "tls.cert",
     .doc = "the key of `tls.cert`"},
    {.table = table_kind::sink,
     .name = "tls.server_name",
     .types = to_tcp | to_redis,
     .value = of_kind(value_kind::string),
     .target = member<&sink_config::tls_server_name>,
     .doc = "the name the peer's certificate must carry (DNS SAN or CN), also sent as SNI",
     .none = "the host of `address`"},
};

static_assert(well_formed(daemon_keys));
static_assert(well_formed(source_keys));
static_assert(well_formed(pipeline_keys));
static_assert(well_formed(sink_keys));

constexpr order_rule order_rule_list[] = {
    {table_kind::daemon, "source_buffer", "max_line", ": a longest line must fit"},
    {table_kind::source, "buffer_bytes", "max_line", ": a longest line must fit"},
    {table_kind::sink, "backoff_max", "backoff_min", ""},
};

} // namespace

const table_spec& table(table_kind kind) { return table_specs[static_cast<std::size_t>(kind)]; }

std::span<const table_spec> tables() { return table_specs; }

std::span<const key> keys(table_kind kind) {
    switch (kind) {
    case table_kind::daemon:
        return daemon_keys;
    case table_kind::source:
        return source_keys;
    case table_kind::pipeline:
        return pipeline_keys;
    case table_kind::sink:
        break;
    }
    return sink_keys;
}

const key* find_key(table_kind kind, std::string_view name) {
    const std::span<const key> list = keys(kind);
    const auto it = std::find_if(list.begin(), list.end(), [&](const key& k) { return k.name == name; });
    return it == list.end() ? nullptr : &*it;
}

std::span<const order_rule> order_rules() { return order_rule_list; }

std::string_view spelling(std::span<const choice> choices, int chosen_value) {
    const auto it =
        std::find_if(choices.begin(), choices.end(), [&](const choice& c) { return c.value == chosen_value; });
    return it == choices.end() ? std::string_view() : it->spelling;
}

} // namespace coropiped::loader
