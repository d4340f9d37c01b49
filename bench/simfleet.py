#!/usr/bin/env python3
"""A simulated Chef fleet on this machine, to try galley's runbooks by hand.

`up` starts a Chef server (Debian's goiardi, on 127.0.0.1 with authentication
on) and N hosts. Each host is a real OpenSSH server on 127.0.0.1 with its own
host key, in a private mount namespace where it has its own /etc/apt (with
the stale `gitlab_pre-release.list` carrying a token), /var/backups and
/usr/local/bin (the test fakes: a chef-client that prints Chef 18's output and
checks in with the Chef server, and a packagecloud-ctl that runs unicorn and
nginx as real processes under runit-style status lines). It writes an
inventory, known_hosts, a client key and a knife config.rb, and prints the
commands to run. `down` stops everything.

Run as root from the repository root:
    python3 bench/simfleet.py up --hosts 12 --dir /tmp/simfleet
    python3 bench/simfleet.py down --dir /tmp/simfleet

Only 127.0.0.1 is ever used.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKES = os.path.join(ROOT, "fixtures", "fakes")
TOKEN = "glpat-SimulatedOldToken"


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    deadline = time.time() + 15
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited at start")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not start")


def spawn(args, pids):
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    pids.append(proc.pid)
    return proc


def start_goiardi(work, pids):
    port = free_port()
    conf = os.path.join(work, "goiardi")
    os.makedirs(conf)
    proc = spawn(["goiardi", "--ipaddress", "127.0.0.1", "--port", str(port), "--hostname", "127.0.0.1",
                  "--use-auth", "--conf-root", conf, "--log-file", os.path.join(conf, "log")], pids)
    deadline = time.time() + 15
    while not os.path.exists(os.path.join(conf, "admin.pem")) and time.time() < deadline:
        time.sleep(0.05)
    wait_port(port, proc, "goiardi")
    return f"http://127.0.0.1:{port}", os.path.join(conf, "admin.pem")


def put_node(url, key, node):
    """Registers a node the way the fake chef-client talks to the server."""
    fake = os.path.join(FAKES, "chef-client")
    code = (
        "import json,sys,runpy\n"
        "g = runpy.run_path(sys.argv[1], run_name='lib')\n"
        "server = {'url': sys.argv[2], 'user': 'admin', 'key': sys.argv[3]}\n"
        "g['signed']('POST', '/nodes', json.dumps(json.loads(sys.argv[4])).encode(), server)\n"
    )
    sh(sys.executable, "-c", code, fake, url, key, json.dumps(node))


def start_host(work, name, client_pub, pids, server):
    root = os.path.join(work, name)
    for d in ["etc-apt/sources.list.d", "var-backups", "bin", "state/svc", "behaviour"]:
        os.makedirs(os.path.join(root, d))
    shutil.copy(os.path.join(FAKES, "chef-client"), os.path.join(root, "bin", "chef-client"))
    shutil.copy(os.path.join(FAKES, "service-ctl"), os.path.join(root, "bin", "packagecloud-ctl"))
    with open(os.path.join(root, "bin", "fake-root"), "w") as f:
        f.write(root)
    with open(os.path.join(root, "etc-apt", "sources.list"), "w") as f:
        f.write("deb http://deb.debian.org/debian bookworm main\n")
    with open(os.path.join(root, "etc-apt", "sources.list.d", "gitlab_pre-release.list"), "w") as f:
        f.write(f"deb https://{TOKEN}:@packages.gitlab.com/gitlab/pre-release/debian/ bookworm main\n")
    with open(os.path.join(root, "behaviour", "chef"), "w") as f:
        f.write("18 ok")
    url, key = server
    with open(os.path.join(root, "chef-server.json"), "w") as f:
        json.dump({"url": url, "user": "admin", "key": key, "node": name}, f)
    for service in ["unicorn", "nginx"]:
        os.makedirs(os.path.join(root, "state", "svc", service))
        sh(os.path.join(root, "bin", "packagecloud-ctl"), "restart", service, stdout=subprocess.DEVNULL)
    os.remove(os.path.join(root, "state", "ctl-calls"))
    with open(os.path.join(root, "state", "svc", "unicorn", "pid")) as f:
        pids.append(int(f.read()))
    with open(os.path.join(root, "state", "svc", "nginx", "pid")) as f:
        pids.append(int(f.read()))

    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(root, "hostkey"))
    shutil.copy(client_pub, os.path.join(root, "authorized_keys"))
    open(os.path.join(root, "empty_rc"), "w").close()
    port = free_port()
    with open(os.path.join(root, "sshd_config"), "w") as f:
        f.write(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root}/hostkey\nPidFile {root}/sshd.pid\n"
                f"AuthorizedKeysFile {root}/authorized_keys\nStrictModes no\nUsePAM no\nUseDNS no\n"
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin yes\n"
                "MaxStartups 500\nLogLevel ERROR\n")
    mounts = "".join(f"mount --bind {root}/{src} {dst} && " for src, dst in
                     [("etc-apt", "/etc/apt"), ("var-backups", "/var/backups"), ("bin", "/usr/local/bin")])
    script = (f"{mounts}{{ [ -f \"$HOME/.bashrc\" ] && mount --bind {root}/empty_rc \"$HOME/.bashrc\"; }}; "
              f"exec /usr/sbin/sshd -D -e -f {root}/sshd_config")
    proc = spawn(["unshare", "-m", "--", "sh", "-c", script], pids)
    wait_port(port, proc, f"sshd for {name}")
    with open(os.path.join(root, "hostkey.pub")) as f:
        kind, key_b64 = f.read().split()[:2]
    node = {
        "name": name, "chef_environment": "gprd", "json_class": "Chef::Node", "chef_type": "node",
        "run_list": ["role[gprd-base-fe-web]", "recipe[omnibus-gitlab::default]"],
        "automatic": {
            "fqdn": "127.0.0.1", "cloud": {"public_ssh_port": port},
            "recipes": ["omnibus-gitlab::default"], "roles": ["gprd-base-fe-web"],
            "keys": {"ssh": {"host_ed25519_public": key_b64}}, "ohai_time": time.time() - 86400,
        },
    }
    return node, f"[127.0.0.1]:{port} {kind} {key_b64}\n"


def up(args):
    if os.geteuid() != 0:
        sys.exit("run as root: each host's sshd needs its own mount namespace")
    for tool in ["/usr/sbin/sshd", "/usr/bin/goiardi", "/usr/bin/python3", "/usr/bin/openssl"]:
        if not os.path.exists(tool):
            sys.exit(f"{tool} is missing: run .ci/install")
    os.makedirs("/run/sshd", exist_ok=True)
    work = os.path.abspath(args.dir)
    if os.path.exists(os.path.join(work, "pids")):
        sys.exit(f"{work} holds a running fleet: `python3 bench/simfleet.py down --dir {work}` first")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    pids = []
    try:
        client = os.path.join(work, "client")
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client)
        server = start_goiardi(work, pids)
        nodes, known = [], []
        for i in range(args.hosts):
            node, line = start_host(work, f"web-{i + 1:02d}-sv-gprd", client + ".pub", pids, server)
            put_node(server[0], server[1], node)
            nodes.append(node)
            known.append(line)
    finally:
        with open(os.path.join(work, "pids"), "w") as f:
            f.write("\n".join(map(str, pids)) + "\n")
    with open(os.path.join(work, "nodes.json"), "w") as f:
        json.dump(nodes, f, indent=1)
    with open(os.path.join(work, "known_hosts"), "w") as f:
        f.writelines(known)
    with open(os.path.join(work, "config.rb"), "w") as f:
        f.write(f"chef_server_url '{server[0]}'\nnode_name 'admin'\nclient_key '{server[1]}'\n")
    common = f"--inventory {work}/nodes.json -i {work}/client --known-hosts {work}/known_hosts"
    # The galley on PATH, else the one this checkout built (root's PATH
    # rarely has ~/.cargo/bin).
    galley = "galley" if shutil.which("galley") else os.path.join(ROOT, "target", "release", "galley")
    if not os.path.exists(shutil.which(galley) or galley):
        print(f"note: build galley first: cargo build --release (in {ROOT})", file=sys.stderr)
    print(f"""{args.hosts} hosts and a Chef server are up in {work}.

# Procedure 1: the repository token was rotated
{galley} fixup {common} -c {work}/config.rb --server-check on -C 10 \\
  --remove-sources gitlab_pre-release --report {work}/rotation.jsonl 'recipes:omnibus-gitlab\\:\\:default'

# Procedure 2: the license was updated
{galley} fixup {common} -c {work}/config.rb --server-check on \\
  --restart unicorn,nginx --ctl packagecloud-ctl 'recipes:omnibus-gitlab\\:\\:default'

# Undo procedure 1's removal (the backup id is in its summary)
{galley} apt-sources {common} --restore BACKUP_ID '*:*'

python3 bench/simfleet.py down --dir {work}""")


def down(args):
    work = os.path.abspath(args.dir)
    try:
        with open(os.path.join(work, "pids")) as f:
            pids = [int(p) for p in f.read().split()]
    except FileNotFoundError:
        sys.exit(f"no fleet in {work}")
    for root, dirs, files in os.walk(work):
        if "pid" in files and os.path.basename(os.path.dirname(root)) == "svc":
            with open(os.path.join(root, "pid")) as f:
                pids.append(int(f.read()))
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    shutil.rmtree(work, ignore_errors=True)
    print(f"stopped {len(pids)} processes and removed {work}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--hosts", type=int, default=12)
    parser.add_argument("--dir", default="/tmp/galley-simfleet")
    args = parser.parse_args()
    up(args) if args.action == "up" else down(args)


if __name__ == "__main__":
    main()
