#!/usr/bin/env python3
"""`galley report html` and `galley report junit` on large reports: time,
peak memory and the size of what they write, and the page's time to draw
in a headless chromium.

Writes a report of N hosts shaped like a real fleet-wide run (version 3:
start times, waves of a canary and batches, the failure threshold
stopping the rollout near the end): most hosts ok with the same output,
one in 50 failed with output of its own, one in 200 unreachable, the
hosts after the stop skipped. Then runs, under GNU time, medians of the
runs:

    galley report html REPORT -o page.html
    galley report junit REPORT -o junit.xml

and, for the page, chromium's time to load it and run its script
(`--headless --screenshot`, minus the same for an empty page), in a
network namespace of its own.

    python3 bench/report_views.py                 # 10,000 hosts, 3 runs
    python3 bench/report_views.py --hosts 1000 --runs 5
    python3 bench/report_views.py --history 500   # report history over 500 reports of 1,000 hosts

With --history N it writes N reports of 1,000 hosts (a run every hour) into
a folder and times `galley report history` with a fresh index (every report
read), then with the index up to date (one host, a host list of 10, a
pattern), then after one report changed, medians of the runs.

Needs a release build (cargo build --release), GNU time, and for the page
chromium and unshare (run as root).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GALLEY = os.path.join(ROOT, "target/release/galley")


def write_report(path, hosts, started_at=1796000000.0):
    canary, batch = 10, max(1, hosts // 10)
    stop_at = int(hosts * 0.9)
    lines = [{
        "type": "header", "version": 3, "galley": "bench", "command": "run",
        "query": "chef_environment:gprd", "hosts": hosts, "started_at": started_at,
        "operator": {"user": "ops", "host": "bastion-01"},
        "rollout": {"canary": canary, "batch_size": "10%", "max_failures": "3%"},
    }]
    stopped_ms = None
    for i in range(hosts):
        name = "web-%05d-sv-gprd" % i
        wave = "canary" if i < canary else "batch %d/10" % ((i - canary) // batch + 1)
        start = (i // 500) * 900 + (i % 500)
        record = {
            "type": "host", "name": name, "address": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255),
            "port": 22, "user": "root", "auth": "/root/.ssh/id_ed25519", "exit_code": 0, "signal": None,
            "outcome": "ok", "phase": None, "reason": None, "notes": [], "wave": wave,
            "started_ms": start,
            "timings": {"connect_ms": 3, "handshake_ms": 21, "auth_ms": 9, "command_ms": 140 + i % 300,
                        "total_ms": 173 + i % 300},
            "stdout": {"encoding": "utf8", "data": "Reading package lists...\nok\n"},
            "stderr": {"encoding": "utf8", "data": ""},
        }
        if i >= stop_at:
            record.update(outcome="skipped", exit_code=None, auth=None, started_ms=None,
                          reason="not started: --max-failures 3% reached (91 of 3000 finished hosts not ok)",
                          timings={"total_ms": 0}, stdout={"encoding": "utf8", "data": ""})
            stopped_ms = stopped_ms or start
        elif i % 200 == 7:
            record.update(outcome="unreachable", phase="connect", exit_code=None, auth=None,
                          reason="connection to %s:22 refused" % record["address"],
                          timings={"connect_ms": 1, "total_ms": 1}, stdout={"encoding": "utf8", "data": ""})
        elif i % 50 == 3:
            record.update(outcome="failed", exit_code=1, reason="exit code 1",
                          stdout={"encoding": "utf8", "data": "E: Failed to fetch https://packages.example/%s 401\n" % name})
        lines.append(record)
    counts = {}
    for r in lines[1:]:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    lines.append({"type": "summary", "finished_at": started_at + 30, "elapsed_ms": 30000, "exit_code": 1,
                  "counts": counts, "stopped": {"after_ms": stopped_ms or 0, "reason": "--max-failures 3% reached"}})
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line, sort_keys=True) + "\n")


def timed(argv):
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + argv, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("%s failed:\n%s" % (argv, out.stderr))
    wall, kb = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024


def chromium_seconds(page, profile):
    start = time.monotonic()
    subprocess.run(["unshare", "--net", "--", "chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--user-data-dir=" + profile, "--window-size=1400,1000",
                    "--screenshot=" + os.path.join(profile, "shot.png"), "file://" + page],
                   capture_output=True, env=dict(os.environ, HOME=profile), check=True)
    return time.monotonic() - start


def history(count, runs):
    with tempfile.TemporaryDirectory(prefix="galley-history-") as work:
        folder = os.path.join(work, "reports")
        os.mkdir(folder)
        for i in range(count):
            write_report(os.path.join(folder, "run-%04d.jsonl" % i), 1000, 1796000000.0 + 3600 * i)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
        print("history: %d reports of 1,000 hosts, %.0f MB" % (count, size / 1e6))
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))

        def ask(*hosts):
            argv = ["/usr/bin/time", "-f", "%e %M", GALLEY, "report", "history", "--reports", folder,
                    "--limit", "0", "--format", "json"] + list(hosts)
            out = subprocess.run(argv, capture_output=True, text=True, env=env)
            if out.returncode != 0:
                sys.exit("report history failed:\n" + out.stderr)
            wall, kb = out.stderr.strip().splitlines()[-1].split()
            return float(wall), int(kb) / 1024, len(json.loads(out.stdout))

        def median(case, calls):
            print("  %-44s wall %.2f s  peak %.0f MB  %d entries" % (
                case, statistics.median(c[0] for c in calls), statistics.median(c[1] for c in calls), calls[0][2]))

        median("fresh index (every report read)", [ask("web-00042-sv-gprd")])
        median("one host, index up to date", [ask("web-00042-sv-gprd") for _ in range(runs)])
        median("a host list of 10", [ask("web-000[10-19]-sv-gprd") for _ in range(runs)])
        median("a pattern (web-0004*: 10 hosts)", [ask("web-0004?-sv-gprd") for _ in range(runs)])
        changed = []
        for i in range(runs):
            with open(os.path.join(folder, "run-%04d.jsonl" % i), "a") as f:
                f.write("\n")
            changed.append(ask("web-00042-sv-gprd"))
        median("one host, after one report changed", changed)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--history", type=int, metavar="N", help="time report history over N reports instead")
    args = parser.parse_args()
    if not os.path.exists(GALLEY):
        sys.exit("build first: cargo build --release")
    if args.history:
        history(args.history, args.runs)
        return
    with tempfile.TemporaryDirectory(prefix="galley-views-") as work:
        report = os.path.join(work, "report.jsonl")
        write_report(report, args.hosts)
        print("report: %d hosts, %.1f MB" % (args.hosts, os.path.getsize(report) / 1e6))
        for view, name in (("html", "page.html"), ("junit", "junit.xml")):
            target = os.path.join(work, name)
            runs = [timed([GALLEY, "report", view, report, "-o", target]) for _ in range(args.runs)]
            print("%-6s wall %.2f s  peak %.0f MB  output %.2f MB  (median of %d)" % (
                view, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                os.path.getsize(target) / 1e6, args.runs))
        if os.geteuid() == 0 and os.path.exists("/usr/bin/chromium"):
            page = os.path.join(work, "page.html")
            blank = os.path.join(work, "blank.html")
            with open(blank, "w") as f:
                f.write("<!DOCTYPE html><title>blank</title>")
            drawn, empty = [], []
            for i in range(args.runs):
                empty.append(chromium_seconds(blank, os.path.join(work, "b%d" % i)))
                drawn.append(chromium_seconds(page, os.path.join(work, "p%d" % i)))
            print("chromium: the page %.2f s, an empty page %.2f s: %.2f s to load and draw (median of %d)" % (
                statistics.median(drawn), statistics.median(empty),
                statistics.median(drawn) - statistics.median(empty), args.runs))
        else:
            print("chromium: skipped (needs root and /usr/bin/chromium)")


if __name__ == "__main__":
    main()
