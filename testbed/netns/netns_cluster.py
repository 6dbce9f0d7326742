"""Amino++ nodes in Linux network namespaces: real multi-host networking on one machine.

Each node (an OMS or one replica of a replicated OMS, a kernel server, a client) gets its own
network namespace with its own address on a private bridge (a veth pair per node, 10.77.0.0/24),
and the real programs run in it (`ip netns exec <ns> bin/amino-...`). Faults are what the network
sees (docs/faults.md, "Network namespaces"): partitions are nftables rules that drop packets
silently (black holes: no RST, the peers learn nothing until their own timeouts), one-way
partitions drop one direction only, a link goes down when its veth does, a crash is `kill -9` of
the node's process and a restart runs the same command again (same address, port and storage
directory). The same FaultSchedule JSON as the other backends drives them (`apply`, `play`); a
fault type the network cannot express is refused with `UnsupportedFault` naming why. Latency stays
in the message layer (the kernel may have no netem).

Everything is made and torn down by the caller: `with NetnsCluster(...) as c:` deletes the
processes, namespaces and links even when the body raises or is interrupted (KeyboardInterrupt;
turn SIGTERM into one with `exit_on_sigterm()`). Names carry a per-run id, so parallel runs never
collide, and `cleanup_stale()` removes what a run killed with SIGKILL left behind (its owner process
is gone). Needs root, iproute2 and, for partitions, nftables (`probe()` says what is missing).

Command line: `python3 testbed/netns/netns_cluster.py probe | cleanup`.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Sequence

NETNS_PREFIX = "amino-"           # namespaces: amino-<run>-<node>
LINK_PREFIX = "am"                # links: am<run>b (bridge), am<run>h<i> (a node's veth, bridge side)
OWNERS_DIR = "/run/amino-netns"   # <run>.owner: the pid that owns a run's namespaces and links
SUBNET = "10.77.0"                # node i (from 1) is 10.77.0.<i>/24
PORT = 7400                       # every node has its own port space: all listen on 7400
TABLE = "amino_faults"            # the nftables table of a node's partition rules


class NetnsUnavailable(RuntimeError):
    """This machine cannot run namespaced nodes (not root, no iproute2, ...): the message says why."""


class UnsupportedFault(ValueError):
    """A fault the network-namespace launcher does not map to the network (the message says why)."""


def _run(argv, check=True, timeout=20, input=None):
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=timeout, input=input)


def probe() -> str | None:
    """None when namespaces, veth pairs, bridges and nftables all work here; otherwise what is missing."""
    if os.geteuid() != 0:
        return "network namespaces need root (euid is %d)" % os.geteuid()
    for tool, package in (("ip", "iproute2"), ("nft", "nftables")):
        if shutil.which(tool) is None:
            return f"'{tool}' not found (Debian package {package}; scripts/setup.sh installs it)"
    run = "probe%d" % os.getpid()
    ns = NETNS_PREFIX + run
    steps = [
        (["ip", "netns", "add", ns], "ip netns add (network namespaces)"),
        (["ip", "link", "add", LINK_PREFIX + "pb%d" % (os.getpid() % 100000), "type", "bridge"], "a bridge (ip link add type bridge)"),
        (["ip", "link", "add", LINK_PREFIX + "ph%d" % (os.getpid() % 100000), "type", "veth", "peer", "name",
          LINK_PREFIX + "pp%d" % (os.getpid() % 100000)], "a veth pair (ip link add type veth)"),
        (["ip", "netns", "exec", ns, "nft", "add", "table", "inet", TABLE], "nftables (nft add table inet: kernel nf_tables)"),
    ]
    try:
        for argv, what in steps:
            r = _run(argv, check=False)
            if r.returncode != 0:
                return f"{what} failed: {r.stderr.strip()}"
        return None
    finally:
        _run(["ip", "netns", "del", ns], check=False)
        for suffix in ("pb", "ph"):
            _run(["ip", "link", "del", LINK_PREFIX + suffix + "%d" % (os.getpid() % 100000)], check=False)


def netem_supported() -> bool:
    """Whether `tc qdisc ... netem` works (documentation only: latency is emulated in the message layer)."""
    if os.geteuid() != 0 or shutil.which("tc") is None:
        return False
    ns = NETNS_PREFIX + "netem%d" % os.getpid()
    try:
        if _run(["ip", "netns", "add", ns], check=False).returncode != 0:
            return False
        _run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=False)
        r = _run(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"], check=False)
        return r.returncode == 0
    finally:
        _run(["ip", "netns", "del", ns], check=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _delete_run(run: str) -> None:
    """Kills every process in a run's namespaces, deletes them and the run's links."""
    namespaces = [n for n in _netns_names() if n.startswith(f"{NETNS_PREFIX}{run}-")]
    for ns in namespaces:
        pids = _run(["ip", "netns", "pids", ns], check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
    for ns in namespaces:
        _run(["ip", "netns", "del", ns], check=False)
    links = _run(["ip", "-o", "link", "show"], check=False).stdout.splitlines()
    for line in links:  # "7: am1a2b3ch1@if6: <...": the bridge and the bridge-side veths
        parts = line.split(": ")
        if len(parts) > 1 and parts[1].split("@")[0].startswith(LINK_PREFIX + run):
            _run(["ip", "link", "del", parts[1].split("@")[0]], check=False)
    try:
        os.unlink(os.path.join(OWNERS_DIR, run + ".owner"))
    except FileNotFoundError:
        pass


def _netns_names():
    try:
        return sorted(os.listdir("/run/netns"))
    except FileNotFoundError:
        return []


def cleanup_stale() -> list[str]:
    """Deletes the runs whose owner process is gone (a test killed by SIGKILL); returns their ids."""
    removed = []
    try:
        owners = os.listdir(OWNERS_DIR)
    except FileNotFoundError:
        owners = []
    runs = {}
    for name in owners:
        if name.endswith(".owner"):
            try:
                with open(os.path.join(OWNERS_DIR, name)) as f:
                    runs[name[:-6]] = int(f.read().strip() or 0)
            except (OSError, ValueError):
                runs[name[:-6]] = 0
    for ns in _netns_names():  # namespaces of a run whose owner file is missing are stale too
        if ns.startswith(NETNS_PREFIX) and ns.count("-") >= 2:
            runs.setdefault(ns.split("-")[1], 0)
    for run, pid in sorted(runs.items()):
        if pid == 0 or not _alive(pid):
            _delete_run(run)
            removed.append(run)
    return removed


@dataclass
class Node:
    name: str
    index: int                      # 1.. : address 10.77.0.<index>
    ns: str
    veth: str                       # bridge side, in the root namespace
    argv: list[str] = field(default_factory=list)   # the program it runs (restart runs it again)
    ready: str = ""                 # a line the program prints once it serves
    storage_dir: str = ""
    proc: subprocess.Popen | None = None
    log_path: str = ""
    control: bool = False           # stdin and stdout are pipes to the caller (stderr goes to the log)

    @property
    def address(self) -> str:
        return f"{SUBNET}.{self.index}"

    @property
    def endpoint(self) -> str:      # the node id the programs print and --oms takes
        return f"{self.address}:{PORT}"


# Fault types of the FaultSchedule vocabulary (testbed/fault_schedule.h) this launcher does not map,
# and why. Everything else it does not know is refused as unknown.
REFUSED = {
    "partition_majorities_ring": "not mapped by the netns launcher (use partition / partition_one_way groups)",
    "message_faults": "a per-frame message-layer fault: give it to the programs with --fault-schedule (docs/faults.md)",
    "clear_message_faults": "a message-layer fault: give it to the programs with --fault-schedule (docs/faults.md)",
    "link": "link latency/bandwidth would need netem; emulate them in the message layer (message_faults.delay_ns)",
    "clock": "node clocks are the machine's clock in every namespace",
    "torn_write": "a simulated disk fault (SimGrid only)",
    "on_probe": "triggers ('on_probe') fire on probes, which only the simulator records (runtime/probe.h)",
}


# The fault types NetnsCluster.apply maps to the network (its handlers).
MAPPED = ("partition", "partition_one_way", "partition_bridge", "heal", "crash", "restart", "pause", "resume",
          "link_down", "link_up")


def unsupported(fault: dict) -> str | None:
    """Why the launcher cannot apply `fault` (a FaultSchedule entry), or None when it can; says
    nothing about its nodes (those are checked against a cluster's nodes)."""
    kind = fault.get("type")
    if kind not in MAPPED:
        return REFUSED.get(kind, "unknown fault type") if isinstance(kind, str) else "unknown fault type"
    if fault.get("mode", "drop") != "drop":
        return f"mode {fault['mode']!r} is not mapped (black holes only: mode 'drop')"
    return None


class NetnsCluster:
    """A private bridge and one namespace per node; programs from `programs_dir` (build/bin)."""

    def __init__(self, programs_dir: str, key: str | None = None, workdir: str | None = None):
        why = probe()
        if why is not None:
            raise NetnsUnavailable(why)
        self.programs = programs_dir
        self.run = secrets.token_hex(3)
        self.nodes: dict[str, Node] = {}
        self.blocked: set[tuple[str, str]] = set()   # directed (from, to) node pairs dropped
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix=f"amino-netns-{self.run}-")
        self.dir = workdir or self._tmp.name
        os.makedirs(self.dir, exist_ok=True)
        self.key_file = os.path.join(self.dir, "cluster.key")
        with open(os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write((key or secrets.token_hex(32)) + "\n")
        os.makedirs(OWNERS_DIR, exist_ok=True)
        with open(os.path.join(OWNERS_DIR, self.run + ".owner"), "w") as f:
            f.write(str(os.getpid()))
        self.bridge = f"{LINK_PREFIX}{self.run}b"
        self._closed = False
        try:
            _run(["ip", "link", "add", self.bridge, "type", "bridge"])
            _run(["ip", "link", "set", self.bridge, "up"])
        except BaseException:
            self.close()
            raise

    # -- topology ------------------------------------------------------------------------------
    def add_node(self, name: str) -> Node:
        if name in self.nodes:
            raise ValueError(f"node {name} exists")
        if not name or not all(c.isalnum() or c == "_" for c in name):
            raise ValueError(f"node names are letters, digits and _: {name!r}")
        index = len(self.nodes) + 1
        if index > 250:
            raise ValueError("at most 250 nodes on one bridge")
        node = Node(name, index, f"{NETNS_PREFIX}{self.run}-{name}", f"{LINK_PREFIX}{self.run}h{index}")
        node.log_path = os.path.join(self.dir, name + ".log")
        peer = f"{LINK_PREFIX}{self.run}p{index}"
        self.nodes[name] = node
        _run(["ip", "netns", "add", node.ns])
        _run(["ip", "link", "add", node.veth, "type", "veth", "peer", "name", peer])
        _run(["ip", "link", "set", peer, "netns", node.ns])
        _run(["ip", "link", "set", node.veth, "master", self.bridge])
        _run(["ip", "link", "set", node.veth, "up"])
        for argv in (["ip", "link", "set", "lo", "up"],
                     ["ip", "link", "set", peer, "name", "eth0"],
                     ["ip", "addr", "add", f"{node.address}/24", "dev", "eth0"],
                     ["ip", "link", "set", "eth0", "up"]):
            _run(["ip", "netns", "exec", node.ns, *argv])
        self._render_rules(node)
        return node

    def node(self, name: str) -> Node:
        if name not in self.nodes:
            raise ValueError(f"unknown node {name!r} (nodes: {', '.join(self.nodes)})")
        return self.nodes[name]

    # -- programs ------------------------------------------------------------------------------
    def key_flags(self) -> list[str]:
        return ["--cluster-key-file", self.key_file]

    def start(self, name: str, argv: list[str], ready: str, timeout: float = 15.0, control: bool = False) -> Node:
        """Runs argv in the node's namespace (stdout and stderr to <dir>/<name>.log) and waits until
        its log shows `ready` (bounded); raises RuntimeError with the log's tail if it does not.
        control=True: the program's stdin and stdout are pipes (node.proc.stdin/stdout, text, line
        buffered) for a command channel, only stderr goes to the log; a restart makes new ones."""
        node = self.node(name)
        if node.proc is not None and node.proc.poll() is None:
            raise ValueError(f"node {name} already runs a program")
        node.argv, node.ready, node.control = list(argv), ready, control
        self._spawn(node, timeout)
        return node

    def _spawn(self, node: Node, timeout: float) -> None:
        offset = os.path.getsize(node.log_path) if os.path.exists(node.log_path) else 0
        with open(node.log_path, "a") as log:
            if node.control:
                node.proc = subprocess.Popen(["ip", "netns", "exec", node.ns, *node.argv], stdout=subprocess.PIPE,
                                             stderr=log, stdin=subprocess.PIPE, text=True, bufsize=1)
            else:
                node.proc = subprocess.Popen(["ip", "netns", "exec", node.ns, *node.argv], stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if node.ready in self.log(node.name, offset):
                return
            if node.proc.poll() is not None:
                break
            time.sleep(0.05)
        tail = self.log(node.name, offset)[-2000:]
        raise RuntimeError(f"{node.name}: {' '.join(node.argv)} did not print {node.ready!r} "
                           f"(exit {node.proc.poll()}); log:\n{tail}")

    def endpoints(self, names: str | Sequence[str]) -> str:
        """The ids of nodes (one name or several), comma-separated as --peers and --oms take them."""
        return ",".join(self.node(n).endpoint for n in ([names] if isinstance(names, str) else names))

    def oms(self, name: str = "oms", flags: tuple[str, ...] = (), peers: Sequence[str] = ()) -> Node:
        """An amino-oms; with `peers` (node names, this one's included) one replica of a replicated
        OMS (--peers, docs/deploy.md section 4b). Its storage directory survives a restart."""
        node = self.node(name)
        node.storage_dir = os.path.join(self.dir, name + "-storage")
        replicated = ("--peers", self.endpoints(peers)) if peers else ()
        return self.start(name, [os.path.join(self.programs, "amino-oms"), "--listen", node.address, "--port",
                                 str(PORT), "--storage-dir", node.storage_dir, *self.key_flags(), *replicated,
                                 *flags], "listening on")

    def oms_group(self, names: Sequence[str], flags: tuple[str, ...] = ()) -> list[Node]:
        """A replicated OMS: one replica per node, each given every replica's id. The group serves once
        a majority is up; at the first start its founder (the first id in sorted order) must be up."""
        return [self.oms(n, flags, peers=names) for n in names]

    def kernel_server(self, name: str, oms: str | Sequence[str] = "oms", flags: tuple[str, ...] = ()) -> Node:
        """An amino-kernel-server; `oms` names the OMS node, or every replica's of a replicated OMS."""
        node = self.node(name)
        node.storage_dir = os.path.join(self.dir, name + "-storage")
        return self.start(name, [os.path.join(self.programs, "amino-kernel-server"), "--listen", node.address,
                                 "--port", str(PORT), "--oms", self.endpoints(oms), "--storage-dir",
                                 node.storage_dir, "--label", f"name={name}", *self.key_flags(), *flags],
                          "amino-kernel-server " + node.endpoint)

    def exec(self, name: str, argv: list[str], timeout: float = 30.0) -> subprocess.CompletedProcess:
        """Runs a command to completion in the node's namespace (a client: amino-ctl, a script)."""
        try:
            return _run(["ip", "netns", "exec", self.node(name).ns, *argv], check=False, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(e.cmd, -9, e.stdout or "", (e.stderr or "") + "\n(timed out)")

    def ctl(self, name: str, *args: str, oms: str | Sequence[str] = "oms", timeout_ms: int = 5000,
            limit: float | None = None) -> subprocess.CompletedProcess:
        """`amino-ctl` run in node `name`'s namespace against the OMS node `oms` (or every replica of a
        replicated OMS); killed after `limit` seconds (default: its call timeout plus 20 s)."""
        argv = [os.path.join(self.programs, "amino-ctl"), "--oms", self.endpoints(oms), "--timeout-ms",
                str(timeout_ms), *self.key_flags(), *args]
        return self.exec(name, argv, timeout=timeout_ms / 1000 + 20 if limit is None else limit)

    def log(self, name: str, offset: int = 0) -> str:
        try:
            with open(self.node(name).log_path, errors="replace") as f:
                f.seek(offset)
                return f.read()
        except FileNotFoundError:
            return ""

    # -- faults (the FaultSchedule vocabulary, as the network sees it) --------------------------
    def apply(self, fault: dict) -> None:
        """Applies one fault of the FaultSchedule JSON now. Raises UnsupportedFault for a type the
        network cannot express, ValueError for a malformed fault or an unknown node."""
        kind = fault.get("type")
        handler = self._handlers().get(kind)
        if handler is None:
            if kind in REFUSED:
                raise UnsupportedFault(f"fault '{kind}': {REFUSED[kind]}")
            raise UnsupportedFault(f"unknown fault type {kind!r} (mapped: {', '.join(sorted(self._handlers()))})")
        mode = fault.get("mode", "drop")
        if mode != "drop":
            raise UnsupportedFault(f"fault '{kind}': mode {mode!r} is not mapped (black holes only: mode 'drop')")
        handler(fault)

    def _handlers(self):
        return {
            "partition": self._partition,
            "partition_one_way": self._one_way,
            "partition_bridge": self._bridge_partition,
            "heal": lambda f: self._set_blocked(set()),
            "crash": self._crash,
            "restart": lambda f: self._restart(self._fault_node(f)),
            "pause": lambda f: self._signal(self._fault_node(f), signal.SIGSTOP),
            "resume": lambda f: self._signal(self._fault_node(f), signal.SIGCONT),
            "link_down": lambda f: _run(["ip", "link", "set", self._fault_node(f).veth, "down"]),
            "link_up": lambda f: _run(["ip", "link", "set", self._fault_node(f).veth, "up"]),
        }

    def check(self, schedule: dict) -> list[tuple[float, dict]]:
        """A schedule's faults as (seconds, fault), sorted, each checked (type mapped, nodes known)."""
        entries = schedule.get("faults")
        if not isinstance(entries, list):
            raise ValueError("a fault schedule is {\"faults\": [...]}")
        out = []
        for f in entries:
            kind = f.get("type") if isinstance(f, dict) else None
            why = unsupported(f) if isinstance(f, dict) else "a fault is an object"
            if why is not None:
                raise UnsupportedFault(f"fault '{kind}': {why}")
            for n in _fault_nodes(f):
                self.node(n)
            at = f.get("at_ns", 0)
            if not isinstance(at, int) or at < 0:
                raise ValueError(f"fault '{kind}': at_ns must be a non-negative integer, got {at!r}")
            out.append((at / 1e9, f))
        return sorted(out, key=lambda e: e[0])

    def play(self, schedule: dict) -> "Player":
        """Applies a FaultSchedule in a background thread, each fault at its at_ns after now (checked
        first: nothing is applied if any fault is refused). Join the returned Player."""
        player = Player(self, self.check(schedule))
        player.start()
        return player

    def _fault_node(self, f: dict) -> Node:
        n = f.get("node")
        if not isinstance(n, str):
            raise ValueError(f"fault '{f.get('type')}': node must be a node name, got {n!r}")
        return self.node(n)

    def _partition(self, f):
        groups = f.get("groups")
        if not isinstance(groups, list) or len(groups) < 2:
            raise ValueError("partition: groups must be a list of at least two node lists")
        seen = set()
        for g in groups:
            for n in g:
                self.node(n)
                if n in seen:
                    raise ValueError(f"partition: node {n} is in two groups")
                seen.add(n)
        pairs = {(a, b) for i, ga in enumerate(groups) for j, gb in enumerate(groups) if i != j for a in ga for b in gb}
        self._set_blocked(self.blocked | pairs)

    def _one_way(self, f):
        src, dst = f.get("from", []), f.get("to", [])
        for n in [*src, *dst]:
            self.node(n)
        self._set_blocked(self.blocked | {(a, b) for a in src for b in dst if a != b})

    def _bridge_partition(self, f):
        # docs/faults.md: nodes[0 .. n/2) and nodes(n/2 .. n) are cut apart; nodes[n/2] sees both.
        nodes = f.get("nodes", [])
        if len(nodes) < 3:
            raise ValueError("partition_bridge: at least 3 nodes")
        half = len(nodes) // 2
        left, right = nodes[:half], nodes[half + 1:]
        self._partition({"groups": [left, right]})

    def _set_blocked(self, pairs: set) -> None:
        old, self.blocked = self.blocked, set(pairs)
        touched = {a for a, _ in old | self.blocked} | {b for _, b in old | self.blocked}
        for name in sorted(touched):
            self._render_rules(self.nodes[name])

    def _render_rules(self, node: Node) -> None:
        # Both ends drop a blocked pair (as the process fault drivers do): the sender's output and the
        # receiver's input. Silent drop: no RST, no ICMP. ARP is not filtered (family inet).
        out = [f"ip daddr {self.nodes[b].address} drop" for a, b in sorted(self.blocked) if a == node.name]
        inp = [f"ip saddr {self.nodes[a].address} drop" for a, b in sorted(self.blocked) if b == node.name]
        ruleset = (f"table inet {TABLE}\ndelete table inet {TABLE}\ntable inet {TABLE} {{\n"
                   "  chain input { type filter hook input priority 0; policy accept;\n"
                   + "".join(f"    {r}\n" for r in inp) +
                   "  }\n  chain output { type filter hook output priority 0; policy accept;\n"
                   + "".join(f"    {r}\n" for r in out) + "  }\n}\n")
        r = _run(["ip", "netns", "exec", node.ns, "nft", "-f", "-"], check=False, input=ruleset)
        if r.returncode != 0:
            raise RuntimeError(f"nft in {node.ns}: {r.stderr.strip()}\n{ruleset}")

    def _crash(self, f):
        node = self._fault_node(f)
        if node.proc is None or node.proc.poll() is not None:
            raise ValueError(f"crash: node {node.name} is not running")
        node.proc.kill()    # SIGKILL to the program itself: `ip netns exec` execs it, no shell between
        node.proc.wait(timeout=10)
        if f.get("wipe_storage") and node.storage_dir:
            shutil.rmtree(node.storage_dir, ignore_errors=True)

    def _restart(self, node: Node):
        if node.proc is not None and node.proc.poll() is None:
            raise ValueError(f"restart: node {node.name} is running")
        if not node.argv:
            raise ValueError(f"restart: node {node.name} never ran a program")
        self._spawn(node, 15.0)

    def _signal(self, node: Node, sig):
        if node.proc is None or node.proc.poll() is not None:
            raise ValueError(f"{signal.Signals(sig).name}: node {node.name} is not running")
        node.proc.send_signal(sig)

    # -- teardown ------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for node in self.nodes.values():
            if node.proc is not None and node.proc.poll() is None:
                node.proc.kill()
                try:
                    node.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        _delete_run(self.run)  # also any process a client command left in a namespace
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _fault_nodes(f: dict) -> list[str]:
    if "groups" in f:
        return [n for g in f["groups"] for n in g]
    return [*f.get("from", []), *f.get("to", []), *f.get("nodes", []), *([f["node"]] if "node" in f else [])]


class Player(threading.Thread):
    """Applies checked faults at their times (monotonic clock from start); errors are kept, not raised
    in the thread: join() re-raises the first."""

    def __init__(self, cluster: NetnsCluster, faults: list[tuple[float, dict]]):
        super().__init__(daemon=True)
        self.cluster, self.faults = cluster, faults
        self.applied: list[tuple[float, dict]] = []   # (seconds since start when applied, fault)
        self.error: BaseException | None = None
        self._stop_event = threading.Event()

    def run(self):
        start = time.monotonic()
        for at, fault in self.faults:
            if self._stop_event.wait(max(0.0, start + at - time.monotonic())):
                return
            try:
                self.cluster.apply(fault)
                self.applied.append((time.monotonic() - start, fault))
            except BaseException as e:  # noqa: BLE001 - handed to join()
                self.error = e
                return

    def stop(self):
        self._stop_event.set()

    def join(self, timeout=None):
        super().join(timeout)
        if self.is_alive():
            self.stop()
            super().join(5)
            raise TimeoutError("fault schedule still playing")
        if self.error is not None:
            raise self.error


def exit_on_sigterm() -> None:
    """SIGTERM (ctest's timeout, kill) raises KeyboardInterrupt, so `with NetnsCluster` cleans up."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("probe", "cleanup"):
        print(__doc__.strip().splitlines()[0] + "\nusage: netns_cluster.py probe | cleanup", file=sys.stderr)
        return 2
    if argv[1] == "probe":
        why = probe()
        print("netns: ok" if why is None else f"netns: unavailable: {why}")
        print("netem: " + ("ok" if netem_supported() else "unavailable (latency stays in the message layer)"))
        return 0 if why is None else 1
    removed = cleanup_stale()
    print(f"removed {len(removed)} stale run(s)" + (": " + " ".join(removed) if removed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
