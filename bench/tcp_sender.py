#!/usr/bin/env python3
"""The sender (and stopwatch) of bench/daemon_vs_rsyslog.sh.

usage:
  tcp_sender.py send PORT OUT EXPECT_BYTES PART...
      Opens one loopback TCP connection to PORT per PART (retrying until the
      daemon accepts, up to 20 s), then sends every PART on its own connection
      at once, each from its own thread with sendfile(2) (zero-copy from the
      page cache: the sender costs next to nothing). Meanwhile it watches the
      size of OUT every 2 ms. Prints one JSON object:
        {"wall": seconds from the first byte sent until OUT held EXPECT_BYTES
                 (or, if it never did, until its last growth),
         "sent": seconds until the last byte was handed to the kernel,
         "out_bytes": OUT's size at the end, "complete": bool}
      It gives up waiting 5 s after the senders finished and OUT stopped
      growing (lines were lost), or after 600 s.
  tcp_sender.py null PART...
      The sender's own speed: the same sendfile senders into a discarding
      receiver in this process (recv into one buffer). Prints the JSON object
      {"wall": seconds, "bytes": total}.
"""
import json
import os
import socket
import sys
import threading
import time


def connect(port: int) -> socket.socket:
    deadline = time.monotonic() + 20
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def send_parts(socks, parts):
    """Starts one thread per connection; returns (threads, start barrier, end times)."""
    start = threading.Barrier(len(parts) + 1)
    ends = [0.0] * len(parts)

    def one(i, s, path):
        with open(path, "rb") as f:
            start.wait()
            s.sendfile(f)
        s.shutdown(socket.SHUT_WR)
        ends[i] = time.monotonic()
        s.close()

    threads = [threading.Thread(target=one, args=(i, s, p)) for i, (s, p) in enumerate(zip(socks, parts))]
    for t in threads:
        t.start()
    return threads, start, ends


def cmd_send(port: int, out: str, expect: int, parts) -> None:
    socks = [connect(port) for _ in parts]
    threads, start, ends = send_parts(socks, parts)

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
                      "out_bytes": last_size, "complete": last_size >= expect}))


def cmd_null(parts) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received = [0] * len(parts)

    def drain(i):
        conn, _ = listener.accept()
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
    print(json.dumps({"wall": round(time.monotonic() - t0, 4), "bytes": sum(received)}))


def main() -> None:
    if len(sys.argv) >= 6 and sys.argv[1] == "send":
        cmd_send(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "null":
        cmd_null(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
