#!/usr/bin/env python3
"""The sender (and stopwatch) of bench/daemon_vs_rsyslog.sh, bench/tls_vs_rsyslog.sh
and bench/redis_sink_vs_rsyslog.sh.

usage:
  tcp_sender.py [--tls DIR] send PORT OUT EXPECT_BYTES PART...
      Opens one loopback TCP connection to PORT per PART (retrying until the
      daemon accepts, up to 20 s), then sends every PART on its own connection
      at once, each from its own thread with sendfile(2) (zero-copy from the
      page cache: the sender costs next to nothing). Meanwhile it watches the
      size of OUT every 2 ms. Prints one JSON object:
        {"wall": seconds from the first byte sent until OUT held EXPECT_BYTES
                 (or, if it never did, until its last growth),
         "sent": seconds until the last byte was handed to the kernel,
         "out_bytes": OUT's size at the end, "complete": bool,
         "cpu": this process's CPU seconds (the senders' and the watcher's)}
      It gives up waiting 5 s after the senders finished and OUT stopped
      growing (lines were lost), or after 600 s.
      OUT may be a Redis target `redis:PORT:KIND:KEY` (bench/redis_lines.py):
      then its size is the number of lines it holds (polled every 2 ms), and
      EXPECT_BYTES a number of lines.
  tcp_sender.py [--tls DIR] null PART...
      The sender's own speed: the same senders into a discarding receiver in
      this process (recv into one buffer). Prints the JSON object
      {"wall": seconds, "bytes": total, "cpu": CPU seconds of both ends}.
  --tls DIR: every connection is TLS (TLS 1.3, OpenSSL's default suite, an
      ECDSA P-256 certificate) with a client certificate: DIR holds ca.crt,
      client.crt, client.key (and, for `null`, server.crt and server.key);
      the server must present a certificate for `localhost` signed by ca.crt.
      The handshakes are done before the clock starts. Python's ssl module
      cannot sendfile: each sender thread reads its part in 256 KiB blocks
      and hands them to SSL_write (sendall; the GIL is released inside).
"""
import json
import os
import socket
import ssl
import sys
import threading
import time

from redis_lines import Lines

TLS_DIR = None  # --tls DIR


def tls_context(server: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    name = "server" if server else "client"
    ctx.load_cert_chain(os.path.join(TLS_DIR, name + ".crt"), os.path.join(TLS_DIR, name + ".key"))
    ctx.load_verify_locations(os.path.join(TLS_DIR, "ca.crt"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def connect(port: int) -> socket.socket:
    deadline = time.monotonic() + 20
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port))
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    if TLS_DIR is None:
        return s
    return tls_context(False).wrap_socket(s, server_hostname="localhost")  # handshakes here


def send_file(s: socket.socket, f) -> None:
    if TLS_DIR is None:
        s.sendfile(f)
        return
    while block := f.read(256 << 10):
        s.sendall(block)


def cpu_seconds() -> float:
    """This process's CPU time so far (user + system): what the senders (and the watcher) cost."""
    t = os.times()
    return round(t.user + t.system, 3)


def send_parts(socks, parts):
    """Starts one thread per connection; returns (threads, start barrier, end times)."""
    start = threading.Barrier(len(parts) + 1)
    ends = [0.0] * len(parts)

    def one(i, s, path):
        with open(path, "rb") as f:
            start.wait()
            send_file(s, f)
        if TLS_DIR is not None:  # close_notify, as a TLS client ends a session
            s.settimeout(10)  # the server's close_notify is awaited, not needed
            try:
                s = s.unwrap()
            except (OSError, ValueError):
                pass
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        ends[i] = time.monotonic()
        s.close()

    threads = [threading.Thread(target=one, args=(i, s, p)) for i, (s, p) in enumerate(zip(socks, parts))]
    for t in threads:
        t.start()
    return threads, start, ends


def cmd_send(port: int, out: str, expect: int, parts) -> None:
    socks = [connect(port) for _ in parts]
    threads, start, ends = send_parts(socks, parts)

    if out.startswith("redis:"):
        size = Lines(out).count
    else:
        def size() -> int:
            try:
                return os.stat(out).st_size
            except FileNotFoundError:
                return 0

    start.wait()
    t0 = time.monotonic()
    last_size, last_growth = size(), t0
    while True:
        now = time.monotonic()
        n = size()
        if n != last_size:
            last_size, last_growth = n, now
        if n >= expect:
            break
        senders_done = not any(t.is_alive() for t in threads)
        if senders_done and now - last_growth > 5 or now - t0 > 600:
            break
        time.sleep(0.002)
    for t in threads:
        t.join()
    print(json.dumps({"wall": round(last_growth - t0, 4), "sent": round(max(ends) - t0, 4),
                      "out_bytes": last_size, "complete": last_size >= expect, "cpu": cpu_seconds()}))


def cmd_null(parts) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received = [0] * len(parts)

    def drain(i):
        conn, _ = listener.accept()
        if TLS_DIR is not None:
            conn = tls_context(True).wrap_socket(conn, server_side=True)
        buf = bytearray(1 << 20)
        while (n := conn.recv_into(buf)) > 0:
            received[i] += n
        conn.close()

    drains = [threading.Thread(target=drain, args=(i,)) for i in range(len(parts))]
    for t in drains:
        t.start()
    socks = [connect(port) for _ in parts]
    threads, start, _ = send_parts(socks, parts)
    start.wait()
    t0 = time.monotonic()
    for t in threads + drains:
        t.join()
    print(json.dumps({"wall": round(time.monotonic() - t0, 4), "bytes": sum(received), "cpu": cpu_seconds()}))


def main() -> None:
    global TLS_DIR
    if len(sys.argv) >= 3 and sys.argv[1] == "--tls":
        TLS_DIR = sys.argv[2]
        del sys.argv[1:3]
    if len(sys.argv) >= 6 and sys.argv[1] == "send":
        cmd_send(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "null":
        cmd_null(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
