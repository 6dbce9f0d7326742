"""The netns backend: every host of a scenario in its own Linux network namespace, as its own process.

Each platform host gets a namespace with its own address on a private bridge (testbed/netns/
netns_cluster.py: 10.77.0.N, port 7400) and runs `amino-scenario-node` (pybind/scenario_node.h):
the OMS on the scenario's oms_host (with oms_replicas: an OMS replica on each of those hosts, its Raft
log in the host's storage directory, which a restart after a crash keeps), a kernel server
elsewhere, plus the workloads of clients on that host. The nodes talk over real TCP between namespaces, authenticated by a cluster key made
fresh for the run; each host pair's platform latency and bandwidth are emulated in the message
layer (as on the sockets backend: the kernel may have no netem). Faults of the scenario's schedule
are what the network does (NetnsCluster.apply): a partition is an nftables black hole (no RST, so
the game's partition meets real TCP timeouts), crash is kill -9 of the host's process, pause is
SIGSTOP. CPU speed is not emulated.

The launcher drives the nodes over their stdin/stdout, one command and one answer per line:
  1. boot every node (the OMS host or replicas first) and wait until every kernel server has
     registered (replicated: with the replica that serves);
  2. create the deployments in scenario order, each from its creator host (init calls included);
  3. "start <t0>": time 0 is one CLOCK_MONOTONIC instant shared by every process of the machine;
     the fault schedule is played from t0;
  4. at t0 + duration "collect" each node's records and history, then "quit" them all.
The parts are merged into the sockets backend's result shape (records, history, ok, errors, frames).

A node that dies when no fault killed it, does not answer in time, or answers an error stops the
run with a NetnsRunError (NodeDied, NodeFailed, NodeTimeout), its log's tail in the message;
amino.run turns it into a failed Results. Needs root, iproute2 and nftables (`unavailable()` says
what is missing) and a source checkout (testbed/netns/).
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Optional

from ._native import BUILD_PYBIND_DIR, REPO

PROGRAM = "amino-scenario-node"
BOOT_TIMEOUT_S = 15.0          # a node prints its ready line
REGISTRATION_TIMEOUT_S = 30.0  # as the scenario runner's wait_registered
CREATE_TIMEOUT_S = 60.0        # per deployment, as the scenario runner's
ANSWER_TIMEOUT_S = 20.0        # any other command (a collect of a big run included)
START_MARGIN_S = 0.5           # t0 is this far after "start" is sent, so every node has it before t0


class NetnsRunError(RuntimeError):
    """The run cannot go on; the message names the node and shows its log's tail."""


class NodeDied(NetnsRunError):
    """A node's process ended when no fault of the schedule killed it."""


class NodeFailed(NetnsRunError):
    """A node answered a command with an error (a deployment that could not be created, ...)."""


class NodeTimeout(NetnsRunError):
    """A node did not answer a command in time."""


def _netns_cluster():
    """testbed/netns/netns_cluster.py of the checkout (the launcher of namespaces and faults)."""
    path = os.path.join(REPO, "testbed", "netns")
    if not os.path.isfile(os.path.join(path, "netns_cluster.py")):
        raise NetnsRunError(f"the netns backend needs a source checkout ({path}/netns_cluster.py not found)")
    if path not in sys.path:
        sys.path.insert(0, path)
    import netns_cluster
    return netns_cluster


def programs_dir() -> str:
    """bin/ of the build whose _amino module this process loaded (where amino-scenario-node is)."""
    return os.path.join(os.path.dirname(BUILD_PYBIND_DIR), "bin")


def unavailable() -> Optional[str]:
    """None when this machine can run the netns backend; otherwise why not."""
    why = _netns_cluster().probe()
    if why is not None:
        return why
    program = os.path.join(programs_dir(), PROGRAM)
    if not os.access(program, os.X_OK):
        return f"{program} not built (cmake --build build --target {PROGRAM})"
    return None


def problems(d: dict) -> list[str]:
    """What in a scenario dict (Scenario.to_dict) the netns backend cannot run, without running
    anything: host names a namespace cannot carry, faults the network cannot express, a crash of a
    host whose clients' records would die with its process."""
    nc = _netns_cluster()
    out = []
    for h in d.get("platform", {}).get("hosts", []):
        name = h.get("name", "")
        if not name or not all(c.isalnum() or c == "_" for c in name):
            out.append(f"host {name!r}: the netns backend needs host names of letters, digits and _")
    if len(d.get("platform", {}).get("hosts", [])) > 250:
        out.append("the netns backend runs at most 250 hosts (one /24 bridge)")
    clients_on = {w.get("node") for w in d.get("workloads", [])}
    for f in d.get("faults", []):
        why = nc.unsupported(f)
        if why is not None:
            out.append(f"fault '{f.get('type')}' at {f.get('at')} s: not on the netns backend: {why}")
        elif f.get("type") in ("crash", "restart") and f.get("node") in clients_on:
            out.append(f"fault '{f['type']}' of {f['node']}: not on the netns backend: the host runs clients, "
                       "whose records live in its process (crash a host without clients)")
    return out


def fault_schedule(d: dict) -> dict:
    """The scenario's faults (`at` in seconds) as NetnsCluster's FaultSchedule JSON (`at_ns`)."""
    return {"faults": [{**{k: v for k, v in f.items() if k != "at"}, "at_ns": int(round(f["at"] * 1e9))}
                       for f in d.get("faults", [])]}


class _Channel:
    """The command channel of one node process: answers are read by a thread into a queue (None at
    the end of the process's stdout), so every wait for an answer is bounded."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.answers.put(line.rstrip("\n"))
        self.answers.put(None)


class NetnsRun:
    """One scenario run on the netns backend; `with NetnsRun(d) as r: r.run()` (or the phases one by
    one: boot, create, start, wait, collect) removes every namespace and process at the end."""

    def __init__(self, scenario: dict, programs: Optional[str] = None, workdir: Optional[str] = None) -> None:
        if scenario.get("backend") != "netns":
            scenario = {**scenario, "backend": "netns"}
        self.d = scenario
        self.programs = programs or programs_dir()
        found = problems(self.d)
        if found:
            raise ValueError("the scenario cannot run on the netns backend:\n  - " + "\n  - ".join(found))
        self.nc = _netns_cluster()
        self.hosts = [h["name"] for h in self.d["platform"]["hosts"]]
        # The OMS's hosts: the replicas, or the one oms_host.
        self.oms_hosts = list(self.d.get("oms_replicas") or [self.d.get("oms_host", "oms")])
        self.cluster = self.nc.NetnsCluster(self.programs, workdir=workdir)  # a fresh cluster key
        self._channels: dict = {}
        self.crashed: set[str] = set()  # hosts a fault of the schedule killed (and no restart yet)
        self.player: Optional[_Player] = None
        self.t0 = 0.0  # time.monotonic() of time 0 (set by start)
        self.booted_at = time.monotonic()
        self.addresses: dict[str, str] = {}
        self.leader_at_t0: Optional[str] = None

    # -- the command channel --------------------------------------------------------------------
    def _log_tail(self, host: str) -> str:
        return self.cluster.log(host)[-1500:]

    def ask(self, host: str, command: str, timeout: float = ANSWER_TIMEOUT_S) -> str:
        """Sends one command to `host`'s node and returns its answer (without an "error" answer)."""
        node = self.cluster.node(host)
        channel = self._channels.get(host)
        if channel is None or channel.proc is not node.proc:  # first use, or a restarted process
            channel = self._channels[host] = _Channel(node.proc)
        try:
            node.proc.stdin.write(command + "\n")
            node.proc.stdin.flush()
            answer = channel.answers.get(timeout=timeout)
        except (BrokenPipeError, ValueError):
            answer = None
        except queue.Empty:
            raise NodeTimeout(f"{host} did not answer {command!r} within {timeout:g} s; its log:\n"
                              f"{self._log_tail(host)}") from None
        if answer is None:
            try:
                code: Optional[int] = node.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # its stdout closed, yet it runs on: kill what cannot answer
                node.proc.kill()
                code = None
            raise NodeDied(f"{host}'s process ended (exit code {code}) before answering {command!r}; its log:\n"
                           f"{self._log_tail(host)}")
        if answer.startswith("error "):
            raise NodeFailed(f"{host}: {answer[len('error '):]}")
        return answer

    # -- the phases ------------------------------------------------------------------------------
    def boot(self) -> None:
        """Namespaces for every host, then their nodes (the OMS host first); waits for registration."""
        for h in self.hosts:
            self.addresses[h] = self.cluster.add_node(h).endpoint
        folder = self.cluster.dir
        scenario_path = os.path.join(folder, "scenario.json")
        with open(scenario_path, "w") as f:
            json.dump({**self.d, "chrome_trace": "", "jsonl_trace": ""}, f)
        addresses_path = os.path.join(folder, "addresses.json")
        with open(addresses_path, "w") as f:
            json.dump(self.addresses, f)
        self.cluster.check(fault_schedule(self.d))  # every fault's nodes known, before anything runs
        for h in self.oms_hosts + [h for h in self.hosts if h not in self.oms_hosts]:
            self.start_node(h, scenario_path, addresses_path)
        servers = len(self.hosts) - len(self.oms_hosts)
        deadline = time.monotonic() + REGISTRATION_TIMEOUT_S
        while True:
            leader, registered = self._oms_leader()
            if leader is not None and registered == servers:
                self.leader_at_t0 = leader
                return
            if time.monotonic() > deadline:
                logs = "".join(f"\n--- {h}:\n{self._log_tail(h)}" for h in self.oms_hosts)
                raise NetnsRunError(f"{registered} of {servers} kernel servers registered with the OMS within "
                                    f"{REGISTRATION_TIMEOUT_S:g} s" + (", and no OMS replica serves" if leader is None else "")
                                    + f"; the OMS log:{logs}")
            time.sleep(0.1)

    def _oms_leader(self) -> tuple[Optional[str], int]:
        """The OMS host that serves (the single OMS always does; a replica says so) and how many
        kernel servers have registered with it; (None, 0) when no replica serves."""
        for h in self.oms_hosts:
            if h in self.crashed:
                continue
            answer = self.ask(h, "kernel_servers").split()
            if len(answer) == 2 or answer[2] == "serving":
                return h, int(answer[1])
        return None, 0

    def start_node(self, host: str, scenario_path: str, addresses_path: str) -> None:
        node = self.cluster.node(host)
        node.storage_dir = os.path.join(self.cluster.dir, host + "-storage")
        argv = [os.path.join(self.programs, PROGRAM), "--scenario", scenario_path, "--host", host,
                "--addresses", addresses_path, "--storage-dir", node.storage_dir, *self.cluster.key_flags()]
        try:
            self.cluster.start(host, argv, f"amino-scenario-node {host} listening on", timeout=BOOT_TIMEOUT_S,
                               control=True)
        except RuntimeError as e:
            raise NodeDied(f"{host} did not start: {e}") from None

    def create(self) -> None:
        """Every deployment in scenario order, from its creator host, init calls included."""
        for i, dep in enumerate(self.d.get("deployments", [])):
            self.ask(dep["node"], f"create {i}", timeout=CREATE_TIMEOUT_S)

    def start(self) -> None:
        """Time 0 for every node, then the fault schedule played from it."""
        t0_ns = time.monotonic_ns() + int(START_MARGIN_S * 1e9)
        for h in self.hosts:
            self.ask(h, f"start {t0_ns}")
        self.t0 = t0_ns / 1e9
        time.sleep(max(0.0, self.t0 - time.monotonic()))
        self.player = _Player(self, self.cluster.check(fault_schedule(self.d)))
        self.player.start()

    def wait(self) -> None:
        """Until t0 + duration; raises NodeDied as soon as a node's process ends unasked."""
        end = self.t0 + float(self.d["duration"])
        while True:
            self._check_alive()
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(0.1, left))

    def _check_alive(self) -> None:
        for h in self.hosts:
            proc = self.cluster.node(h).proc
            if h not in self.crashed and proc is not None and proc.poll() is not None:
                raise NodeDied(f"{h}'s process ended during the run (exit code {proc.returncode}); its log:\n"
                               f"{self._log_tail(h)}")

    def collect(self) -> dict:
        """Every live node's part, merged into the sockets backend's result shape; then quits them."""
        errors: list[str] = []
        if self.player is not None:
            self.player.stop()
            self.player.join(15)
            errors += self.player.errors
        self._check_alive()
        for h in self.hosts:  # a host the schedule paused and never resumed answers too
            proc = self.cluster.node(h).proc
            if h not in self.crashed and proc is not None:
                proc.send_signal(signal.SIGCONT)
        parts = [json.loads(self.ask(h, "collect").split(" ", 1)[1]) for h in self.hosts if h not in self.crashed]
        replicated = {}
        if self.d.get("oms_replicas"):  # as the sim and sockets runners report it
            replicated = {"oms": {"replicas": self.oms_hosts, "leader_at_t0": self.leader_at_t0,
                                  "leader_at_end": self._oms_leader()[0] or ""}}
        wall_end = time.monotonic() - self.booted_at
        for h in self.hosts:
            if h not in self.crashed:
                self.ask(h, "quit")
        records = sorted((r for p in parts for r in p["records"]), key=lambda r: r["start"] + r["latency"])
        history = sorted((e for p in parts for e in p["history"]), key=lambda e: e.get("time", 0))  # stable
        return {"backend": "netns", "records": records, "history": history,
                "t0": self.t0 - self.booted_at, "unfinished_calls": sum(p["unfinished_calls"] for p in parts),
                "trace_hash": None, "wall_end": wall_end, "deadlock": False,
                "frames": {k: sum(p["frames"][k] for p in parts) for k in ("sent", "dropped", "duplicated")},
                "netns": {"run": self.cluster.run, "addresses": self.addresses,
                          "faults_applied": [{"at": round(at, 3), **f} for at, f in
                                             (self.player.applied if self.player else [])]},
                **replicated, "ok": not errors, "errors": errors}

    def run(self) -> dict:
        self.boot()
        self.create()
        self.start()
        self.wait()
        return self.collect()

    def close(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.cluster.close()

    def __enter__(self) -> NetnsRun:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Player(threading.Thread):
    """Applies the checked faults at their times from t0 (NetnsCluster.apply), keeping track of the
    hosts a crash killed; a fault that fails when its time comes is an error of the run (as on the
    sockets backend), not an exception in the thread."""

    def __init__(self, run: NetnsRun, faults: list) -> None:
        super().__init__(daemon=True)
        self.run_, self.faults = run, faults
        self.applied: list = []
        self.errors: list[str] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        for at, fault in self.faults:
            if self._stop_event.wait(max(0.0, self.run_.t0 + at - time.monotonic())):
                return
            kind, host = fault.get("type"), fault.get("node")
            try:
                if kind == "crash":
                    self.run_.crashed.add(host)  # before the kill: wait() must not take it for a death
                self.run_.cluster.apply(fault)
                if kind == "restart":
                    self.run_.crashed.discard(host)
                self.applied.append((time.monotonic() - self.run_.t0, fault))
            except Exception as e:  # noqa: BLE001 - reported in the results
                self.errors.append(f"fault {kind} at {at:g} s: {e}")

    def stop(self) -> None:
        self._stop_event.set()


def run_json(d: dict) -> dict:
    """Runs scenario dict `d` on the netns backend and returns the results dict; a node that died,
    failed or did not answer gives ok=False with the reason (never an exception)."""
    try:
        with NetnsRun(d) as r:
            return r.run()
    except NetnsRunError as e:
        return {"backend": "netns", "ok": False, "errors": [f"{type(e).__name__}: {e}"], "records": [], "history": []}


def cleanup() -> list[str]:
    """Removes the namespaces of runs whose launcher is gone (a run killed on timeout)."""
    return _netns_cluster().cleanup_stale()
