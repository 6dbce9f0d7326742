"""The real programs in Linux network namespaces (testbed/netns/netns_cluster.py), under faults the
network makes: nftables black holes (no RST), a one-way partition, kill -9 and restart with the same
storage, SIGSTOP/SIGCONT, a link that goes down under open TCP connections (half-open), and an
amino.nemesis schedule played as network faults. Each test builds its own
bridge and namespaces and removes them, pass or fail. Skipped unless root with iproute2 and
nftables. Times are logged ([netns] lines, pytest -s), never asserted; every wait is bounded."""
import os
import subprocess
import sys
import time

import pytest

import netns_deployment as nd
from netns_deployment import log

netns_cluster = nd.netns_cluster
WHY_NOT = netns_cluster.probe()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"network namespaces unavailable: {WHY_NOT}")


@pytest.fixture
def cluster():
    netns_cluster.exit_on_sigterm()
    netns_cluster.cleanup_stale()
    if not os.path.exists(os.path.join(nd.PROGRAMS, "amino-kernel-server")):
        pytest.skip(f"programs not built in {nd.PROGRAMS}")
    with netns_cluster.NetnsCluster(nd.PROGRAMS) as c:
        yield c
        leftover = [n.ns for n in c.nodes.values()]
    # The namespaces are gone after the run (close() ran).
    assert not set(leftover) & set(netns_cluster._netns_names())


@pytest.fixture
def rsm(cluster):
    d = nd.RsmDeployment(cluster)
    for _ in range(3):
        assert d.visit()
    return d


def _wait_dead(d, n_live, limit=15.0):
    """Until the OMS lists n_live kernel servers (it declared the cut one dead)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if len(d.nodes()) == n_live:
            return True
        time.sleep(0.2)
    return False


def _connect_outcome(c, node, address, port, timeout=1.0):
    """What a TCP connect from `node`'s namespace meets: 'connected', 'refused' (RST) or 'timeout'."""
    code = ("import socket,sys\ns=socket.socket(); s.settimeout(%r)\n"
            "try:\n s.connect((%r,%d)); print('connected')\n"
            "except socket.timeout: print('timeout')\n"
            "except ConnectionRefusedError: print('refused')\n"
            "except OSError as e: print('error', e)\n") % (timeout, address, port)
    return c.exec(node, [sys.executable, "-c", code], timeout=timeout + 20).stdout.strip()


def test_partition_is_a_black_hole_and_heal_restores_it(cluster):
    for n in ("a", "b"):
        cluster.add_node(n)
    b = cluster.node("b").address
    # No listener on port 9 of b: a healthy network answers with a RST at once.
    assert _connect_outcome(cluster, "a", b, 9) == "refused"
    cluster.apply({"type": "partition", "groups": [["a"], ["b"]]})
    assert _connect_outcome(cluster, "a", b, 9) == "timeout"   # silent: no RST, no ICMP
    cluster.apply({"type": "heal"})
    assert _connect_outcome(cluster, "a", b, 9) == "refused"
    cluster.apply({"type": "partition_one_way", "from": ["b"], "to": ["a"]})
    assert _connect_outcome(cluster, "a", b, 9) == "timeout"   # a's SYN arrives, b's RST does not
    cluster.apply({"type": "heal"})
    cluster.apply({"type": "link_down", "node": "b"})
    assert _connect_outcome(cluster, "a", b, 9) != "refused"
    cluster.apply({"type": "link_up", "node": "b"})
    assert _connect_outcome(cluster, "a", b, 9) == "refused"


def test_bridge_partition_keeps_the_middle_node_in_touch(cluster):
    for n in ("a", "m", "b"):
        cluster.add_node(n)
    cluster.apply({"type": "partition_bridge", "nodes": ["a", "m", "b"]})
    assert _connect_outcome(cluster, "a", cluster.node("b").address, 9) == "timeout"
    assert _connect_outcome(cluster, "a", cluster.node("m").address, 9) == "refused"
    assert _connect_outcome(cluster, "b", cluster.node("m").address, 9) == "refused"


def test_faults_the_network_cannot_express_are_refused(cluster):
    cluster.add_node("a")
    for fault, needle in (({"type": "link", "link": "a/uplink", "latency_ns": 1000}, "netem"),
                          ({"type": "message_faults", "faults": {"drop": 0.5}}, "--fault-schedule"),
                          ({"type": "clock", "node": "a", "offset_ns": 5}, "clock"),
                          ({"type": "torn_write", "node": "a"}, "SimGrid"),
                          ({"type": "partition_majorities_ring", "nodes": ["a"]}, "not mapped"),
                          ({"type": "partition", "groups": [["a"], []], "mode": "reset"}, "mode"),
                          ({"type": "no_such_fault"}, "unknown")):
        with pytest.raises(netns_cluster.UnsupportedFault, match=needle):
            cluster.apply(fault)
    with pytest.raises(ValueError, match="unknown node"):
        cluster.apply({"type": "crash", "node": "nobody"})
    # A schedule is checked whole before anything plays.
    with pytest.raises(netns_cluster.UnsupportedFault):
        cluster.play({"faults": [{"at_ns": 0, "type": "heal"}, {"at_ns": 1, "type": "clock", "node": "a"}]})


def test_black_hole_partition_isolating_the_leader(rsm):
    c = rsm.c
    leader, term = rsm.leader()
    assert leader is not None
    others = [n for n in c.nodes if n != leader]
    log(f"leader {leader} (term {term}); black hole around it")
    t0 = time.monotonic()
    c.apply({"type": "partition", "groups": [[leader], others]})
    assert rsm.visit_until_ok(), "no call succeeded after the leader was cut off"
    log(f"partition -> first acknowledged call: {time.monotonic() - t0:.3f} s (new leader {rsm.leader()})")
    assert rsm.leader()[0] != leader
    assert _wait_dead(rsm, 2), "the OMS never declared the cut node dead"
    for _ in range(3):
        rsm.visit()
    before = rsm.config_changes()
    c.apply({"type": "heal"})
    t1 = time.monotonic()
    assert rsm.wait_nodes(3), "the cut node did not come back after the heal"
    assert rsm.wait_whole_group(before), "the returning replica was not re-admitted"
    log(f"heal -> replica re-admitted and a call acknowledged: {time.monotonic() - t1:.3f} s")
    rsm.check_exactly_once()


def test_one_way_partition_from_the_leader(rsm):
    """The leader's packets to the other kernel servers vanish, theirs to it arrive: its heartbeats
    are lost, so the others elect a new leader while it can still hear them. Played from a schedule."""
    c = rsm.c
    leader, _ = rsm.leader()
    others = [k for k in nd.SERVERS if k != leader]
    player = c.play({"faults": [{"at_ns": 0, "type": "partition_one_way", "from": [leader], "to": others}]})
    player.join(10)
    t0 = time.monotonic()
    assert rsm.visit_until_ok()
    deadline = time.monotonic() + 15
    while rsm.leader()[0] == leader and time.monotonic() < deadline:
        rsm.visit()
    assert rsm.leader()[0] != leader, "no new leader while the old one's packets were dropped"
    log(f"one-way partition -> new leader {rsm.leader()} after {time.monotonic() - t0:.3f} s")
    for _ in range(3):
        rsm.visit()
    assert rsm.visit_until_ok()
    c.apply({"type": "heal"})
    for _ in range(3):
        rsm.visit()
    assert rsm.visit_until_ok()
    rsm.check_exactly_once()


def test_kill_and_restart_a_kernel_server_with_its_storage(rsm):
    c = rsm.c
    leader, _ = rsm.leader()
    storage = c.node(leader).storage_dir
    assert os.listdir(storage), "the replica wrote nothing to its storage directory"
    t0 = time.monotonic()
    c.apply({"type": "crash", "node": leader})   # kill -9
    assert rsm.visit_until_ok()
    log(f"kill -9 of the leader -> first acknowledged call: {time.monotonic() - t0:.3f} s")
    assert _wait_dead(rsm, 2)
    before = rsm.config_changes()
    c.apply({"type": "restart", "node": leader})  # same address, port and storage directory
    assert "recovered replica" in c.log(leader), "the restarted server did not recover its replica from storage"
    assert rsm.wait_nodes(3)
    assert rsm.wait_whole_group(before)
    # The restarted replica is needed now: without it the remaining one has no quorum.
    survivor_leader = rsm.leader()[0]
    assert survivor_leader != leader
    c.apply({"type": "crash", "node": survivor_leader})
    t1 = time.monotonic()
    assert rsm.visit_until_ok(), "no quorum with the restarted replica"
    log(f"second kill -9 -> first acknowledged call: {time.monotonic() - t1:.3f} s (leader {rsm.leader()})")
    rsm.check_exactly_once()


def test_pause_and_resume_a_follower(rsm):
    """SIGSTOP of a follower's process: its sockets stay open, it answers nothing; the other two
    keep the quorum. After SIGCONT it takes part again."""
    c = rsm.c
    leader, _ = rsm.leader()
    follower = next(k for k in nd.SERVERS if k != leader)
    c.apply({"type": "pause", "node": follower})
    assert rsm.visit_until_ok()
    assert _wait_dead(rsm, 2), "the OMS never suspected the paused server"
    before = rsm.config_changes()
    c.apply({"type": "resume", "node": follower})
    assert rsm.wait_nodes(3)
    assert rsm.wait_whole_group(before)
    rsm.check_exactly_once()


def _nemesis():
    """amino.nemesis (pure Python), loaded from its file: the netns tests need no native module."""
    import importlib.util
    path = os.path.join(nd.REPO, "pybind", "amino", "nemesis.py")
    spec = importlib.util.spec_from_file_location("amino_nemesis_for_netns", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Seeds of the nemesis test: AMINO_NETNS_SEEDS=N runs seeds 1..N (about 15 s each); ctest runs one.
NEMESIS_SEEDS = range(1, int(os.environ.get("AMINO_NETNS_SEEDS", "1")) + 1)
PARTITION_KINDS = ("partition", "partition_one_way", "partition_bridge")
PROCESS_KINDS = ("crash", "pause")


@pytest.mark.parametrize("seed", NEMESIS_SEEDS)
def test_nemesis_schedule_played_by_the_network(rsm, seed):
    """A schedule from amino.nemesis (the generator the simulated and loopback sweeps use) played as
    network faults on the kernel servers while the client keeps incrementing; after its quiet tail
    every server is back, calls succeed and no acknowledged increment is lost or repeated."""
    nemesis = _nemesis()
    # Partitions over the servers and the client (its calls then fail: acknowledged or not, none may
    # be lost or applied twice); crashes and pauses of the servers only (the OMS keeps its state in
    # memory, issue 12 section 1).
    faults = nemesis.merge(
        nemesis.generate([*nd.SERVERS, "client"], seed=seed, start=1.0, end=10.0, quiet=3.0, kinds=PARTITION_KINDS),
        nemesis.generate(list(nd.SERVERS), seed=seed + 10**6, start=1.0, end=10.0, quiet=3.0, kinds=PROCESS_KINDS))
    schedule = {"faults": [{**{k: v for k, v in f.items() if k != "at"}, "at_ns": int(f["at"] * 1e9)} for f in faults]}
    log(f"seed {seed}: " + ", ".join(f"{f['at']:.1f} {f['type']}" for f in faults))
    player = rsm.c.play(schedule)
    deadline = time.monotonic() + 60
    while player.is_alive() and time.monotonic() < deadline:
        rsm.visit()
    player.join(10)
    assert rsm.wait_nodes(3), "a kernel server did not come back after the schedule"
    assert rsm.visit_until_ok(), "no call succeeded after the schedule's quiet tail"
    rsm.check_exactly_once()


def _send_queues(c, node):
    """Bytes waiting in the send queues of the node's TCP connections to its peers (ss -tn)."""
    out = c.exec(node, ["ss", "-tnH", "state", "established"]).stdout.split("\n")
    return [int(line.split()[1]) for line in out if line.strip()]


def test_half_open_connections_when_a_link_goes_down(rsm):
    """The leader's link goes down with its TCP connections open: nobody gets a RST or FIN, the
    connections stay established on both ends with data stuck in them, and only the runtime's own
    timeouts (Raft's election timeout, the OMS's heartbeat timeout, the client's attempt timeout)
    notice. After link up, TCP retransmission drains them and the node takes part again."""
    c = rsm.c
    leader, _ = rsm.leader()
    t0 = time.monotonic()
    c.apply({"type": "link_down", "node": leader})
    assert rsm.visit_until_ok()
    log(f"link down -> first acknowledged call: {time.monotonic() - t0:.3f} s")
    assert _wait_dead(rsm, 2)
    queues = _send_queues(c, leader)
    log(f"send queues on the cut node: {queues}")
    assert queues and max(queues) > 0, "expected established connections with unacknowledged data"
    before = rsm.config_changes()
    c.apply({"type": "link_up", "node": leader})
    t1 = time.monotonic()
    assert rsm.wait_nodes(3), "the node did not come back after link up"
    log(f"link up -> the OMS lists the node again: {time.monotonic() - t1:.3f} s")
    assert rsm.wait_whole_group(before)
    log(f"link up -> replica re-admitted and a call acknowledged: {time.monotonic() - t1:.3f} s")
    deadline = time.monotonic() + 15
    while max(_send_queues(c, leader) or [0]) > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    log(f"link up -> send queues drained (or 15 s): {time.monotonic() - t1:.3f} s")
    # The formerly cut replica is needed for a quorum now.
    current = rsm.leader()[0]
    assert current != leader
    c.apply({"type": "crash", "node": current})
    assert rsm.visit_until_ok(), "no quorum with the replica whose link came back"
    rsm.check_exactly_once()


def test_stale_runs_are_cleaned_up_by_prefix(tmp_path):
    """A run killed with SIGKILL leaves namespaces and links; cleanup_stale() removes them."""
    script = ("import sys, time; sys.path.insert(0, %r)\n"
              "import netns_cluster\n"
              "c = netns_cluster.NetnsCluster(%r, workdir=%r)\n"
              "c.add_node('x'); c.add_node('y')\n"
              "print(c.run, flush=True); time.sleep(60)\n") % (
        os.path.dirname(netns_cluster.__file__), nd.PROGRAMS, str(tmp_path))
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        run = p.stdout.readline().strip()
        assert run, "the child run did not start"
        assert any(n.startswith(f"amino-{run}-") for n in netns_cluster._netns_names())
    finally:
        p.kill()
        p.wait()
    netns_cluster.cleanup_stale()   # (a test running in parallel may have removed it first)
    assert not any(n.startswith(f"amino-{run}-") for n in netns_cluster._netns_names())
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    assert f"am{run}" not in links
