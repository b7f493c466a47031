#!/usr/bin/env python3
"""A DNS server for tests: answers A queries for one name, NXDOMAIN else.

usage: dns_upstream.py ADDR NAME IP READY_FILE
Binds ADDR:53 (UDP), writes READY_FILE once bound, exits after 120 s idle.
"""
import socket
import struct
import sys

addr, name, ip, ready = sys.argv[1:5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
s.settimeout(120)
open(ready, "w").close()
while True:
    try:
        q, peer = s.recvfrom(512)
    except socket.timeout:
        sys.exit(0)
    if len(q) < 12:
        continue
    labels, p = [], 12
    while p < len(q) and q[p]:
        labels.append(q[p + 1:p + 1 + q[p]].decode(errors="replace"))
        p += 1 + q[p]
    end = p + 5
    qtype = struct.unpack(">H", q[p + 1:p + 3])[0] if end <= len(q) else 0
    hit = ".".join(labels).lower() == name and qtype == 1
    flags = 0x8180 if hit or ".".join(labels).lower() == name else 0x8183
    head = q[:2] + struct.pack(">HHHHH", flags, 1, 1 if hit else 0, 0, 0)
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(ip) if hit else b""
    s.sendto(head + q[12:end] + answer, peer)
