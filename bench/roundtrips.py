#!/usr/bin/env python3
"""Where each round trip of one host goes: galley and OpenSSH's ssh, one
fresh connection and `true`, through bench/delayline.py.

One sshd host sits behind the delay line (fleet.py's DelayNet and Fleet),
and the line logs every TCP packet as it enters. For each tool, the packets
of its connection are gathered into flights (the packets one side sends
before the other answers), each placed on the time line in round trips
from the client's SYN, and named where the protocol is in the clear (the
version line, KEXINIT, the ECDH exchange, NEWKEYS); after NEWKEYS the
flights are counted. Then the wall time in round trips, medians of the
runs, and galley's own phase timings (its JSON report) in round trips.

Run as root from the repository root, after `cargo build --release`:
    python3 bench/roundtrips.py                 # 50 ms round trips, 5 runs each
    python3 bench/roundtrips.py --rtt-ms 100 --runs 3
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet as bench  # noqa: E402

# SSH message numbers seen before encryption (RFC 4253).
MESSAGES = {20: "KEXINIT", 21: "NEWKEYS", 30: "KEX_ECDH_INIT", 31: "KEX_ECDH_REPLY"}


def command(tool, fleet):
    host = fleet.addresses[0]
    if tool == "galley":
        return [os.path.join(bench.ROOT, "target/release/galley"), "run", "-m", host, "-x", "root",
                "-p", str(bench.PORT), "-i", fleet.key, "--known-hosts", fleet.known_hosts,
                "--output", "json", "--", "true"]
    return ["ssh", "-p", str(bench.PORT), "-F", "/dev/null", *bench.ssh_options(fleet), f"root@{host}", "true"]


def packets(log, rtt):
    """The logged packets of the one connection to the sshd port."""
    rows = []
    for line in open(log):
        t, direction, sport, dport, flags, length, head = (line.split() + [""])[:7]
        if bench.PORT not in (int(sport), int(dport)):
            continue
        rows.append((float(t), "client" if int(dport) == bench.PORT else "server",
                     int(flags, 16), int(length), bytes.fromhex(head)))
    return rows


def name(payload_head, encrypted):
    if payload_head.startswith(b"SSH-"):
        return "version"
    if encrypted or len(payload_head) < 6:
        return None
    return MESSAGES.get(payload_head[5], f"message {payload_head[5]}")


def flights(rows, rtt):
    """Each side's runs of packets that carry something (data, SYN, FIN)."""
    out = []
    encrypted = {"client": False, "server": False}
    for t, side, flags, length, head in rows:
        syn, fin = flags & 0x02, flags & 0x01
        if not (syn or fin or length):
            continue
        label = "SYN" if syn else "FIN" if fin and not length else None
        if length and not label:
            label = name(head, encrypted[side]) or "encrypted"
            # The server's NEWKEYS rides with its ECDH reply; the client's
            # is its own packet.
            if label in ("NEWKEYS", "KEX_ECDH_REPLY"):
                encrypted[side] = True
        # A flight: one side's packets sent together (within a tenth of a
        # round trip), before the other side answers.
        if out and out[-1]["side"] == side and t - out[-1]["last"] < rtt / 10:
            out[-1]["last"] = t
            out[-1]["labels"].append(label)
            out[-1]["bytes"] += length
        else:
            out.append({"side": side, "t": t, "last": t, "labels": [label], "bytes": length})
    return out


def show(tool, rows, rtt):
    start = rows[0][0]
    print(f"\n{tool}: flights of one connection (time from the SYN, in round trips)")
    previous = None
    for f in flights(rows, rtt):
        labels = []
        for label in f["labels"]:
            if labels and labels[-1][0] == label:
                labels[-1][1] += 1
            else:
                labels.append([label, 1])
        what = ", ".join(f"{l} x{n}" if n > 1 else l for l, n in labels)
        # A server flight that left well after the client's reached it: the
        # server's own time (its work, not the network).
        took = ""
        if f["side"] == "server" and previous and previous["side"] == "client":
            busy = f["t"] - (previous["last"] + rtt / 2)
            if busy > rtt / 10:
                took = f"  (the server took {busy * 1000:.0f} ms)"
        print(f"  {(f['t'] - start) / rtt:5.2f}  {f['side']:<6} {f['bytes']:>6} B  {what}{took}")
        previous = f


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rtt-ms", type=float, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tools", default="galley,ssh")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the host's sshd and the network namespaces need it")
    workdir = tempfile.mkdtemp(prefix="galley-roundtrips-")
    log = os.path.join(workdir, "packets")
    net = bench.DelayNet(args.rtt_ms, log=log)
    fleet = None
    try:
        fleet = bench.Fleet(1, workdir, net)
        print(f"one host, {args.rtt_ms:.0f} ms round trips, {args.runs} runs each")
        for tool in args.tools.split(","):
            walls, phases, trace = [], {}, None
            for _ in range(args.runs):
                open(log, "w").close()
                start = time.monotonic()
                proc = subprocess.run(["ip", "netns", "exec", bench.CLIENT_NS] + command(tool, fleet),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                walls.append(time.monotonic() - start)
                if proc.returncode != 0:
                    raise SystemExit(f"{tool} failed: {proc.stderr.decode()[-400:]}")
                time.sleep(args.rtt_ms / 1000)  # the last packets reach the log
                trace = packets(log, net.rtt)
                if tool == "galley":
                    timings = json.loads(proc.stdout)["hosts"][0]["timings"]
                    for key, ms in timings.items():
                        phases.setdefault(key, []).append(ms)
            show(tool, trace, net.rtt)
            wall = statistics.median(walls)
            print(f"  wall: {wall:.3f} s = {wall / net.rtt:.1f} round trips (median of {args.runs})")
            if phases:
                parts = ", ".join(f"{k.removesuffix('_ms')} {statistics.median(v) / 1000 / net.rtt:.1f}"
                                  for k, v in phases.items())
                print(f"  galley's phases, in round trips: {parts}")
    finally:
        if fleet:
            fleet.stop()
        net.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
