"""Probes, Raft's invariants over them and faults triggered by them, through the Python module:
Results.probes / .invariants / .triggered of a SimGrid run, amino.nemesis's triggered faults,
amino.hunt's judge failing a seed on a violation, and the timeline drawing fired faults."""
import amino
from amino import hunt, nemesis, timeline
from amino.results import Results

SERVERS = ["s1", "s2", "s3"]


def replicated(seed=1, duration=8.0):
    sc = amino.Scenario(seed=seed, duration=duration)
    for n in SERVERS:
        sc.host(n, "cloud_server", region=n, labels={"tier": "server"})
    sc.host("client", "phone_wifi")
    sc.deploy("reg", on="s1", cls="Register", dms=[("ConsensusRSM", {"replicas": 3})],
              selector=amino.selector(tier="server"))
    sc.client("c", node="client", target="reg", calls=[amino.call("write", "x", 1), amino.call("read", "x")],
              count=40, think=0.05, timeout=1.0)
    return sc


def test_a_run_reports_raft_probes_and_no_invariant_violation():
    res = amino.run(replicated())
    assert res.ok, res.errors
    kinds = {p["kind"] for p in res.probes}
    assert {"raft.start", "raft.vote", "raft.leader", "raft.commit", "raft.apply"} <= kinds
    groups = {p["fields"]["group"] for p in res.probes if p["kind"] == "raft.apply"}
    assert len(groups) == 1  # one Raft group: every replica reports the same identity
    assert {p["node"] for p in res.probes if p["kind"] == "raft.apply"} == set(SERVERS)
    assert res.invariants == []
    assert res.triggered == []
    assert all(isinstance(p["time"], int) for p in res.probes)


def test_a_triggered_crash_of_the_new_leader_fires_and_the_invariants_hold():
    sc = replicated(seed=2)
    # Time 0 is after the deployment: the first leader there is a re-election, so crash the leader
    # that the first crash makes elected, 2 ms after it is elected, and bring it back 5 ms later.
    sc.fault(1.0, "crash", node="s1")
    sc.fault(3.0, "restart", node="s1")
    sc.fault(1.0, "on_probe", probe="raft.leader", nth=1, until=6.0,
             faults=[{"after": 0.002, "type": "crash", "node": "$node"},
                     {"after": 0.007, "type": "restart", "node": "$node"}])
    assert amino.validate(sc) == []
    res = amino.run(sc)
    assert res.ok, res.errors
    assert len(res.triggered) == 1
    fired = res.triggered[0]
    assert fired["kind"] == "raft.leader" and fired["node"] in SERVERS
    leader = res.probes[fired["probe"]]
    assert leader["kind"] == "raft.leader" and leader["node"] == fired["node"] and leader["time"] >= 1e9
    crash, restart = fired["faults"]
    assert crash == {"type": "crash", "node": fired["node"], "wipe_storage": False, "time": fired["time"] + 2_000_000}
    assert restart["type"] == "restart" and restart["time"] == fired["time"] + 7_000_000
    assert res.invariants == []
    # The timeline draws the fired crash as a span on the leader's row, labelled with its probe.
    spans = timeline.faults_from_run(res)
    fired_spans = [s for s in spans if "after raft.leader" in s["label"]]
    assert [(s["kind"], s["start"], s["end"]) for s in fired_spans] == [("crash", crash["time"], restart["time"])]
    assert "raft.leader" in timeline.from_results(res)
    # Same seed, same run.
    assert amino.run(sc).trace_hash == res.trace_hash


def test_the_judge_fails_a_seed_on_an_invariant_violation():
    violation = {"invariant": "election_safety", "group": "g", "term": 3, "index": 0, "nodes": ["s1", "s2"],
                 "replicas": ["r1", "r2"], "time": 1_500_000_000, "message": "two leaders in term 3"}
    ok = Results({"ok": True, "records": [], "history": []}, {"seed": 4})
    bad = Results({"ok": True, "records": [], "history": [], "invariants": [violation]}, {"seed": 4})
    assert not hunt.judge(ok).failed
    verdict = hunt.judge(bad)
    assert verdict.failed and verdict.invariants == [violation]
    assert "election_safety in group g at 1.500000 s: two leaders in term 3" in verdict.describe()
    assert bad.invariant_lines() == ["election_safety in group g at 1.500000 s: two leaders in term 3"]


def test_nemesis_generates_triggered_faults_healed_before_the_quiet_tail():
    nodes = SERVERS + ["client"]
    kw = dict(seed=7, end=20, quiet=4, kinds=("crash", "partition"), max_down=2)
    timed = nemesis.generate(nodes, **kw)
    both = nemesis.generate(nodes, triggered=tuple(nemesis.TRIGGERED), **kw)
    assert both == nemesis.generate(nodes, triggered=tuple(nemesis.TRIGGERED), **kw)
    # The timed faults of a seed are unchanged; triggered entries come on top.
    assert [f for f in both if f["type"] != "on_probe"] == timed
    triggers = [f for f in both if f["type"] == "on_probe"]
    assert triggers
    for t in triggers:
        assert t["probe"] in ("raft.leader", "raft.vote", "raft.commit", "raft.apply")
        assert 1.0 <= t["at"] < t["until"]
        assert t["until"] + max(f["after"] for f in t["faults"]) < 16.0  # healed before the quiet tail
        types = [f["type"] for f in t["faults"]]
        assert types in (["crash", "restart"], ["pause", "resume"], ["partition", "heal"])
        assert all(f.get("node", "$node") == "$node" for f in t["faults"])
    seen = set()
    for seed in range(1, 40):
        for t in nemesis.generate(nodes, seed=seed, end=20, quiet=4, triggered=tuple(nemesis.TRIGGERED),
                                  uplink_latency_ns={n: 10**6 for n in nodes}, max_down=2):
            if t["type"] == "on_probe":
                seen.add((t["probe"], tuple(f["type"] for f in t["faults"])))
                restart = [f for f in t["faults"] if f["type"] == "restart"]
                if t["probe"] == "raft.vote":
                    assert restart and restart[0]["after"] <= 0.02  # near-instant
    assert {p for p, _ in seen} == {"raft.leader", "raft.vote", "raft.commit", "raft.apply"}


def test_for_scenario_adds_triggered_faults_on_sim_only():
    sim = replicated()
    faults = nemesis.for_scenario(sim, SERVERS + ["client"], seed=3)
    assert any(f["type"] == "on_probe" for f in faults)
    assert amino.validate(sim) == []
    sockets = replicated()
    sockets.backend = "sockets"
    assert not any(f["type"] == "on_probe" for f in nemesis.for_scenario(sockets, SERVERS + ["client"], seed=3))
    refused = replicated()
    refused.backend = "sockets"
    refused.fault(1.0, "on_probe", probe="raft.leader", faults=[{"after": 0, "type": "crash", "node": "$node"}])
    assert any("only the simulator records" in e for e in amino.validate(refused))
