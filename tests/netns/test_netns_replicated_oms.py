"""A replicated OMS (three amino-oms --peers, docs/deploy.md section 4b) with every replica, kernel
server and client in its own network namespace (testbed/netns/netns_cluster.py), under faults the
network makes: the leader black-holed by an nftables partition (no RST), kill -9 of the leader and
its restart from its storage directory, a paused follower, one-way partitions between the leader and
its peers, and a client given OMS lists with a black-holed address, a node that is not an OMS, or no
reachable leader. After each, every acknowledged create answers. Each test builds its own bridge
and namespaces and removes them, pass or fail. Skipped unless root with iproute2 and nftables.
Times are logged ([netns] lines, pytest -s), never asserted; every wait is bounded."""
import os
import re
import sys
import time

import pytest

import netns_deployment as nd
import replicated_oms_deployment as ro
from netns_deployment import log

netns_cluster = nd.netns_cluster
WHY_NOT = netns_cluster.probe()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"network namespaces unavailable: {WHY_NOT}")
PROGRAMS = ("amino-oms", "amino-kernel-server", "amino-ctl")


@pytest.fixture
def cluster():
    netns_cluster.exit_on_sigterm()
    netns_cluster.cleanup_stale()
    missing = [p for p in PROGRAMS if not os.path.exists(os.path.join(nd.PROGRAMS, p))]
    if missing:
        pytest.skip(f"programs not built in {nd.PROGRAMS}: {', '.join(missing)}")
    with netns_cluster.NetnsCluster(nd.PROGRAMS) as c:
        yield c
        leftover = [n.ns for n in c.nodes.values()]
    # The namespaces are gone after the run (close() ran).
    assert not set(leftover) & set(netns_cluster._netns_names())


@pytest.fixture
def oms(cluster):
    d = ro.ReplicatedOmsDeployment(cluster)
    for _ in range(3):
        assert d.create(), d.logs_tail()
    leader, term = d.wait_leader()
    assert leader is not None, "no OMS replica logged that it leads" + d.logs_tail()
    log(f"OMS leader {leader} (term {term})")
    return d


def _others(d, *names):
    return [n for n in d.c.nodes if n not in names]


def test_leader_black_holed_then_healed(oms):
    """The leader is cut off from everyone (replicas, kernel servers, client) by a black hole: the
    other two elect a leader and creates go on there. After the heal the old leader rejoins: with
    the new leader killed, the group's majority is the old leader and the third replica."""
    c = oms.c
    old, term = oms.leader()
    t0 = time.monotonic()
    c.apply({"type": "partition", "groups": [[old], _others(oms, old)]})
    new, new_term = oms.wait_leader(exclude=(old,))
    assert new is not None, "no other replica leads" + oms.logs_tail()
    assert new_term > term
    log(f"black hole around {old} -> {new} leads (term {new_term}): {time.monotonic() - t0:.3f} s")
    assert oms.create_until_ok(), "no create acknowledged after the leader was cut off" + oms.logs_tail()
    log(f"black hole around {old} -> first acknowledged create: {time.monotonic() - t0:.3f} s")
    for _ in range(3):
        oms.create()
    c.apply({"type": "heal"})
    t1 = time.monotonic()
    assert oms.create_until_ok(), "no create acknowledged after the heal" + oms.logs_tail()
    log(f"heal -> first acknowledged create: {time.monotonic() - t1:.3f} s")
    c.apply({"type": "crash", "node": new})   # the old leader is needed for a majority now
    t2 = time.monotonic()
    assert oms.create_until_ok(), "the old leader did not rejoin: no majority without the new one" + oms.logs_tail()
    log(f"kill -9 of {new} -> first acknowledged create with {old} back: {time.monotonic() - t2:.3f} s "
        f"(leader {oms.leader()})")
    c.apply({"type": "restart", "node": new})
    oms.check_every_acked_create_answers()


def test_leader_killed_and_restarted_then_a_follower_paused(oms):
    """kill -9 of the leader: creates go on at a new one. The old leader restarts from its storage
    directory and is needed at once: the third replica is paused (SIGSTOP), so the majority is the
    new leader and the restarted one. After SIGCONT the paused replica takes part again."""
    c = oms.c
    first, _ = oms.leader()
    storage = c.node(first).storage_dir
    assert os.listdir(storage), "the leader wrote nothing to its storage directory"
    t0 = time.monotonic()
    c.apply({"type": "crash", "node": first})
    second, second_term = oms.wait_leader(exclude=(first,))
    assert second is not None, "no other replica leads" + oms.logs_tail()
    log(f"kill -9 of {first} -> {second} leads (term {second_term}): {time.monotonic() - t0:.3f} s")
    assert oms.create_until_ok(), "no create acknowledged after the leader's kill -9" + oms.logs_tail()
    log(f"kill -9 of {first} -> first acknowledged create: {time.monotonic() - t0:.3f} s")
    for _ in range(2):
        oms.create()
    c.apply({"type": "restart", "node": first})   # same address, port and storage directory
    third = next(n for n in ro.REPLICAS if n not in (first, second))
    c.apply({"type": "pause", "node": third})
    t1 = time.monotonic()
    assert oms.create_until_ok(), "no majority with the restarted replica" + oms.logs_tail()
    log(f"restart of {first}, pause of {third} -> first acknowledged create: {time.monotonic() - t1:.3f} s "
        f"(leader {oms.leader()})")
    for _ in range(2):
        oms.create()
    c.apply({"type": "resume", "node": third})
    t2 = time.monotonic()
    assert oms.create_until_ok()
    log(f"resume of {third} -> first acknowledged create: {time.monotonic() - t2:.3f} s")
    oms.check_every_acked_create_answers()


@pytest.mark.parametrize("direction", ["leader_cannot_send", "leader_cannot_hear"])
def test_one_way_partition_between_the_leader_and_its_peers(oms, direction):
    """Only the OMS replicas' traffic is cut, one way: the leader's packets to its peers vanish (its
    heartbeats are lost: the peers elect another), or theirs to it (it hears no acknowledgement:
    check-quorum makes it step down). Kernel servers and the client still reach every replica.
    Either way the group makes progress at another leader, and nothing acknowledged is lost."""
    c = oms.c
    old, term = oms.leader()
    peers = [n for n in ro.REPLICAS if n != old]
    fault = ({"from": [old], "to": peers} if direction == "leader_cannot_send" else {"from": peers, "to": [old]})
    t0 = time.monotonic()
    c.apply({"type": "partition_one_way", **fault})
    new, new_term = oms.wait_leader(exclude=(old,))
    assert new is not None, f"no leader but the cut-off one ({direction})" + oms.logs_tail()
    log(f"one-way partition ({direction}) -> {new} leads (term {new_term}): {time.monotonic() - t0:.3f} s")
    assert oms.create_until_ok(), f"no create acknowledged ({direction})" + oms.logs_tail()
    log(f"one-way partition ({direction}) -> first acknowledged create: {time.monotonic() - t0:.3f} s")
    for _ in range(3):
        oms.create()
    c.apply({"type": "heal"})
    assert oms.create_until_ok(), "no create acknowledged after the heal" + oms.logs_tail()
    oms.check_every_acked_create_answers()


def _tarpit(c, node, mode):
    """A TCP listener on the node's OMS port that is not an OMS: 'silent' accepts and never speaks,
    'garbage' answers each connection with bytes that are no frame and closes it."""
    code = ("import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "s.bind(('0.0.0.0', %d)); s.listen(16); print('listening', flush=True); held=[]\n"
            "while True:\n c,_=s.accept()\n"
            " if %r == 'garbage':\n  c.sendall(b'\\xff'*64 + b'HTTP/1.1 400 Bad Request\\r\\n\\r\\n'); c.close()\n"
            " else:\n  held.append(c)\n") % (netns_cluster.PORT, mode)
    c.start(node, [sys.executable, "-c", code], "listening")


def _ctl(c, oms_list, *args):
    """amino-ctl from the client's namespace given the OMS list `oms_list` as is: (result, seconds).
    Killed after ro.CTL_LIMIT: that is a hang, whatever the list holds."""
    t0 = time.monotonic()
    r = c.exec(ro.CLIENT, [os.path.join(nd.PROGRAMS, "amino-ctl"), "--oms", oms_list, "--timeout-ms",
                           str(nd.CALL_TIMEOUT_MS), *c.key_flags(), *args], timeout=ro.CTL_LIMIT)
    took = time.monotonic() - t0
    assert r.returncode != -9, f"amino-ctl {' '.join(args)} --oms {oms_list} hung past {ro.CTL_LIMIT} s"
    return r, took


def _outcome(r):
    return (r.stdout.strip().splitlines() or [""])[0] if r.returncode == 0 else r.stderr.strip().splitlines()[-1]


TYPED_ERROR = re.compile(r"^error: [A-Z_]+: ", re.M)


def test_client_given_bad_oms_lists(oms):
    """amino-ctl given OMS lists it cannot fully use: it succeeds through the replicas it can reach,
    or fails with a typed error, within its bounded failover; never hangs. Each bad entry goes
    first in the list, so that the client meets it before any good one."""
    c = oms.c
    for n in ("rogue", "silent", "garbage"):
        c.add_node(n)
    _tarpit(c, "silent", "silent")
    _tarpit(c, "garbage", "garbage")
    leader, _ = oms.leader()
    follower = next(n for n in ro.REPLICAS if n != leader)
    replicas = c.endpoints(ro.REPLICAS)
    # Malformed lists are usage errors (exit 2), found before anything connects.
    for bad in ("", f"{c.node('oms1').endpoint},,{c.node('oms2').endpoint}", f"oms1,{replicas}",
                f"{c.node('oms1').address}:99999,{replicas}", f"{replicas},:7400"):
        r, took = _ctl(c, bad, "nodes")
        assert r.returncode == 2 and "--oms" in r.stderr, (bad, r.returncode, r.stderr)
    # A follower black-holed from the client, first in the list: the others answer.
    c.apply({"type": "partition", "groups": [[ro.CLIENT], [follower]]})
    t0 = time.monotonic()
    assert oms.create(oms=(follower, *[n for n in ro.REPLICAS if n != follower])), oms.logs_tail()
    log(f"--oms with {follower} black-holed first: create acknowledged after {time.monotonic() - t0:.3f} s")
    c.apply({"type": "heal"})
    # Entries that are no OMS replica, first: a host that does not exist, a node with nothing on the
    # port (RST), a listener that never speaks, one that answers garbage, a kernel server.
    strangers = {"nobody": f"{netns_cluster.SUBNET}.250:{netns_cluster.PORT}", "rogue": c.node("rogue").endpoint,
                 "silent": c.node("silent").endpoint, "garbage": c.node("garbage").endpoint,
                 "kernel server": c.node(ro.SERVERS[0]).endpoint}
    for what, endpoint in strangers.items():
        r, took = _ctl(c, f"{endpoint},{replicas}", "nodes")
        log(f"--oms with {what} first: exit {r.returncode} after {took:.3f} s: {_outcome(r)}")
        assert r.returncode == 0 or (r.returncode == 4 and TYPED_ERROR.search(r.stderr)), (what, r.returncode, r.stderr)
        if what == "kernel server":  # it says it serves no OMS: nothing ran, the replicas are asked
            assert r.returncode == 0, r.stderr
    # The client cut off from the leader: the followers name a leader it cannot reach. A typed error.
    c.apply({"type": "partition", "groups": [[ro.CLIENT], [leader]]})
    r, took = _ctl(c, replicas, "nodes")
    log(f"client black-holed from the leader {leader}: exit {r.returncode} after {took:.3f} s: {_outcome(r)}")
    assert r.returncode == 0 or (r.returncode == 4 and "no OMS leader reachable" in r.stderr), r.stderr
    c.apply({"type": "heal"})
    # No replica reachable at all.
    c.apply({"type": "partition", "groups": [[ro.CLIENT], list(ro.REPLICAS)]})
    r, took = _ctl(c, replicas, "nodes")
    log(f"client black-holed from every replica: exit {r.returncode} after {took:.3f} s: {_outcome(r)}")
    assert r.returncode == 4 and "no OMS leader reachable" in r.stderr, (r.returncode, r.stderr)
    c.apply({"type": "heal"})
    assert oms.create_until_ok()
    oms.check_every_acked_create_answers()
