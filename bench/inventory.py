#!/usr/bin/env python3
"""Selecting from an inventory of real-size nodes: wall time and peak memory.

Writes N nodes built from real ohai output (fixtures/ohai/debian12-vm.json,
about 110 KB of JSON each) into a chef-repo folder (nodes/NAME.json, one
node per file, as `knife node show -l -F json` or `knife download nodes`
writes them) and into one file holding them all as an array, then runs

    galley search --inventory PATH --format json QUERY
    galley run --dry-run --inventory PATH QUERY -- true

for a selective query ('role:web AND chef_environment:gprd', 1 node in 100)
and a fleet-wide one ('kernel_release:6.*', every node, read from deep in
each node's attributes), under GNU time, for N = 1,000, 5,000 and 20,000.
It prints the median wall time and peak resident memory of each, and the
peak as a share of the inventory's size on disk, so its growth with N
shows.

    python3 bench/inventory.py                      # needs a release build
    python3 bench/inventory.py --nodes 5000 --runs 5
    GALLEY_BASE=/path/to/other/galley python3 bench/inventory.py   # both, taking turns

Everything stays in a temporary folder (about 2.5 GB at 20,000 nodes).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES = {
    "1/100": "role:web AND chef_environment:gprd",
    "all": "kernel_release:6.*",
}
COMMANDS = {
    "search": lambda inventory, query: ["search", "--inventory", inventory, "--format", "json", query],
    "dry-run": lambda inventory, query: ["run", "--dry-run", "--inventory", inventory, query, "--", "true"],
}
ENVIRONMENTS = ["gprd", "gstg", "pre", "ops"]


def template():
    """The node as text with placeholders, so writing thousands is fast."""
    with open(os.path.join(ROOT, "fixtures/ohai/debian12-vm.json")) as f:
        automatic = json.load(f)
    automatic["fqdn"] = "@NAME@.example.internal"
    automatic["hostname"] = "@NAME@"
    automatic["ipaddress"] = "@IP@"
    automatic["ohai_time"] = 1796405279.5
    node = {
        "name": "@NAME@",
        "chef_environment": "@ENV@",
        "json_class": "Chef::Node",
        "chef_type": "node",
        "run_list": ["role[@ROLE@]"],
        "normal": {"tags": []},
        "default": {},
        "override": {},
        "automatic": automatic,
    }
    return json.dumps(node, indent=2)


def node_text(text, i):
    name = f"node-{i:05d}"
    return (text.replace("@NAME@", name)
            .replace("@IP@", f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
            .replace("@ENV@", ENVIRONMENTS[i % 4])
            .replace("@ROLE@", "web" if i % 50 == 0 else "base")), name


def write_inventories(count, workdir):
    """A chef-repo folder and one array file of the same nodes; their sizes."""
    text = template()
    repo = os.path.join(workdir, f"repo-{count}")
    os.makedirs(os.path.join(repo, "nodes"))
    array = os.path.join(workdir, f"all-{count}.json")
    size = 0
    with open(array, "w") as out:
        out.write("[\n")
        for i in range(count):
            node, name = node_text(text, i)
            with open(os.path.join(repo, "nodes", f"{name}.json"), "w") as f:
                f.write(node)
            size += len(node)
            out.write(node)
            out.write(",\n" if i + 1 < count else "\n")
        out.write("]\n")
    return repo, array, size


def measure(binary, command, inventory, query, workdir):
    peak_file = os.path.join(workdir, "peak")
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak_file, binary,
                           *COMMANDS[command](inventory, query)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"{binary} failed: {proc.stderr.decode()[-400:]}")
    if command == "search":
        selected = len(json.loads(proc.stdout))
    else:
        selected = int(proc.stdout.split(b" on ", 1)[1].split(b" host", 1)[0])
    peak_kb = int(open(peak_file).read().split()[-1])
    return wall, peak_kb * 1024, selected


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, action="append")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--query", choices=sorted(QUERIES), action="append", help="default: both")
    parser.add_argument("--command", choices=sorted(COMMANDS), action="append", help="default: both")
    parser.add_argument("--form", choices=["folder", "array"], action="append", help="default: both")
    args = parser.parse_args()
    binaries = [("galley", os.path.join(ROOT, "target/release/galley"))]
    if os.environ.get("GALLEY_BASE"):
        binaries.append(("galley-base", os.environ["GALLEY_BASE"]))
    for _, binary in binaries:
        if not os.path.exists(binary):
            raise SystemExit(f"{binary}: build it first (cargo build --release)")
    for label, query in QUERIES.items():
        print(f"query {label}: {query}")
    print(f"{'nodes':>6} {'form':<7} {'MB on disk':>10} {'query':<6} {'command':<8} {'tool':<12} "
          f"{'wall s':>7} {'peak MB':>8} {'peak/size':>9} {'selected':>8}")
    for count in args.nodes or [1000, 5000, 20000]:
        workdir = tempfile.mkdtemp(prefix="galley-inventory-")
        try:
            repo, array, size = write_inventories(count, workdir)
            forms = [(f, p) for f, p in [("folder", repo), ("array", array)] if f in (args.form or [f])]
            for form, path in forms:
                for label in args.query or list(QUERIES):
                    for command in args.command or list(COMMANDS):
                        samples = {name: [] for name, _ in binaries}
                        for _ in range(args.runs):
                            for name, binary in binaries:
                                samples[name].append(measure(binary, command, path, QUERIES[label], workdir))
                        for name, runs in samples.items():
                            wall = statistics.median(r[0] for r in runs)
                            peak = statistics.median(r[1] for r in runs)
                            print(f"{count:>6} {form:<7} {size / 1e6:>10.0f} {label:<6} {command:<8} {name:<12} "
                                  f"{wall:>7.2f} {peak / 1e6:>8.0f} {peak / size:>9.2f} {runs[0][2]:>8}",
                                  flush=True)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
