"""A scenario's `oms_replicas` (issue 12): the OMS replicated on Raft (replicated_oms/) from the
scenario JSON and the Python builder. Bad values are refused before anything runs, each with its own
sentence; on sim and sockets the workload goes on across a crash of the serving replica's host, and
a sim run is as deterministic as any (netns: tests/netns/test_netns_game.py)."""
import json

import pytest

import amino
from amino._native import native

REPLICAS = ["oms1", "oms2", "oms3"]
CRASH_AT, RESTART_AT = 1.0, 3.0


def counter(seed=1, backend="sim", replicas=REPLICAS, duration=5.0):
    """A VisitCounter in the cloud called by a phone at Poisson arrivals, the OMS on `replicas`."""
    return (amino.Scenario(seed=seed, duration=duration, backend=backend, oms_replicas=replicas)
            .host("cloud", "cloud_server", labels={"tier": "cloud"})
            .host("phone", "phone_wifi")
            .deploy("counter", on="phone", cls="VisitCounter", dms=["KeepInCloud"])
            .client("p", node="phone", target="counter", calls=[amino.call("visit")], rate=20.0))


def problems_of(d):
    """The C++ parse and validation (what the runners and amino-scenario-node check) of a dict."""
    return list(native.validate_json(json.dumps(d)))


# ---------------------------------------------------------------- the builder and the dict

def test_round_trip_and_defaults():
    d = counter().to_dict()
    assert d["oms_replicas"] == REPLICAS and d["oms_host"] == "oms1"  # oms_host: the first replica
    hosts = {h["name"]: h for h in d["platform"]["hosts"]}
    assert all(hosts[r]["region"] == "control" for r in REPLICAS)  # added as the single OMS host is
    assert "oms" not in hosts
    again = amino.Scenario.from_dict(d)
    assert again.oms_replicas == REPLICAS and again.to_dict() == d
    assert amino.Scenario.from_json(counter().to_json()).to_json() == counter().to_json()
    assert not amino.validate(counter())


def test_without_the_key_nothing_changes():
    d = amino.Scenario().host("a", "cloud_server").to_dict()
    assert "oms_replicas" not in d and d["oms_host"] == "oms"
    assert amino.Scenario(oms_host="ctl").host("a", "cloud_server").to_dict()["oms_host"] == "ctl"


def test_replicate_oms_and_an_explicit_oms_host():
    s = amino.Scenario(oms_host="oms2").replicate_oms(*REPLICAS)
    assert s.to_dict()["oms_host"] == "oms2" and s.to_dict()["oms_replicas"] == REPLICAS


@pytest.mark.parametrize("bad", ["oms1,oms2,oms3", ["oms1", 2, "oms3"]])
def test_builder_refuses_what_is_not_a_list_of_names(bad):
    with pytest.raises(TypeError, match="oms_replicas must be host names"):
        amino.Scenario(oms_replicas=bad)


def test_from_dict_refuses_what_is_not_a_list_of_names():
    d = counter().to_dict()
    d["oms_replicas"] = "oms1"
    with pytest.raises(ValueError, match="oms_replicas must be a list of host names"):
        amino.Scenario.from_dict(d)


# ---------------------------------------------------------------- the C++ parse and validation

@pytest.mark.parametrize("value, needle", [
    ("oms1", "oms_replicas must be a list of host names, got \"oms1\""),
    ({"a": 1}, "oms_replicas must be a list of host names"),
    (["oms1", 7, "oms3"], "oms_replicas[1] must be a host name (a string), got 7"),
    ([], "oms_replicas is an empty list"),
])
def test_parse_refuses_a_malformed_value(value, needle):
    d = counter().to_dict()
    d["oms_replicas"] = value
    found = problems_of(d)
    assert len(found) == 1 and needle in found[0], found


def with_hosts(d, names):
    have = {h["name"] for h in d["platform"]["hosts"]}
    d["platform"]["hosts"] += [{"name": n, "region": "control"} for n in names if n not in have]
    return d


@pytest.mark.parametrize("replicas, needle", [
    (["oms1", "oms2", "mars"], "oms_replicas: unknown host 'mars' (hosts: "),
    (["oms1", "oms2", "oms2"], "oms_replicas: 'oms2' is listed twice"),
    (["oms1", "oms2", "oms3", "oms4"], "oms_replicas: 4 hosts, an even count"),
    (["oms1"], "oms_replicas: 1 host; a replicated OMS has 3, 5 or 7"),
    ([f"oms{i}" for i in range(1, 10)], "oms_replicas: 9 hosts, at most 7 (limit kMaxOmsReplicas = 7)"),
])
def test_validation_refuses_bad_replica_lists(replicas, needle):
    d = with_hosts(counter().to_dict(), [r for r in replicas if r != "mars"])
    d["oms_replicas"] = replicas
    d["oms_host"] = replicas[0]
    found = problems_of(d)
    assert any(needle in p for p in found), found


def test_five_and_seven_replicas_are_accepted():
    for n in (5, 7):
        names = [f"oms{i}" for i in range(1, n + 1)]
        assert problems_of(with_hosts(counter(replicas=names).to_dict(), names)) == []


def test_oms_host_must_be_a_replica():
    d = with_hosts(counter().to_dict(), ["ctl"])
    d["oms_host"] = "ctl"
    found = problems_of(d)
    assert any("oms_host 'ctl' is not one of oms_replicas (oms1, oms2, oms3)" in p for p in found), found
    del d["oms_host"]  # absent: the first replica
    assert problems_of(d) == []


@pytest.mark.parametrize("mutate, needle", [
    (lambda s: s.deploy("x", on="oms2", cls="Board"), "deployment 'x': 'oms2' runs an OMS replica only"),
    (lambda s: s.client("q", node="oms3", target="counter", calls=[amino.call("visit")], count=1),
     "workload of client 'q': 'oms3' runs an OMS replica only"),
])
def test_replica_hosts_carry_nothing_else(mutate, needle):
    sc = mutate(counter())
    assert any(needle in p for p in amino.validate(sc)), amino.validate(sc)
    with pytest.raises(amino.ScenarioError, match="runs an OMS replica only"):
        amino.run(sc)


def test_every_backend_takes_it():
    # netns runs it too (tests/netns/test_netns_game.py runs it where namespaces are available).
    for backend in amino.Scenario.BACKENDS:
        assert native.validate_json(counter(backend=backend).to_json()) == []


# ---------------------------------------------------------------- runs across a failover

def crash_and_restart(sc, host):
    return sc.crash(CRASH_AT, host).restart(RESTART_AT, host)


def ok_after(res, t):
    late = [r for r in res.records if r["start"] > t]
    return late and all(r["outcome"] == "OK" for r in late)


def test_sim_leader_crash_the_workload_goes_on_and_is_deterministic():
    # Simulated, the same seed elects the same first leader: the founder, first in id order.
    sc = crash_and_restart(counter(seed=4), "oms1")
    a, b = amino.run(sc), amino.run(sc)
    assert a.ok and b.ok, (a.errors, b.errors)
    oms = a.raw["oms"]
    assert oms["leader_at_t0"] == "oms1", "the crash must hit the serving replica"
    assert oms["leader_at_end"] in ("oms2", "oms3")
    assert ok_after(a, CRASH_AT + 1.0)  # an election is 300-600 ms; the calls never stopped
    assert len(a.records) > 60
    # oms1 restarted from its storage: a follower of the new term, caught up with the leader.
    status = oms["status"]
    leader = status[oms["leader_at_end"]]
    assert status["oms1"]["role"] == "follower" and status["oms1"]["term"] == leader["term"] >= 2
    assert status["oms1"]["commit"] == leader["commit"] > 0
    assert a.trace_hash and a.trace_hash == b.trace_hash and a.records == b.records


def test_sim_replicas_change_the_run_but_not_its_determinism():
    single = amino.run(counter(replicas=()))
    assert single.ok and "oms" not in single.raw
    assert single.trace_hash != amino.run(counter()).trace_hash


def test_sockets_leader_host_crash_the_workload_goes_on():
    sc = crash_and_restart(counter(backend="sockets"), "oms1")
    res = amino.run(sc, timeout=120)
    assert res.ok, res.errors
    assert res.raw["oms"]["leader_at_t0"] in REPLICAS and res.raw["oms"]["leader_at_end"] in REPLICAS
    assert ok_after(res, CRASH_AT + 1.0)


@pytest.mark.parametrize("fault", ["pause", "partition"])
def test_sim_leader_paused_or_cut_off_another_serves(fault):
    sc = counter(seed=4)
    if fault == "pause":
        sc.fault(CRASH_AT, "pause", node="oms1").fault(RESTART_AT, "resume", node="oms1")
    else:
        sc.partition(CRASH_AT, ["oms1"], ["oms2", "oms3", "cloud", "phone"]).heal(RESTART_AT)
    res = amino.run(sc)
    assert res.ok, res.errors
    assert res.raw["oms"]["leader_at_t0"] == "oms1" and res.raw["oms"]["leader_at_end"] in ("oms2", "oms3")
    assert ok_after(res, CRASH_AT + 1.0)
