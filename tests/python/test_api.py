"""The amino module API: running, records, CSV, replay, sweeps, determinism, bad input, crashes."""
import csv
import os
import signal
import subprocess
import sys

import pytest

import amino
from amino import runner


def counter_scenario(seed=1, rate=20.0, duration=3.0):
    """A VisitCounter in the cloud called by a phone at Poisson arrivals (so the seed matters)."""
    return (amino.Scenario(seed=seed, duration=duration)
            .host("cloud", "cloud_server", labels={"tier": "cloud"})
            .host("phone", "phone_wifi")
            .deploy("counter", on="phone", cls="VisitCounter", dms=["KeepInCloud"])
            .client("p", node="phone", target="counter", calls=[amino.call("visit")], rate=rate))


def test_catalogue_lists_dms_and_classes():
    cat = amino.catalogue()
    assert "KeepInCloud" in cat["dms"] and "WriteThroughCaching" in cat["dms"]
    assert cat["classes"]["Board"]["read"] == {"arity": 0, "read_only": True}


def test_run_returns_plain_records_and_csv(tmp_path):
    res = amino.run(counter_scenario(), out=str(tmp_path / "out"))
    assert res.ok, res.errors
    assert res.records and set(amino.FIELDS) <= set(res.records[0])
    r = res.records[0]
    assert (r["client"], r["node"], r["microservice"], r["method"], r["outcome"]) == ("p", "phone", "counter", "visit", "OK")
    assert [x["value"] for x in res.records] == list(range(1, len(res.records) + 1))
    rows = list(csv.DictReader(open(res.to_csv(str(tmp_path / "r.csv")))))
    assert len(rows) == len(res.records)
    assert res.summary()[0]["calls"] == len(res.records)
    for f in ("records.csv", "summary.csv", "result.json", "scenario.json"):
        assert (tmp_path / "out" / f).exists()
    assert "python3 -m amino replay" in res.replay_command


def test_same_seed_same_hash_different_seed_different_hash():
    a, b, c = (amino.run(counter_scenario(seed=s)) for s in (5, 5, 6))
    assert a.trace_hash == b.trace_hash and a.records == b.records
    assert a.trace_hash != c.trace_hash


def test_saved_scenario_replays_identically():
    sc = counter_scenario(seed=3)
    again = amino.Scenario.from_json(sc.to_json())
    assert amino.run(sc).trace_hash == amino.run(again).trace_hash


def test_sweep_runs_every_combination_in_order():
    res = amino.sweep(counter_scenario, seeds=(1, 2), params={"rate": [5.0, 10.0]}, processes=2, progress=False)
    assert [(r.params["rate"], r.seed) for r in res] == [(5.0, 1), (5.0, 2), (10.0, 1), (10.0, 2)]
    assert all(r.ok for r in res)


def test_traces_are_written(tmp_path):
    res = amino.run(counter_scenario(), trace=str(tmp_path / "t.json"), jsonl=str(tmp_path / "t.jsonl"))
    assert res.ok
    assert (tmp_path / "t.json").read_text().startswith(("{", "["))
    assert len((tmp_path / "t.jsonl").read_text().splitlines()) > 10


@pytest.mark.parametrize("mutate, needle", [
    (lambda s: s.deploy("x", on="phone", cls="Board", dms=["NoSuchDM"]), "unknown DM 'NoSuchDM'"),
    (lambda s: s.deploy("x", on="mars", cls="Board"), "unknown host 'mars'"),
    (lambda s: s.deploy("x", on="phone", cls="NoSuchClass"), "unknown class 'NoSuchClass'"),
    (lambda s: s.client("q", node="phone", target="counter", calls=[amino.call("fly")], count=1), "no method 'fly'"),
    (lambda s: s.client("q", node="phone", target="counter", calls=[amino.call("visit", 1)], count=1), "takes 0 arguments"),
    (lambda s: s.client("q", node="phone", target="nothing", calls=[amino.call("visit")], count=1), "unknown microservice 'nothing'"),
    (lambda s: s.deploy("x", on="phone", cls="Board", dms=[("KeepInCloud", {"labelValue": "moon"})]), "no kernel server is labelled tier=moon"),
    (lambda s: s.deploy("x", on="phone", cls="Board", dms=[("ConsensusRSM", {"replicas": 5})]), "5 replicas need"),
    (lambda s: s.crash(1.0, "ghost"), "unknown node 'ghost'"),
    (lambda s: s.deploy("x", on="oms", cls="Board"), "runs the OMS only"),
])
def test_bad_input_raises_before_the_run(mutate, needle):
    sc = mutate(counter_scenario())
    with pytest.raises(amino.ScenarioError) as e:
        amino.run(sc)
    assert needle in str(e.value)
    assert amino.validate(sc)


def test_a_crashing_child_is_a_failed_result_not_a_dead_parent(monkeypatch):
    class Aborting:
        validate_json = staticmethod(runner.native.validate_json)

        @staticmethod
        def run_json(_text):
            os.kill(os.getpid(), signal.SIGKILL)  # as a SimGrid abort would, minus the core dump noise

    monkeypatch.setattr(runner, "native", Aborting)
    res = amino.run(counter_scenario())
    assert not res.ok and "died" in res.errors[0]


def test_command_line_list_and_run(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    listed = subprocess.run([sys.executable, "-m", "amino", "list"], capture_output=True, text=True, env=env)
    assert listed.returncode == 0 and "multiplayer_game" in listed.stdout and "code_offloading" in listed.stdout
    out = tmp_path / "game"
    ran = subprocess.run([sys.executable, "-m", "amino", "run", "multiplayer_game", "--seed", "2", "--out", str(out),
                          "--param", "duration=5", "--trace", str(tmp_path / "t.json")],
                         capture_output=True, text=True, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "replay: " in ran.stdout and "--seed 2" in ran.stdout and (out / "records.csv").exists()
    bad = subprocess.run([sys.executable, "-m", "amino", "run", "multiplayer_game", "--param", "deployment=moon"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "unknown deployment" in bad.stderr
