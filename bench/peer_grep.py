#!/usr/bin/env python3
"""The `coropipe 'grep ERROR'` pipeline as Python generator coroutines.

usage: peer_grep.py PATTERN FILE > out

Beazley style (A Curious Course on Coroutines and Concurrency, 2009): a
source pushes lines into a grep coroutine, which pushes the matches into a
printer coroutine. Each coroutine is primed with next() by a decorator.
Lines are bytes, written unchanged to a buffered sys.stdout.buffer, so the
output is byte for byte what `grep -F PATTERN FILE` writes.
"""
import sys


def coroutine(func):
    """Create the generator and run it to its first yield (prime it)."""
    def start(*args, **kwargs):
        cr = func(*args, **kwargs)
        next(cr)
        return cr
    return start


def source(path, target):
    """Send every line of the file (bytes, with its newline) to target."""
    with open(path, "rb") as f:
        for line in f:
            target.send(line)
    target.close()


@coroutine
def grep(pattern, target):
    """Pass on the lines that contain pattern (a plain substring)."""
    try:
        while True:
            line = yield
            if pattern in line:
                target.send(line)
    except GeneratorExit:
        target.close()


@coroutine
def printer(out):
    """Write each line to out (buffered); flush when closed."""
    write = out.write
    try:
        while True:
            line = yield
            write(line)
    except GeneratorExit:
        out.flush()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: peer_grep.py PATTERN FILE")
    pattern = sys.argv[1].encode()
    source(sys.argv[2], grep(pattern, printer(sys.stdout.buffer)))


if __name__ == "__main__":
    main()
