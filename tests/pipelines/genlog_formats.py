#!/usr/bin/env python3
"""Checks that coropipe-genlog's five formats of one seed hold the same records.

usage: genlog_formats.py PLAIN LOGFMT JSON RFC3164 RFC5424

Each file is parsed on its own terms, by a parser written from the format's
description (Python's json module for JSON), into a dict per line; the dicts
must be equal line by line. Prints the number of records checked; exits 1
with the first difference.
"""
import json
import re
import sys

PLAIN = re.compile(r"(\S+) (\S+) (\S+)\[(\d+)\]: (\S+) (.*)\Z", re.S)
RFC3164 = re.compile(r"<(\d+)>([A-Z][a-z]{2}) ([ \d]\d) (\d\d:\d\d:\d\d) (\S+) (\S+)\[(\d+)\]: (\S+) (.*)\Z", re.S)
RFC5424 = re.compile(r"<(\d+)>1 (\S+) (\S+) (\S+) (\d+) - - (\S+) (.*)\Z", re.S)
FIELDS = re.compile(r" latency_ms=(\d+) user=(u\d+)(?: status=(\d+))?(?: trace=(x+)|(\textra\tfields))?\Z")
LOGFMT_PAIR = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ \t]*)')
SEVERITY = {"FATAL": 2, "ERROR": 3, "WARN": 4, "INFO": 6, "DEBUG": 7}
APPS = ["api", "auth", "cron", "nginx", "worker", "billing"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def body(level, rest):
    """The part after the header: LEVEL MESSAGE key=value..."""
    m = FIELDS.search(rest)
    if not m:
        raise ValueError(f"no fields at the end of {rest[:200]!r}")
    rec = {"level": level, "msg": rest[: m.start()], "latency_ms": int(m[1]), "user": m[2]}
    if m[3]:
        rec["status"] = int(m[3])
    if m[4]:
        rec["trace"] = m[4]
    if m[5]:
        rec["note"] = "extra\tfields"
    return rec


def plain(line):
    m = PLAIN.match(line)
    rec = {"time": m[1], "host": m[2], "app": m[3], "pid": int(m[4])}
    rec.update(body(m[5], m[6]))
    return rec


def logfmt(line):
    head, tab, tail = line.partition("\t")
    rec = {}
    for key, value in LOGFMT_PAIR.findall(head):
        if value.startswith('"'):
            value = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t", "r": "\r"}.get(e[1], e[1]), value[1:-1])
        rec[key] = int(value) if key in ("pid", "latency_ms", "status") else value
    if tab:
        if tail != "extra\tfields":
            raise ValueError(f"unexpected tail {tail!r}")
        rec["note"] = tail
    return rec


def from_json(line):
    rec = json.loads(line)
    http = rec.pop("http", None)
    if http is not None:
        rec["status"] = http["status"]
        if not rec["msg"].startswith("request served path=" + http["path"]):
            raise ValueError(f"http.path {http['path']} is not the message's")
    return rec


def rfc3164(line):
    m = RFC3164.match(line)
    rec = {"pri": int(m[1]), "month": m[2], "day": int(m[3]), "clock": m[4], "host": m[5], "app": m[6], "pid": int(m[7])}
    rec.update(body(m[8], m[9]))
    return rec


def rfc5424(line):
    m = RFC5424.match(line)
    rec = {"pri": int(m[1]), "time": m[2], "host": m[3], "app": m[4], "pid": int(m[5])}
    rec.update(body(m[6], m[7]))
    return rec


def syslog_view(rec):
    """What rfc3164 keeps of a record: PRI instead of nothing, a coarser time."""
    out = dict(rec)
    t = out.pop("time")
    out["pri"] = (16 + APPS.index(rec["app"])) * 8 + SEVERITY[rec["level"]]
    out["month"] = MONTHS[int(t[5:7]) - 1]
    out["day"] = int(t[8:10])
    out["clock"] = t[11:19]
    return out


def main():
    readers = [plain, logfmt, from_json, rfc3164, rfc5424]
    files = [open(path, encoding="utf-8", newline="\n") for path in sys.argv[1:6]]
    count = 0
    for lines in zip(*files):
        count += 1
        recs = []
        for reader, line in zip(readers, lines):
            if not line.endswith("\n"):
                sys.exit(f"line {count}: no newline at the end")
            try:
                recs.append(reader(line[:-1]))
            except Exception as e:  # noqa: BLE001 - report any parse failure with its line
                sys.exit(f"line {count} of {reader.__name__}: {e!r}: {line[:300]!r}")
        base = recs[0]
        expected = [base, base, base, syslog_view(base), dict(syslog_view(base), time=base["time"])]
        for reader, rec, want in zip(readers, recs, expected):
            if reader is rfc5424:
                want = {k: v for k, v in want.items() if k not in ("month", "day", "clock")}
            if rec != want:
                sys.exit(f"line {count}: {reader.__name__} has {rec!r}, plain has {want!r}")
    for f in files:
        if f.read(1):
            sys.exit("the files have different numbers of lines")
    print(count)


if __name__ == "__main__":
    main()
