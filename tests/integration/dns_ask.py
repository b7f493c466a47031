#!/usr/bin/env python3
"""Asks 127.0.0.11:53 for the A records of NAME over TCP (as a resolver
does when a UDP answer was truncated); prints the addresses, or the rcode.

usage: dns_ask.py NAME
"""
import socket
import struct
import sys

name = sys.argv[1]
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
s = socket.create_connection(("127.0.0.11", 53), timeout=5)
s.sendall(struct.pack(">H", len(q)) + q)
n = struct.unpack(">H", s.recv(2))[0]
a = b""
while len(a) < n:
    a += s.recv(n - len(a))
ident, flags, _, count = struct.unpack(">HHHH", a[:8])
assert ident == 0x4242
p = len(q)
out = []
for _ in range(count):
    rtype, _, _, rlen = struct.unpack(">HHIH", a[p + 2:p + 12])
    if rtype == 1:
        out.append(socket.inet_ntoa(a[p + 12:p + 16]))
    p += 12 + rlen
print(" ".join(out) if out else "rcode %d" % (flags & 15))
