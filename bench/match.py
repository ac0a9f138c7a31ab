#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-packet forwarding time inside the RS from one pcap of its eth0.

    match.py rss|rsn|ctl PCAP RS_IP PORT OUT.csv

The capture (tcpdump --time-stamp-precision=nano on the RS's only public
interface) holds both sides of the path: a packet arriving at the RS and the
packet the RS sends for it. The time between the two is the forwarding time.

  rss  RS-S relays the tunnel datagram unchanged: ingress and egress are
       matched by the 24-byte data header (version .. counter, relay tag).
  rsn  RS-N: the MN's Data (counter c) becomes an ICMP echo request (seq s)
       to the host, and the host's echo reply (seq s) becomes Data toward
       the MN (the RS's counter c). c - s is constant per direction: it is
       taken as the most common offset of the first 100 packets paired in
       order, and then every packet is matched by it (a lost or uncaptured
       packet does not shift the others).

  ctl  the control plane: a Relay Direction arriving at the RS's control
       PORT and the RS's answer (Direction Response) to the same address
       and port; the first request from a client port and the first answer
       to it (a retransmission is not a new sample).

Writes "dir,delta_ns" lines to OUT.csv; prints "matched=N unmatched_in=M".
"""
import collections
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B23C4D:
        end, scale = "<", 1
    elif magic == 0xA1B2C3D4:
        end, scale = "<", 1000
    else:
        sys.exit("not a little-endian pcap: %s" % path)
    link = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if link == 1:  # Ethernet
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            pkt = pkt[14:]
        elif link == 113:  # Linux cooked
            pkt = pkt[16:]
        yield sec * 1_000_000_000 + frac * scale, pkt


def ip4(b):
    return "%d.%d.%d.%d" % tuple(b)


def parse(pkt):
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 15) * 4
    proto, src, dst = pkt[9], ip4(pkt[12:16]), ip4(pkt[16:20])
    l4 = pkt[ihl:]
    return proto, src, dst, l4


def main():
    mode, pcap, rs_ip, port, out = sys.argv[1:6]
    port = int(port)
    deltas = []
    unmatched = 0
    if mode == "ctl":
        first_in, done = {}, set()
        for ts, pkt in packets(pcap):
            p = parse(pkt)
            if not p or p[0] != 17 or len(p[3]) < 8:
                continue
            _, src, dst, l4 = p
            sp, dp = struct.unpack("!HH", l4[:4])
            if dst == rs_ip and dp == port:
                first_in.setdefault((src, sp), ts)
            elif src == rs_ip and sp == port and (dst, dp) in first_in \
                    and (dst, dp) not in done:
                done.add((dst, dp))
                deltas.append(("direction", ts - first_in[(dst, dp)]))
        unmatched = len(first_in) - len(done)
    elif mode == "rss":
        pending = {}
        for ts, pkt in packets(pcap):
            p = parse(pkt)
            if not p or p[0] != 17:
                continue
            _, src, dst, l4 = p
            sp, dp = struct.unpack("!HH", l4[:4])
            hdr = l4[8:32]
            if len(hdr) < 24 or hdr[1] != 0x80:
                continue
            if dst == rs_ip and dp == port:
                pending[hdr] = ts
            elif src == rs_ip and sp == port and hdr in pending:
                leg = "a2b" if hdr[2] & 1 == 0 else "b2a"
                deltas.append((leg, ts - pending.pop(hdr)))
        unmatched = len(pending)
    else:
        ins = {"req": [], "rep": []}   # (key, ts) arriving
        outs = {"req": [], "rep": []}  # (key, ts) leaving
        for ts, pkt in packets(pcap):
            p = parse(pkt)
            if not p:
                continue
            proto, src, dst, l4 = p
            if proto == 17 and len(l4) >= 32 and l4[9] == 0x80:
                sp, dp = struct.unpack("!HH", l4[:4])
                ctr = struct.unpack("!Q", l4[16:24])[0]
                if dst == rs_ip and dp == port:
                    ins["req"].append((ctr, ts))
                elif src == rs_ip and sp == port:
                    outs["rep"].append((ctr, ts))
            elif proto == 1 and len(l4) >= 8 and l4[0] in (0, 8):
                seq = struct.unpack("!H", l4[6:8])[0]
                if l4[0] == 8 and src == rs_ip:
                    outs["req"].append((seq, ts))
                elif l4[0] == 0 and dst == rs_ip:
                    ins["rep"].append((seq, ts))
        for d in ("req", "rep"):
            a, b = ins[d], outs[d]
            # key of the Data side minus key of the ICMP side
            if d == "req":
                offs = [x[0] - y[0] for x, y in zip(a[:100], b[:100])]
            else:
                offs = [y[0] - x[0] for x, y in zip(a[:100], b[:100])]
            if not offs:
                unmatched += len(a)
                continue
            off = collections.Counter(offs).most_common(1)[0][0]
            sign = -1 if d == "req" else 1
            first = {k + sign * off: ts for k, ts in a}
            for k, ts in b:
                t0 = first.pop(k, None)
                if t0 is not None and ts >= t0:
                    deltas.append(("mn2host" if d == "req" else "host2mn", ts - t0))
            unmatched += len(first)
    with open(out, "w") as f:
        for leg, d in deltas:
            f.write("%s,%d\n" % (leg, d))
    print("matched=%d unmatched_in=%d" % (len(deltas), unmatched))


if __name__ == "__main__":
    main()
