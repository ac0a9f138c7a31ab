#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A static web server for the tests that can send a file at a fixed pace.

    paced_http.py --bind ADDR --directory DIR PORT

It serves DIR like `python3 -m http.server`, and logs the same way (the
client's address first, so tests can grep who asked). A request with
`?rate=N` (bytes per second; suffixes k and m are 1024 and 1024^2) is sent
no faster than N: the server writes 20 ms worth at a time and sleeps to keep
to the pace, with a small socket send buffer. Without it, it answers as
http.server does.

Why: a fault test has to hit a stream while it is still on the wire.
`curl --limit-rate` paces only the reader; the sender then fills the
receiver's socket buffer (megabytes, with autotuning) at full speed, so a
2 MiB "slow" download may be off the network in well under a second. Pacing
at the sender keeps the packets flowing for the whole transfer.
"""

import argparse
import functools
import http.server
import socket
import sys
import time
import urllib.parse

SNDBUF = 32 * 1024


def parse_rate(text):
    """'256k' -> 262144; raise ValueError for anything else than N[kKmM]."""
    mult = {"k": 1024, "m": 1024 * 1024}.get(text[-1:].lower(), 1)
    digits = text[:-1] if mult != 1 else text
    if not digits.isdigit() or int(digits) == 0:
        raise ValueError(f"bad rate {text!r}: want N, Nk or Nm, N > 0")
    return int(digits) * mult


class PacedHandler(http.server.SimpleHTTPRequestHandler):
    rate = 0

    def do_GET(self):
        query = urllib.parse.urlsplit(self.path).query
        rates = urllib.parse.parse_qs(query).get("rate")
        self.rate = 0
        if rates:
            try:
                self.rate = parse_rate(rates[0])
            except ValueError as e:
                self.send_error(400, str(e))
                return
        super().do_GET()

    def copyfile(self, source, outputfile):
        if not self.rate:
            super().copyfile(source, outputfile)
            return
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
        chunk = max(1024, self.rate // 50)
        t0 = time.monotonic()
        sent = 0
        while True:
            buf = source.read(chunk)
            if not buf:
                return
            outputfile.write(buf)
            sent += len(buf)
            ahead = sent / self.rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bind", required=True, help="address to listen on")
    ap.add_argument("--directory", required=True, help="directory to serve")
    ap.add_argument("port", type=int, help="TCP port")
    args = ap.parse_args()
    handler = functools.partial(PacedHandler, directory=args.directory)
    with http.server.ThreadingHTTPServer((args.bind, args.port), handler) as srv:
        print(f"serving {args.directory} on {args.bind}:{args.port}", file=sys.stderr, flush=True)
        srv.serve_forever()


if __name__ == "__main__":
    main()
