"""amino.workload, amino.hunt and `python3 -m amino hunt`: a generated workload under a generated
nemesis is checked, a configuration known to break linearizability (ConsensusRSM's localReads,
documented as weaker) is found within a few seeds, shrunk, saved and replayed with the same trace
hash; the correct configuration passes."""
import json
import os
import subprocess
import sys

import pytest

import amino
from amino import catalog, hunt, workload

PYTHONPATH = os.environ.get("PYTHONPATH", "")


def test_workload_history_maps_calls_onto_the_model():
    w = workload.Workload("register", "reg", ["c0"])
    recorded = [
        {"process": 0, "type": "invoke", "f": "cas", "value": ["k", "a", "b"], "time": 1, "object": "reg", "client": "c0"},
        {"process": 9, "type": "invoke", "f": "read", "value": ["k"], "time": 1, "object": "other", "client": "x"},
        {"process": 0, "type": "ok", "f": "cas", "value": False, "time": 2, "object": "reg", "client": "c0"},
        {"process": 0, "type": "invoke", "f": "read", "value": ["k"], "time": 3, "object": "reg", "client": "c0"},
        {"process": 0, "type": "ok", "f": "read", "value": None, "time": 4, "object": "reg", "client": "c0"},
    ]
    h = w.history(recorded)
    assert [(e["type"], e["f"], e.get("key"), e.get("value")) for e in h] == [
        ("invoke", "cas", "k", ["a", "b"]), ("fail", "cas", "k", ["a", "b"]),  # no swap: no effect
        ("invoke", "read", "k", None), ("ok", "read", "k", None)]
    assert w.window_in_run(recorded, {"ops": [2], "failing_op": 2, "key": "k", "start": 3, "end": 4})["ops"] == [3]


def test_generated_workloads_are_seeded_and_declared():
    a = catalog.build("replicated_register", seed=5)
    b = catalog.build("replicated_register", seed=5)
    assert a.to_dict() == b.to_dict()
    assert a.checks and a.checks[0]["model"] == "register" and len(a.checks[0]["clients"]) == 4
    calls = [c["method"] for w in a.workloads for c in w["calls"]]
    assert {"read", "write", "cas"} <= set(calls)
    with pytest.raises(ValueError, match="no operation"):
        workload.register(amino.Scenario(), "reg", ["n"], seed=1, increment=0.5)


def test_bank_workload_maps_transfers_and_reads():
    w = workload.Workload("bank", "bank", ["c0"])
    recorded = [
        {"process": 0, "type": "invoke", "f": "open", "value": [2, 10], "time": 1, "object": "bank", "client": "c0"},
        {"process": 0, "type": "ok", "f": "open", "value": None, "time": 2, "object": "bank", "client": "c0"},
        {"process": 0, "type": "invoke", "f": "transfer", "value": [0, 1, 30], "time": 3, "object": "bank", "client": "c0"},
        {"process": 0, "type": "ok", "f": "transfer", "value": False, "time": 4, "object": "bank", "client": "c0"},
        {"process": 0, "type": "invoke", "f": "transfer", "value": [0, 1, 4], "time": 5, "object": "bank", "client": "c0"},
        {"process": 0, "type": "ok", "f": "transfer", "value": True, "time": 6, "object": "bank", "client": "c0"},
        {"process": 0, "type": "invoke", "f": "balances", "value": [], "time": 7, "object": "bank", "client": "c0"},
        {"process": 0, "type": "ok", "f": "balances", "value": [6, 14], "time": 8, "object": "bank", "client": "c0"},
    ]
    h = w.history(recorded)
    assert [(e["type"], e["f"], e.get("value")) for e in h] == [
        ("invoke", "open", [2, 10]), ("ok", "open", [2, 10]),
        ("invoke", "transfer", [0, 1, 30]), ("fail", "transfer", [0, 1, 30]),  # refused: no effect
        ("invoke", "transfer", [0, 1, 4]), ("ok", "transfer", [0, 1, 4]),
        ("invoke", "read", None), ("ok", "read", [6, 14])]
    assert amino.check.linearizable(h, model="bank").verdict == "linearizable"
    h[-1]["value"] = [6, 18]  # money created
    assert amino.check.linearizable(h, model="bank").verdict == "not linearizable"


def test_generated_bank_workload_opens_first():
    sc = amino.Scenario(seed=3)
    sc.host("n", "cloud_server")
    w = workload.bank(sc, "bank", ["n"], seed=3, clients=3, ops=20, accounts=4, balance=50, open_delay=0.5)
    assert w.model == "bank" and sc.checks[-1]["model"] == "bank"
    first, *others = sc.workloads
    assert first["calls"][0]["method"] == "open" and first["calls"][0]["args"] == [4, 50]
    assert all(o["start"] == first["start"] + 0.5 for o in others)
    methods = {c["method"] for o in sc.workloads for c in o["calls"]}
    assert methods == {"open", "transfer", "balances"}
    with pytest.raises(ValueError, match="accounts"):
        workload.bank(sc, "bank", ["n"], seed=1, accounts=0)


def test_model_any_and_random_timing_are_drawn_from_the_seed():
    models = {catalog.build("replicated_register", seed=s, model="any").checks[0]["model"] for s in range(1, 30)}
    assert models == {"register", "kv", "counter", "bank"}
    a = catalog.build("replicated_register", seed=4, timing="random").to_dict()
    assert a == catalog.build("replicated_register", seed=4, timing="random").to_dict()
    config = json.loads(a["deployments"][0]["spec_yaml"])["dmList"][0]["config"]
    assert 100 <= config["electionTimeoutMinMs"] < config["electionTimeoutMaxMs"]
    assert config["heartbeatMs"] < config["electionTimeoutMinMs"] and 50 <= config["attemptTimeoutMs"] <= 1000
    b = catalog.build("replicated_register", seed=5, timing="random").to_dict()
    assert json.loads(b["deployments"][0]["spec_yaml"])["dmList"][0]["config"] != config
    with pytest.raises(ValueError, match="timing"):
        catalog.build("replicated_register", seed=1, timing="fast")


def test_a_correct_configuration_passes_its_checks():
    report = hunt.hunt("replicated_register", seeds=range(1, 7), model="register", jobs=2, progress=False)
    assert report.ran == 6 and report.failures == [], [f.describe() for f in report.failures]
    # Every model, with ConsensusRSM's timing drawn per seed (the mutants' hunt, docs/mutants.md).
    report = hunt.hunt("replicated_register", seeds=range(1, 9), params={"model": "any", "timing": "random"},
                       jobs=2, progress=False)
    assert report.ran == 8 and report.failures == [], [f.describe() for f in report.failures]


def test_hunt_finds_shrinks_and_replays_a_violation(tmp_path):
    report = hunt.hunt("replicated_register", seeds=range(1, 41), params={"local_reads": True}, model="register",
                       jobs=2, progress=False, stop_after=1)
    assert report.failures, "localReads gave no stale read in 40 seeds"
    first = report.failures[0]
    assert ("reg", "register", "not linearizable") in first.verdicts
    shrunk = hunt.shrink(first.scenario, model="register", max_runs=120)
    assert shrunk.minimal["faults"] <= shrunk.original["faults"]
    assert shrunk.minimal["calls"] <= shrunk.original["calls"]
    assert shrunk.verdict.failed
    paths = hunt.save_failure(str(tmp_path / "fail"), shrunk, model="register")
    assert {"scenario", "history", "check", "timeline", "result"} <= set(paths)
    # The saved history fails the checker on its own, and the replay reproduces the run exactly.
    r = subprocess.run([sys.executable, "-m", "amino", "check", paths["history"]], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONPATH=PYTHONPATH))
    assert r.returncode == 1, r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "amino", "replay", paths["scenario"]], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONPATH=PYTHONPATH))
    assert r.returncode == 1 and "trace hash matches the saved run's" in r.stdout, r.stdout + r.stderr
    assert "not linearizable" in r.stdout


def test_cli_hunt(tmp_path):
    out = tmp_path / "h"
    r = subprocess.run([sys.executable, "-m", "amino", "hunt", "replicated_register", "--param", "local_reads=true",
                        "--seeds", "40", "--check", "register", "--jobs", "2", "--out", str(out),
                        "--max-shrink-runs", "40"],
                       capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONPATH=PYTHONPATH))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "failed" in r.stdout and "shrunk in" in r.stdout and "replay:" in r.stdout
    assert json.loads((out / "result.json").read_text())["trace_hash"]
    for bad in (["nosuch"], ["replicated_register", "--seeds", "0"], ["replicated_register", "--jobs", "x"],
                ["replicated_register", "--param", "replicas=0"]):
        r = subprocess.run([sys.executable, "-m", "amino", "hunt", *bad], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PYTHONPATH=PYTHONPATH))
        assert r.returncode == 2 and "Traceback" not in r.stderr, (bad, r.stderr)
