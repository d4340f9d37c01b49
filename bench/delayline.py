#!/usr/bin/env python3
"""A userspace delay line between two network namespaces (this kernel has no
netem): one TUN device in each, and this process moving every packet from one
to the other after DELAY_MS, in order. Two passes make a round trip, so
`--delay-ms 25` gives 50 ms of round-trip time.

    python3 bench/delayline.py --a NS1:TUN1 --b NS2:TUN2 --delay-ms 25

The TUN devices must exist (ip tuntap add ... mode tun) in their namespaces;
this process joins each namespace in turn to attach to its device. It runs
until killed.

`--log FILE` appends a line per TCP packet as it enters the line: time
(monotonic seconds), `a>b` or `b>a`, source and destination ports, TCP
flags, payload length and the payload's first 6 bytes in hex (what
bench/roundtrips.py reads to place each packet in the protocol).
"""
import argparse
import ctypes
import fcntl
import heapq
import os
import select
import struct
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
libc = ctypes.CDLL(None, use_errno=True)


def attach(namespace, device):
    """Opens the TUN device `device` of network namespace `namespace`."""
    ns = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if libc.setns(ns, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {namespace}")
    finally:
        os.close(ns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", device.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def log_packet(log, now, direction, packet):
    """One line for an IPv4 TCP packet; anything else is not logged."""
    if len(packet) < 20 or packet[0] >> 4 != 4 or packet[9] != 6:
        return
    ihl = (packet[0] & 15) * 4
    tcp = packet[ihl:]
    if len(tcp) < 20:
        return
    sport, dport = struct.unpack("!HH", tcp[:4])
    offset = (tcp[12] >> 4) * 4
    payload = tcp[offset:]
    log.write(f"{now:.6f} {direction} {sport} {dport} {tcp[13]:#04x} {len(payload)} {payload[:6].hex()}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="NAMESPACE:TUN")
    parser.add_argument("--b", required=True, help="NAMESPACE:TUN")
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--log", help="append a line per TCP packet to this file")
    args = parser.parse_args()
    log = open(args.log, "a", buffering=1) if args.log else None
    a = attach(*args.a.split(":"))
    b = attach(*args.b.split(":"))
    other = {a: b, b: a}
    direction = {a: "a>b", b: "b>a"}
    delay = args.delay_ms / 1000.0
    queue = []  # (due, seq, destination, packet): in order per direction
    seq = 0
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if log:
                    log_packet(log, now, direction[fd], packet)
                heapq.heappush(queue, (now + delay, seq, other[fd], packet))
                seq += 1
        while queue and queue[0][0] <= time.monotonic():
            _, _, fd, packet = heapq.heappop(queue)
            try:
                os.write(fd, packet)
            except OSError:
                pass  # a full queue drops the packet, as a real link would


if __name__ == "__main__":
    main()
