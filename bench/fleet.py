#!/usr/bin/env python3
"""galley against the tools operators use today, on a loopback fleet.

Starts N real OpenSSH servers, one per simulated host on its own loopback
address (127.0.x.y:2222), each with its own host key and an empty login rc,
then runs `true` on all of them with galley and, in the same run, with pssh,
clush, Python parallel-ssh and Ansible ad-hoc (`-m raw`). For each tool it
prints wall time, client CPU (the tool and every process it waited for) and
peak memory (the largest single process), then galley's ratios to the goals
of the SSH engine issue.

Run as root from the repository root (it installs what it needs; under sudo,
build first as yourself with `cargo build --release --locked`):
    python3 bench/fleet.py                 # N=50 C=10 and N=200 C=50
    python3 bench/fleet.py --hosts 200 --concurrency 50 --tools galley,pssh

It only ever talks to 127.0.x.y on this machine (250 hosts per /24 from
127.0.1.0).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = 2222
TOOLS = ["galley", "pssh", "clush", "parallel-ssh", "ansible"]


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def install(tools):
    """Debian packages and PyPI packages for the peers; galley is built here."""
    packages = ["openssh-server", "openssh-client", "util-linux", "time"]
    if "pssh" in tools:
        packages.append("pssh")
    if "clush" in tools:
        packages.append("clustershell")
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode]
    if missing:
        sh("apt-get", "update", "-qq")
        sh("apt-get", "install", "-y", "-qq", *missing, stdout=subprocess.DEVNULL)
    pip = []
    if "parallel-ssh" in tools:
        pip.append("parallel-ssh")
    if "ansible" in tools:
        pip.append("ansible-core")
    if pip:
        sh(sys.executable, "-m", "pip", "install", "-q", *pip)
    release_binary()
    os.makedirs("/run/sshd", exist_ok=True)


def release_binary():
    """Builds target/release/galley when cargo is on PATH. Under sudo it is
    not (sudo's secure_path has no ~/.cargo/bin): then the binary must have
    been built, as the caller, after the last change to the sources."""
    if shutil.which("cargo"):
        sh("cargo", "build", "--release", "--locked", "-q", cwd=ROOT)
        return
    binary = os.path.join(ROOT, "target/release/galley")
    sources = [os.path.join(ROOT, "Cargo.lock")] + [
        os.path.join(folder, name) for folder, _, names in os.walk(os.path.join(ROOT, "src")) for name in names]
    if not os.path.exists(binary) or os.path.getmtime(binary) < max(map(os.path.getmtime, sources)):
        raise SystemExit("cargo is not on root's PATH and target/release/galley is missing or older than src/:\n"
                         "  cargo build --release --locked && sudo python3 bench/fleet.py ...")


CLIENT_NS, FLEET_NS = "galley-bench-client", "galley-bench-fleet"


class DelayNet:
    """Two network namespaces joined by TUN devices and bench/delayline.py:
    the tools run in the client namespace, the fleet in the other, and every
    packet waits rtt/2 each way. Only the namespaces' own addresses
    (10.200.0.1 and 10.201.x.y) are used."""

    def __init__(self, rtt_ms, log=None):
        self.rtt = rtt_ms / 1000.0
        self.stop()
        for ns, dev in [(CLIENT_NS, "gbc"), (FLEET_NS, "gbf")]:
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "tuntap", "add", "dev", dev, "mode", "tun")
            sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", CLIENT_NS, "addr", "add", "10.200.0.1/24", "dev", "gbc")
        sh("ip", "-n", CLIENT_NS, "route", "add", "10.201.0.0/16", "dev", "gbc")
        sh("ip", "-n", FLEET_NS, "route", "add", "10.200.0.0/24", "dev", "gbf")
        self.line = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "delayline.py"),
                                      "--a", f"{CLIENT_NS}:gbc", "--b", f"{FLEET_NS}:gbf",
                                      "--delay-ms", str(rtt_ms / 2)] + (["--log", log] if log else []))

    def add_addresses(self, addresses):
        batch = "".join(f"addr replace {a}/32 dev lo\n" for a in addresses)
        sh("ip", "-n", FLEET_NS, "-batch", "-", input=batch.encode())

    def stop(self):
        if getattr(self, "line", None):
            self.line.kill()
            self.line.wait()
        for ns in (CLIENT_NS, FLEET_NS):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


class Fleet:
    def __init__(self, count, workdir, net=None):
        self.count = count
        self.dir = workdir
        self.net = net
        if net:
            self.addresses = [f"10.201.{1 + i // 250}.{1 + i % 250}" for i in range(count)]
            net.add_addresses(self.addresses)
        else:
            # 250 hosts per /24: 127.0.1.1-250, 127.0.2.1-250, ...
            self.addresses = [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(count)]
        self.procs = []
        key = os.path.join(workdir, "client")
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
        self.key = key
        open(os.path.join(workdir, "empty_rc"), "w").close()
        known = []
        for i, address in enumerate(self.addresses):
            hostdir = os.path.join(workdir, f"h{i}")
            os.makedirs(hostdir)
            sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(hostdir, "hostkey"))
            shutil.copy(key + ".pub", os.path.join(hostdir, "authorized_keys"))
            with open(os.path.join(hostdir, "sshd_config"), "w") as f:
                f.write(
                    f"Port {PORT}\nListenAddress {address}\nHostKey {hostdir}/hostkey\n"
                    f"PidFile {hostdir}/pid\nAuthorizedKeysFile {hostdir}/authorized_keys\n"
                    "StrictModes no\nUsePAM no\nUseDNS no\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nPermitRootLogin yes\n"
                    "MaxStartups 1000\nMaxSessions 100\nLogLevel ERROR\n"
                )
            kind, blob = open(os.path.join(hostdir, "hostkey.pub")).read().split()[:2]
            known.append(f"[{address}]:{PORT} {kind} {blob}\n")
            script = (
                f'[ -f "$HOME/.bashrc" ] && mount --bind {workdir}/empty_rc "$HOME/.bashrc"; '
                f"exec /usr/sbin/sshd -D -e -f {hostdir}/sshd_config"
            )
            inside = ["ip", "netns", "exec", FLEET_NS] if net else []
            self.procs.append(
                subprocess.Popen(inside + ["unshare", "-m", "--", "sh", "-c", script], stderr=subprocess.DEVNULL)
            )
        self.known_hosts = os.path.join(workdir, "known_hosts")
        with open(self.known_hosts, "w") as f:
            f.writelines(known)
        self.wait_ready()

    def wait_ready(self):
        import socket

        if self.net:
            # Asked from inside the fleet's namespace (no delay there).
            probe = (
                "import socket,sys,time\n"
                "deadline = time.time() + 30\n"
                "for a in sys.argv[1:]:\n"
                "    while True:\n"
                "        try:\n"
                f"            with socket.create_connection((a, {PORT}), timeout=2) as s:\n"
                "                if s.recv(4) == b'SSH-': break\n"
                "        except OSError: pass\n"
                "        if time.time() > deadline: sys.exit('sshd on ' + a + ' did not start')\n"
                "        time.sleep(0.05)\n"
            )
            sh("ip", "netns", "exec", FLEET_NS, sys.executable, "-c", probe, *self.addresses)
            return
        deadline = time.time() + 30
        for address in self.addresses:
            while True:
                try:
                    with socket.create_connection((address, PORT), timeout=2) as s:
                        if s.recv(4) == b"SSH-":
                            break
                except OSError:
                    pass
                if time.time() > deadline:
                    raise SystemExit(f"sshd on {address} did not start")
                time.sleep(0.05)

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            p.wait()


def ssh_options(fleet):
    return ["-i", fleet.key, "-o", f"UserKnownHostsFile={fleet.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null"]


def command_for(tool, fleet, concurrency, workdir):
    hosts = fleet.addresses
    if tool in ("galley", "galley-base"):
        # galley-base: another build of galley (GALLEY_BASE=/path/to/galley),
        # to compare two versions taking turns on the same fleet.
        binary = os.environ["GALLEY_BASE"] if tool == "galley-base" else os.path.join(ROOT, "target/release/galley")
        return [binary, "run", "-m", ",".join(hosts), "-C", str(concurrency),
                "-x", "root", "-p", str(PORT), "-i", fleet.key, "--known-hosts", fleet.known_hosts,
                # galley's own deadlines (connect 10s, auth 30s): the run
                # must end with every host ok under load without help.
                ] + os.environ.get("GALLEY_BENCH_FLAGS", "").split() + [
                "--output", "json", "--", "true"], {}
    if tool == "pssh":
        hostfile = os.path.join(workdir, "pssh-hosts")
        with open(hostfile, "w") as f:
            f.writelines(f"{h}:{PORT}\n" for h in hosts)
        return ["parallel-ssh", "-h", hostfile, "-p", str(concurrency), "-l", "root", "-t", "60",
                "-x", " ".join(ssh_options(fleet)), "true"], {}
    if tool == "clush":
        options = " ".join(ssh_options(fleet) + ["-p", str(PORT)])
        return ["clush", "-w", ",".join(hosts), "-f", str(concurrency), "-l", "root", "-o", options, "true"], {}
    if tool == "parallel-ssh":
        script = (
            "import sys\n"
            "from pssh.clients import ParallelSSHClient\n"
            f"hosts = {hosts!r}\n"
            f"c = ParallelSSHClient(hosts, user='root', pkey={fleet.key!r}, port={PORT}, pool_size={concurrency})\n"
            "out = c.run_command('true')\n"
            "c.join(out)\n"
            "sys.exit(0 if all(o.exit_code == 0 for o in out) else 1)\n"
        )
        return [sys.executable, "-c", script], {}
    if tool == "ansible":
        inventory = os.path.join(workdir, "ansible-hosts")
        with open(inventory, "w") as f:
            f.write("[fleet]\n")
            f.writelines(f"{h} ansible_port={PORT}\n" for h in hosts)
        env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="True",
                   ANSIBLE_SSH_ARGS=f"-o UserKnownHostsFile={fleet.known_hosts} -o GlobalKnownHostsFile=/dev/null",
                   ANSIBLE_PYTHON_INTERPRETER="auto_silent")
        return ["ansible", "fleet", "-i", inventory, "-m", "raw", "-a", "true", "-f", str(concurrency),
                "-u", "root", "--private-key", fleet.key], env
    raise ValueError(tool)


def cpu_busy():
    """Jiffies the machine spent busy, all cores (from /proc/stat)."""
    fields = open("/proc/stat").readline().split()[1:]
    values = list(map(int, fields))
    idle = values[3] + values[4]
    return sum(values) - idle, os.sysconf("SC_CLK_TCK")


def measure(tool, fleet, concurrency, workdir):
    argv, env = command_for(tool, fleet, concurrency, workdir)
    if shutil.which(argv[0]) is None and not os.path.exists(argv[0]):
        return None
    errors = tempfile.TemporaryFile()
    # GNU time measures peak memory: a child forked from this Python process
    # would inherit Python's high-water mark across exec.
    peak_file = os.path.join(workdir, "peak")
    if fleet.net:
        argv = ["ip", "netns", "exec", CLIENT_NS] + argv
    argv = ["/usr/bin/time", "-f", "%M", "-o", peak_file] + argv
    busy_before, hz = cpu_busy()
    start = time.monotonic()
    # galley's JSON document says how each host ended; the rest is dropped.
    output = tempfile.TemporaryFile()
    keep = tool.startswith("galley")
    proc = subprocess.Popen(argv, env=env or None, stdout=output if keep else subprocess.DEVNULL, stderr=errors)
    # wait4 gives the CPU of the tool and of every process it waited for.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    busy_after, _ = cpu_busy()
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors.seek(0)
    not_ok = {}
    handshakes = []
    if keep:
        output.seek(0)
        try:
            for host in json.load(output)["hosts"]:
                if host["outcome"] != "ok":
                    what = f"{host['outcome']}/{host.get('phase')}"
                    not_ok[what] = not_ok.get(what, 0) + 1
                timings = host.get("timings") or {}
                if timings.get("connect_ms") is not None and timings.get("handshake_ms") is not None:
                    handshakes.append(timings["connect_ms"] + timings["handshake_ms"])
        except (ValueError, KeyError):
            not_ok["unreadable output"] = 1
    handshakes.sort()
    return {
        "tool": tool,
        "ok": proc.returncode == 0,
        "not_ok": not_ok,
        # TCP + version + key exchange + host key check, per host (ms):
        # what --connect-timeout must cover under this load.
        "handshake_p99": handshakes[int(len(handshakes) * 0.99)] if handshakes else None,
        "handshake_max": handshakes[-1] if handshakes else None,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "machine_cpu": (busy_after - busy_before) / hz,
        "rss_mb": int(open(peak_file).read().split()[-1]) / 1024,
        "error": errors.read().decode(errors="replace")[-300:] if proc.returncode else "",
    }


def run_case(count, concurrency, tools, runs, net=None):
    workdir = tempfile.mkdtemp(prefix="galley-bench-")
    fleet = Fleet(count, workdir, net)
    try:
        # Rounds of every tool in turn, so a slow spell of the machine (a
        # shared VM drifts by 20% and more) falls on all of them alike.
        samples = {tool: [] for tool in tools}
        for _ in range(runs):
            for tool in tools:
                if samples[tool] is None:
                    continue
                r = measure(tool, fleet, concurrency, workdir)
                if r is None:
                    samples[tool] = None
                    continue
                samples[tool].append(r)
        results = []
        for tool in tools:
            if not samples[tool]:
                print(f"  {tool}: not installed", flush=True)
                continue
            ordered = sorted(samples[tool], key=lambda r: r["wall"])
            median = dict(ordered[len(ordered) // 2])
            median["runs_ok"] = f"{sum(r['ok'] for r in ordered)}/{len(ordered)}"
            median["not_ok_runs"] = [r["not_ok"] for r in samples[tool] if r["not_ok"]]
            slowest = [r["handshake_max"] for r in ordered if r.get("handshake_max") is not None]
            median["handshake_worst"] = max(slowest) if slowest else None
            results.append(median)
        return results
    finally:
        fleet.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def report(count, concurrency, results, net=None, single=None):
    cores = os.cpu_count()
    where = f"{net.rtt * 1000:.0f} ms round trips" if net else "loopback"
    print(f"\nN={count} hosts, concurrency {concurrency}, {where}, medians")
    print(f"{'tool':<14} {'wall s':>8} {'client CPU s':>13} {'CPU/host ms':>12} {'machine CPU s':>14} {'peak MB':>8}  ok")
    for r in results:
        print(f"{r['tool']:<14} {r['wall']:>8.2f} {r['cpu']:>13.2f} {1000 * r['cpu'] / count:>12.2f} "
              f"{r['machine_cpu']:>14.2f} {r['rss_mb']:>8.1f}  {r['runs_ok']} runs ok"
              + (f"; hosts not ok, per run: {r['not_ok_runs']}" if r["not_ok_runs"] else "")
              + (f"; slowest connect+handshake {r['handshake_worst'] / 1000:.1f} s"
                 if r.get("handshake_worst") is not None else ""))
    galley = next((r for r in results if r["tool"] == "galley"), None)
    peers = [r for r in results if not r["tool"].startswith("galley") and r["ok"]]
    base = next((r for r in results if r["tool"] == "galley-base"), None)
    if galley and base:
        print(f"galley / galley-base: wall {galley['wall'] / base['wall']:.2f}, client CPU "
              f"{galley['cpu'] / max(base['cpu'], 1e-9):.2f}, peak memory {galley['rss_mb'] / base['rss_mb']:.2f}")
    if galley and peers:
        fastest = min(peers, key=lambda r: r["wall"])
        floor = galley["machine_cpu"] / cores
        print(f"galley wall / fastest peer ({fastest['tool']}): {galley['wall'] / fastest['wall']:.2f} (goal <= 0.55)")
        if not net:
            print(f"galley wall / floor (all CPU used during galley's run / {cores} cores = {floor:.2f}s): "
                  f"{galley['wall'] / floor:.2f} (goal <= 1.2)")
        print(f"galley client CPU per host / fastest peer's: "
              f"{galley['cpu'] / max(fastest['cpu'], 1e-9):.2f} (goal <= 1)")
    if galley and net and single:
        # The protocol's round trips per host, from one host alone (its wall
        # time holds them plus galley's start-up, a few milliseconds).
        trips = round(single["wall"] / net.rtt)
        waves = -(-count // concurrency)
        expected = waves * trips * net.rtt
        print(f"one host alone: {single['wall']:.3f}s = {single['wall'] / net.rtt:.1f} round trips of "
              f"{net.rtt * 1000:.0f} ms, counted as {trips}")
        print(f"galley wall / ({count}/{concurrency} hosts per slot x {trips} round trips x {net.rtt * 1000:.0f} ms "
              f"= {expected:.2f}s): {galley['wall'] / expected:.2f} (goal <= 1.1)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, action="append")
    parser.add_argument("--concurrency", type=int, action="append")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-install", action="store_true")
    parser.add_argument("--rtt-ms", type=float,
                        help="put the fleet behind a userspace delay line with this round-trip time")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the fleet's sshd processes need it")
    tools = args.tools.split(",")
    cases = list(zip(args.hosts or [50, 200], args.concurrency or [10, 50]))
    if not args.no_install:
        install(tools)
    net = DelayNet(args.rtt_ms) if args.rtt_ms else None
    try:
        for count, concurrency in cases:
            if count > 250 * 200:
                raise SystemExit("too many hosts")
            single = None
            if net and "galley" in tools:
                single = run_case(1, 1, ["galley"], args.runs, net)[0]
            report(count, concurrency, run_case(count, concurrency, tools, args.runs, net), net, single)
    finally:
        if net:
            net.stop()


if __name__ == "__main__":
    main()
