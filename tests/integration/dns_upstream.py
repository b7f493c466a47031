#!/usr/bin/env python3
"""A DNS server for tests: answers A queries for one name, NXDOMAIN else.

usage: dns_upstream.py ADDR NAME IP READY_FILE
Serves ADDR:53 over UDP and TCP, writes READY_FILE once bound, exits after
120 s without a query.
"""
import select
import socket
import struct
import sys


def answer(q, name, ip):
    labels, p = [], 12
    while p < len(q) and q[p]:
        labels.append(q[p + 1:p + 1 + q[p]].decode(errors="replace"))
        p += 1 + q[p]
    end = p + 5
    qtype = struct.unpack(">H", q[p + 1:p + 3])[0] if end <= len(q) else 0
    known = ".".join(labels).lower() == name
    hit = known and qtype == 1
    head = q[:2] + struct.pack(">HHHHH", 0x8180 if known else 0x8183, 1, 1 if hit else 0, 0, 0)
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(ip) if hit else b""
    return head + q[12:end] + rr


def main():
    addr, name, ip, ready = sys.argv[1:5]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, 53))
    tcp.listen(4)
    open(ready, "w").close()
    while True:
        r, _, _ = select.select([udp, tcp], [], [], 120)
        if not r:
            return
        if udp in r:
            q, peer = udp.recvfrom(512)
            if len(q) >= 12:
                udp.sendto(answer(q, name, ip), peer)
        if tcp in r:
            c, _ = tcp.accept()
            c.settimeout(5)
            try:
                n = struct.unpack(">H", c.recv(2))[0]
                q = b""
                while len(q) < n:
                    q += c.recv(n - len(q))
                a = answer(q, name, ip)
                c.sendall(struct.pack(">H", len(a)) + a)
            except (OSError, struct.error):
                pass
            c.close()


main()
