#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile UDP for the resilience tests: junk, guessed PathIDs, or recorded
datagrams, to ADDR:PORT, from this host or from spoofed sources (a raw
socket writes the IPv4 and UDP headers itself).

  udpflood.py --dst ADDR:PORT (--junk SIZE | --data-paths FIRST-LAST [--size N]
              | --tunnel-requests FIRST-LAST | --replay FILE) [--spoof CIDR]
              [--seconds S | --count N] [--pps R]

--data-paths: Data headers for those PathIDs in turn, relay tag and payload
random. --tunnel-requests: Tunnel Requests (100 bytes) with key id = those
PathIDs in turn, a fresh timestamp, random nonce, body and AEAD tag.

--replay FILE: datagrams recorded by --extract (one per line, hex).
--extract PCAP TYPE: print the UDP payloads of an Ethernet pcap whose second
byte is TYPE (a control message type, 7 = Tunnel Request), hex, one a line.
Prints "sent packets=N bytes=B seconds=S" (UDP payload bytes)."""
import argparse
import ipaddress
import os
import random
import socket
import struct
import sys
import time


def extract(pcap, mtype):
    data = open(pcap, "rb").read()
    magic = struct.unpack_from("<I", data)[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack_from(end + "I", data, 20)[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from(end + "IIII", data, off)
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        l2 = 14 if linktype == 1 else 16 if linktype == 113 else 0
        ip = pkt[l2:]
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        payload = udp[8:struct.unpack(">H", udp[4:6])[0]]
        if len(payload) > 2 and payload[1] == mtype:
            print(payload.hex())


def packets(args):
    if args.replay:
        recorded = [bytes.fromhex(x) for x in open(args.replay).read().split()]
        while True:
            for p in recorded:
                yield p
    if args.junk:
        while True:
            yield os.urandom(args.junk)
    if args.tunnel_requests:
        first, last = (int(x) for x in args.tunnel_requests.split("-"))
        pid = first
        while True:
            yield struct.pack(">BBHIQ", 1, 0x07, 100, pid, int(time.time() * 1000)) + \
                os.urandom(8 + 12 + 48 + 16)
            pid = first if pid >= last else pid + 1
    first, last = (int(x) for x in args.data_paths.split("-"))
    pid = first
    while True:
        # A Data header (protocol.md): version 1, type 0x80, leg, PathID,
        # counter, then a relay tag and payload that cannot be right.
        yield struct.pack(">BBBxIQ", 1, 0x80, random.randint(0, 1), pid,
                          random.getrandbits(48)) + os.urandom(args.size - 16)
        pid = first if pid >= last else pid + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dst")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--junk", type=int)
    g.add_argument("--data-paths")
    g.add_argument("--tunnel-requests")
    g.add_argument("--replay")
    g.add_argument("--extract", nargs=2)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--spoof")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--pps", type=float, default=0)
    args = ap.parse_args()
    if args.extract:
        extract(args.extract[0], int(args.extract[1]))
        return 0
    if not args.dst or not (args.junk or args.data_paths or args.replay or
                            args.tunnel_requests):
        ap.error("--dst and one of --junk, --data-paths, --tunnel-requests, --replay "
                 "are required")
    host, port = args.dst.rsplit(":", 1)
    dst = (host, int(port))
    if args.spoof:
        net = ipaddress.ip_network(args.spoof)
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        daddr = socket.inet_aton(host)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = nbytes = 0
    t0 = time.monotonic()
    gap = 1.0 / args.pps if args.pps else 0
    for p in packets(args):
        now = time.monotonic()
        if (args.seconds and now - t0 >= args.seconds) or (args.count and n >= args.count):
            break
        if gap and now < t0 + n * gap:
            time.sleep(t0 + n * gap - now)
        if args.spoof:
            src = net[random.randrange(net.num_addresses)].packed
            udp = struct.pack(">HHHH", random.randint(1024, 65535), dst[1], 8 + len(p), 0)
            iph = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 28 + len(p), 0, 0, 64, 17, 0,
                              src, daddr)
            try:
                s.sendto(iph + udp + p, (host, 0))
            except OSError:
                continue
        else:
            try:
                s.sendto(p, dst)
            except OSError:
                continue
        n += 1
        nbytes += len(p)
    print("sent packets=%d bytes=%d seconds=%.2f" % (n, nbytes, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
