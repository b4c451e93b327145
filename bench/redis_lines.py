#!/usr/bin/env python3
"""Lines held in a Redis key, for the Redis sink benchmark (bench/redis_sink_vs_rsyslog.sh).

A target is `redis:PORT:KIND:KEY` (127.0.0.1):
  KIND xlen:  a stream of one line per entry: the count is XLEN;
  KIND llen:  a list of one line per element (rsyslog omhiredis mode "queue"): LLEN;
  KIND xlines: a stream whose entries hold a field `line` or `lines`
              (newline-separated): the lines counted by reading the entries
              added since the last call (XRANGE), so each entry is read once.

usage:
  redis_lines.py count TARGET   prints the number of lines
  redis_lines.py dump TARGET    writes every line, each ending in a newline
  redis_lines.py group-done PORT STREAM GROUP ENTRIES
                                waits until GROUP has read ENTRIES entries of
                                STREAM and none is pending (XINFO GROUPS every
                                10 ms on one connection), then prints the
                                time (seconds since the epoch) it saw that
tcp_sender.py imports `Lines` to watch a target while it sends.
"""
import socket
import sys
import time


class Client:
    """A minimal blocking RESP2 client: enough for XLEN, LLEN, XRANGE, LRANGE."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = bytearray()
        self.pos = 0

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        del self.buf[:self.pos]
        self.pos = 0
        self.buf += chunk

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n", self.pos)) < 0:
            self._fill()
        line = bytes(self.buf[self.pos:end])
        self.pos = end + 2
        return line

    def _reply(self):
        head = self._line()
        kind, rest = head[:1], head[1:]
        if kind in (b"+", b":"):
            return int(rest) if kind == b":" else rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            value = bytes(self.buf[self.pos:self.pos + n])
            self.pos += n + 2
            return value
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError(f"bad reply {head!r}")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._reply()


def entry_lines(fields) -> list:
    """The lines of a stream entry's field list [name, value, ...]."""
    values = dict(zip(fields[::2], fields[1::2]))
    if b"line" in values:
        return [values[b"line"]]
    text = values.get(b"lines", b"")
    return text[:-1].split(b"\n") if text.endswith(b"\n") else text.split(b"\n")


class Lines:
    """Counts (or yields) the lines of a target; see the module's doc."""

    def __init__(self, target: str):
        _, port, self.kind, self.key = target.split(":", 3)
        self.client = Client(int(port))
        self.after = b"-"
        self.seen = 0

    def _new_entries(self, count=10000):
        while True:
            got = self.client.call("XRANGE", self.key, self.after, "+", "COUNT", count)
            if not got:
                return
            for entry_id, fields in got:
                yield fields
            self.after = b"(" + got[-1][0]

    def count(self) -> int:
        if self.kind == "xlen":
            return self.client.call("XLEN", self.key)
        if self.kind == "llen":
            return self.client.call("LLEN", self.key)
        for fields in self._new_entries():
            self.seen += len(entry_lines(fields))
        return self.seen

    def dump(self, out) -> None:
        if self.kind == "llen":
            start = 0
            while got := self.client.call("LRANGE", self.key, start, start + 9999):
                for line in got:
                    out.write(line + b"\n")
                start += len(got)
            return
        self.after = b"-"
        for fields in self._new_entries():
            for line in entry_lines(fields):
                out.write(line + b"\n")


def group_done(port: int, stream: str, group: str, entries: int) -> float:
    """The time GROUP of STREAM was first seen with ENTRIES read and none pending.

    One connection, polled (0.4 ms of CPU a poll): a redis-cli and an awk
    process per poll, what the source benchmark did before, took 53 ms of CPU
    each while a build ran — at one poll every 50 ms, most of one of the two
    cores of the machine it measures."""
    client = Client(port)
    while True:
        for info in client.call("XINFO", "GROUPS", stream):
            fields = dict(zip(info[::2], info[1::2]))
            if fields.get(b"name") == group.encode():
                read = fields.get(b"entries-read")
                if read is not None and read >= entries and fields.get(b"pending") == 0:
                    return time.time()
        time.sleep(0.01)


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "group-done":
        print(f"{group_done(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])):.6f}")
        return
    if len(sys.argv) != 3 or sys.argv[1] not in ("count", "dump"):
        sys.exit(__doc__)
    lines = Lines(sys.argv[2])
    if sys.argv[1] == "count":
        print(lines.count())
    else:
        lines.dump(sys.stdout.buffer)


if __name__ == "__main__":
    main()
