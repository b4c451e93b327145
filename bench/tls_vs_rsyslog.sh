#!/usr/bin/env bash
# coropiped's TLS listener against rsyslog's imtcp with the ossl stream
# driver (issue 16): 4 TLS senders -> grep ERROR -> file, and coropiped's own
# plaintext run for the cost of TLS; each daemon in turn, interleaved.
#
# usage: bench/tls_vs_rsyslog.sh [LINES [REPS]]
#   LINES: corpus size, default 5000000 (4 senders x 1.25M lines); REPS: default 3.
#   COROPIPED=path, GENLOG=path: binaries (default: built here with the release preset).
#
# Certificates are made here with `openssl` (docs/secure-setup.md): a CA, a
# server certificate for localhost (ECDSA P-256) and one client certificate,
# which every sender presents (mutual authentication, as RFC 5425 wants).
# bench/tcp_sender.py --tls: Python's ssl module, one thread per connection,
# TLS 1.3 (both daemons negotiate TLS_AES_256_GCM_SHA384, OpenSSL's first
# choice), the handshakes done before the clock starts; it reads each part in
# 256 KiB blocks into SSL_write. `sender alone` is the same senders into a
# discarding TLS receiver in the same process (which decrypts too).
#   coropiped_tls:   [source.app] tcp, framing = "newline", with
#                    [source.app.tls] cert, key, ca (client certificate required);
#                    run = "grep ERROR"; [sink] file;
#   coropiped_plain: the same without the tls table, plaintext senders (sendfile);
#   rsyslog_tls:     rsyslogd -n, imtcp with StreamDriver.Name="ossl",
#                    StreamDriver.Mode="1", StreamDriver.AuthMode="x509/certvalid"
#                    (the client certificate must verify: the same check), octet
#                    counting off (lines start with a digit), `:msg, contains,
#                    "ERROR"`, omfile with "%rawmsg%\n", maxMessageSize 64k,
#                    control characters kept; the default main queue;
#   rsyslog_tls_direct: the same with main_queue(queue.type="Direct").
# (imptcp, which bench/daemon_vs_rsyslog.sh uses, has no TLS.) Timed from the
# first byte sent until the output file holds every expected byte; peak RSS
# (VmHWM) and CPU of the daemon; the sorted output must equal the sorted
# `grep ERROR` lines of the corpus.
set -euo pipefail

lines=${1:-5000000}
reps=${2:-3}
# shellcheck source=bench/daemon_common.sh
source "$(dirname "$0")/daemon_common.sh"

need_rsyslogd rsyslog-openssl
daemon_binaries

pki=$tmp/pki
mkdir -p "$pki"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.crt" -subj "/CN=bench CA" -days 2 2>/dev/null
for who in server:localhost client:client.example.com; do
    name=${who%%:*} cn=${who#*:}
    openssl req "${ec[@]}" -keyout "$pki/$name.key" -out "$pki/$name.csr" -subj "/CN=$cn" \
        -addext "subjectAltName=DNS:$cn" 2>/dev/null
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
        -out "$pki/$name.crt" -days 2 -copy_extensions copy 2>/dev/null
done

make_parts "$lines"
null_plain=$(json_field "$(python3 "$here/tcp_sender.py" null "${parts[@]}")" wall)
null_tls=$(json_field "$(python3 "$here/tcp_sender.py" --tls "$pki" null "${parts[@]}")" wall)
echo "senders alone (into a discarding receiver): plaintext $null_plain s, TLS $null_tls s" >&2

names=(coropiped_tls coropiped_plain rsyslog_tls rsyslog_tls_direct)

# run_one NAME REP: one run (measure)
run_one() {
    local name=$1 rep=$2 out=$tmp/$1.out tls=(--tls "$pki")
    rm -f "$out"
    if [[ $name == coropiped_* ]]; then
        local tls_table=
        if [[ $name == coropiped_tls ]]; then
            tls_table=$(printf 'cert = "%s"\nkey = "%s"\nca = "%s"' "$pki/server.crt" "$pki/server.key" "$pki/ca.crt")
        else
            tls=()
        fi
        coropiped_config "$tmp/coropiped.toml" "$tls_table" <<< "type = \"file\"
path = \"$out\""
        start_coropiped "$tmp/coropiped.toml" app "$tmp/$name.err"
    else
        port=$(free_port)
        rsyslog_config "$tmp/rsyslog.conf" "$name" \
            "module(load=\"imtcp\" StreamDriver.Name=\"ossl\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"x509/certvalid\")
input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$port\" supportOctetCountedFraming=\"off\")" \
            "action(type=\"omfile\" file=\"$out\" template=\"raw\")" \
            "DefaultNetstreamDriver=\"ossl\" DefaultNetstreamDriverCAFile=\"$pki/ca.crt\"
       DefaultNetstreamDriverCertFile=\"$pki/server.crt\" DefaultNetstreamDriverKeyFile=\"$pki/server.key\""
        start_rsyslogd "$name" "$tmp/rsyslog.conf"
    fi
    measure "$name" "$rep" "$out" "$expect_bytes" 'cat "$out"' "${tls[@]}"
    rm -f "$out"
}

rounds "$reps" "${names[@]}"

echo
echo "corpus: $lines lines ($corpus_bytes bytes) in 4 parts, $expect_lines ERROR lines kept; median of $reps runs, interleaved"
echo "senders alone: plaintext $null_plain s, TLS $null_tls s; rsyslogd $(rsyslogd -v | awk 'NR == 1 { print $2 }'); $(openssl version)"
summarize "$lines" "${names[@]}"
echo
bars 3 coropiped_tls rsyslog_tls rsyslog_tls_direct
echo
echo "TLS cost: coropiped_tls / coropiped_plain lines/s $(ratio "${lps[coropiped_tls]}" "${lps[coropiped_plain]}")×, peak RSS $(ratio "${rss_mb[coropiped_tls]}" "${rss_mb[coropiped_plain]}")×"
